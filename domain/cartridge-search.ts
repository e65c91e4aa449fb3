import { z } from 'zod';

/**
 * The cartridge's `search` section: the language of its lexical index, result limits, the embedder
 * of its vectors, and how the retrieval strategies are fused (services/search.ts, domain/search.ts).
 */
export const searchSchema = z
  .object({
    language: z.enum(['simple', 'english', 'french', 'german', 'spanish', 'italian', 'dutch', 'portuguese']),
    defaultLimit: z.number().int().min(1).max(100).default(10),
    maxLimit: z.number().int().min(1).max(200).default(50),
    candidatePool: z.number().int().min(1).max(1000).default(50),
    rrfK: z.number().int().min(1).max(1000).default(60),
    /** Vector candidates below this cosine similarity are not results (no relation at all). */
    minSimilarity: z.number().min(0).max(1).default(0.1),
    /**
     * The embedder of the mission's vectors: `auto` is the local semantic model where the
     * platform has it, else the lexical one; or `lexical`, `local`, `openai` (OPENAI-compatible
     * endpoint configured by EMBEDDINGS_URL). Changing it takes a reprocess to re-embed.
     */
    embedder: z.enum(['auto', 'lexical', 'local', 'openai']).default('auto'),
    /**
     * Each strategy's share in the fusion (relative); 0 leaves it out of the fusion (a request
     * may still ask for it alone). Measured on the PostgreSQL manual (bench:retrieval): BM25 is
     * the stronger in the documents' own words, the semantic vectors in a user's; entities of
     * documentation pages are generic, so the graph only added noise there and is off by default.
     */
    strategies: z
      .object({
        lexical: z.number().min(0).max(10).default(0.2),
        dense: z.number().min(0).max(10).default(0.8),
        graph: z.number().min(0).max(10).default(0),
      })
      .strict()
      .prefault({}),
    /**
     * `score`: each strategy's scores over its best, summed by share, the shares moved towards
     * the strategy whose first result stands out (domain/search.ts: scoreFusion); `rrf`:
     * reciprocal rank fusion with rrfK. Parts of a split question are always merged by rank.
     */
    fusion: z.enum(['score', 'rrf']).default('score'),
    /** How far a clear first result moves a strategy's share (score fusion; 0: fixed shares). */
    confidenceShift: z.number().min(0).max(2).default(1),
    /** Results per document (with its best passages) unless a request asks for chunks. */
    groupBy: z.enum(['document', 'chunk']).default('document'),
    passagesPerDocument: z.number().int().min(1).max(10).default(3),
    /** Multi-part questions are split and each part retrieved on its own (domain/query-parts.ts). */
    splitQuestions: z.boolean().default(true),
    /**
     * Who splits them: `rules` (by default, no network), or `model`: the chat endpoint the platform
     * is configured with (LLM_URL, LLM_MODEL), falling back to the rules when it is not configured,
     * slow or answers something else; the answer's `splitBy` says which did.
     */
    questionSplitter: z.enum(['rules', 'model']).default('rules'),
    /**
     * How many of the first results the cross-encoder re-reads and re-orders, on a platform that
     * has it (RERANKER=local); 0 turns re-ranking off (a request may still ask for it). It reads
     * each question–passage pair whole, about 0.1 s per result on 2 cores; on the PostgreSQL manual
     * it ranked worse than the fusion (README: Re-ranking), hence off by default.
     */
    rerankCandidates: z.number().int().min(0).max(50).default(0),
    /**
     * A question whose embedding is at least this similar to a cached one's reuses its answer
     * (same mission, same index generation); 1 turns the semantic cache off (exact repeats only).
     */
    semanticCacheSimilarity: z.number().min(0.8).max(1).default(0.97),
  })
  .strict();
