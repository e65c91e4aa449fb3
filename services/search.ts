import type { Embedder } from '../adapters/embedders';
import type { Reranker } from '../adapters/local-cross-encoder';
import type { Cartridge } from '../domain/cartridge';
import type { Logger } from '../observability/logger';
import { splitQuestion } from '../domain/query-parts';
import {
  documentRankings,
  groupByDocument,
  hasFilters,
  reciprocalRankFusion,
  scoreFusion,
  type RetrievalStrategy,
  type SearchFilters,
} from '../domain/search';
import type { SearchCache } from '../stores/cache/search-cache';
import type { ChunkStore, StoredChunk } from '../stores/relational/chunks';
import type { Retrieval, StrategyRanking } from './retrieval';
import { rerankResults } from './rerank';
import { planSearch, type SearchPlan } from './search-plan';
import { SemanticCache } from './semantic-cache';

export interface SearchPassage {
  chunkId: string;
  text: string;
  heading: string | null;
  score: number;
}

/** Which strategy found a result, for which part of the question, at which rank and score. */
export interface StrategyFinding {
  strategy: RetrievalStrategy;
  part: number;
  rank: number;
  score: number;
}

export interface SearchHit extends SearchPassage {
  documentId: string;
  title: string | null;
  /** With results grouped by document: its best passages, best first (the first is the hit's own). */
  passages?: SearchPassage[];
  /** With `explain`: how each of the result's passages was found, and how re-ranking moved it. */
  explain?: {
    findings: Array<StrategyFinding & { chunkId: string }>;
    rerank?: { score: number; rankBefore: number };
  };
}

export interface SearchRequest {
  query: string;
  limit: number;
  /** The cartridge version the answer was computed under: a reload must not serve older answers. */
  cartridgeVersion: number;
  groupBy?: 'document' | 'chunk';
  /** Only these strategies (each at its cartridge weight, or 1 where the cartridge turned it off). */
  strategies?: readonly RetrievalStrategy[];
  filters?: SearchFilters;
  explain?: boolean;
  /** Re-rank with the cross-encoder (true) or not (false); by default as the cartridge says. */
  rerank?: boolean;
}

export interface SearchAnswer {
  results: SearchHit[];
  /** `exact`: the same question was answered before; `semantic`: a question close enough in meaning. */
  cached: false | 'exact' | 'semantic';
  /** The parts the question was split into (one when it asks one thing). */
  parts: string[];
  /** Who split it: the rules, the chat model, or nobody (the cartridge turned splitting off). */
  splitBy: 'rules' | 'model' | 'off';
  strategies: RetrievalStrategy[];
  /** Where the graph strategy started: the entities the question names. */
  entities: string[];
  embeddingModel: string;
  /** The cross-encoder that re-ordered the first results, when one did. */
  reranker: string | null;
}

export interface SearchDependencies {
  chunks: ChunkStore;
  retrieval: Retrieval;
  /** The embedder of a mission's vectors (its cartridge names it). */
  embedderFor: (cartridge: Cartridge) => Embedder;
  cache: SearchCache;
  cacheTtlSeconds: number;
  /** The chat model that splits questions for cartridges that ask for it, where one is configured. */
  questionSplitter?: QuestionSplitter | null;
  /** The cross-encoder (RERANKER=local), for cartridges and requests that ask for re-ranking. */
  reranker?: Reranker | null;
  logger?: Logger;
}

/** Splits a question into the questions it asks; null when its answer is unusable. */
export interface QuestionSplitter {
  split(question: string, signal?: AbortSignal): Promise<string[] | null>;
}

/**
 * Search within one mission: each strategy (lexical, dense, graph) retrieves candidates for each part
 * of the question, in parallel; reciprocal rank fusion with the cartridge's weights merges them;
 * results are grouped by document unless chunks are asked for. Only chunks of indexed documents are
 * ever results. Answers are cached per mission until the mission's index changes (the cache's
 * generation), by the exact request and by a question close in meaning (semantic-cache.ts).
 */
export class SearchService {
  private readonly semantic: SemanticCache;

  constructor(private readonly deps: SearchDependencies) {
    this.semantic = new SemanticCache(deps.cache, deps.cacheTtlSeconds);
  }

  async search(missionId: string, cartridge: Cartridge, request: SearchRequest): Promise<SearchAnswer> {
    const embedder = this.deps.embedderFor(cartridge);
    const plan = planSearch(cartridge, request, embedder);
    const settings = JSON.stringify([
      request.cartridgeVersion,
      embedder.model,
      request.limit,
      plan.groupBy,
      plan.strategies,
      request.filters ?? null,
      request.explain === true,
      plan.rerank,
    ]);
    if (this.deps.cacheTtlSeconds === 0) {
      return this.answer({ missionId, cartridge, embedder, request, plan, questionVector: null });
    }
    const exact = await this.semantic.exact<SearchAnswer>(missionId, settings, request.query);
    if (exact.value) return { ...exact.value, cached: 'exact' };
    // The strategies that need no embedding start beside it (the model runs in its own thread), so a
    // BM25 or graph question does not wait for the model; a semantic cache hit abandons them.
    const questionVector = embedder.embed([request.query]).then(([vector]) => vector ?? null);
    const abandoned = new AbortController();
    const run = { missionId, cartridge, embedder, request, plan, questionVector };
    const computing = this.answer({ ...run, signal: abandoned.signal });
    computing.catch(() => undefined); // awaited below, or abandoned: never an unhandled rejection
    const vector = await questionVector;
    const threshold = cartridge.search.semanticCacheSimilarity;
    if (vector && threshold < 1) {
      const close = await this.semantic.closest<SearchAnswer>(missionId, settings, vector, threshold);
      if (close) {
        abandoned.abort();
        return { ...close, cached: 'semantic' };
      }
    }
    const answer = await computing;
    await this.semantic.remember(missionId, settings, request.query, vector, answer, exact.generation);
    return answer;
  }

  /** The fused results, the first of them re-read by the cross-encoder when the plan says so. */
  private async answer(run: SearchRun): Promise<SearchAnswer> {
    const { request, plan } = run;
    const reranker = plan.rerank > 0 ? this.deps.reranker : null;
    if (!reranker) return this.compute(run);
    const fused = await this.compute({
      ...run,
      request: { ...request, limit: Math.max(request.limit, plan.rerank) },
    });
    const { results, reranked } = await rerankResults(reranker, request.query, fused.results, plan.rerank, {
      explain: request.explain === true,
      logger: this.deps.logger,
    });
    return { ...fused, results: results.slice(0, request.limit), reranker: reranked ? reranker.model : null };
  }

  /**
   * The parts a question is searched as. The chat model splits only for cartridges that ask for it;
   * a search never fails for it: when it errs, is slow or answers something else, the rules split.
   */
  private async questionParts(
    cartridge: Cartridge,
    query: string,
  ): Promise<Pick<SearchAnswer, 'parts' | 'splitBy'>> {
    if (!cartridge.search.splitQuestions) return { parts: [query], splitBy: 'off' };
    const splitter = this.deps.questionSplitter;
    if (cartridge.search.questionSplitter === 'model' && splitter) {
      try {
        const parts = await splitter.split(query);
        if (parts) return { parts, splitBy: 'model' };
        this.deps.logger?.warn('question splitter: the chat model answered no usable parts; split by rule');
      } catch (error) {
        this.deps.logger?.warn(
          { err: error },
          'question splitter: the chat model could not be asked; split by rule',
        );
      }
    }
    return { parts: splitQuestion(query), splitBy: 'rules' };
  }

  private async compute(run: SearchRun): Promise<SearchAnswer> {
    const { missionId, cartridge, embedder, request, plan, questionVector } = run;
    const { retrieval } = this.deps;
    const { parts, splitBy } = await this.questionParts(cartridge, request.query);
    const perDocument = plan.groupBy === 'document' ? cartridge.search.passagesPerDocument : 1;
    // Filters drop candidates after retrieval: look deeper so that enough are left.
    const pool =
      Math.max(request.limit * perDocument, cartridge.search.candidatePool) *
      (hasFilters(request.filters) ? 4 : 1);
    // Awaited by the dense strategy alone: the others run while the question is embedded.
    const partVectors: Promise<Array<readonly number[] | null>> = !plan.strategies.includes('dense')
      ? Promise.resolve([])
      : parts.length === 1 && questionVector
        ? questionVector.then((vector) => [vector])
        : embedder.embed(parts);
    const rankings = await Promise.all(
      parts.flatMap((part, index) =>
        plan.strategies.map(async (strategy): Promise<StrategyRanking & { part: number }> => {
          const ranking =
            strategy === 'lexical'
              ? await retrieval.lexical(missionId, cartridge, part, pool)
              : strategy === 'dense'
                ? await retrieval.dense(
                    missionId,
                    cartridge,
                    embedder,
                    (await partVectors)[index] ?? [],
                    pool,
                  )
                : await retrieval.graph(missionId, part, pool);
          return { ...ranking, part: index };
        }),
      ),
    );
    run.signal?.throwIfAborted();
    // Only chunks that may be results (indexed, within the filters) take part in the fusion, so
    // each strategy's ranks are ranks among eligible chunks.
    const stored = await this.deps.chunks.chunksById(
      missionId,
      [...new Set(rankings.flatMap((ranking) => ranking.candidates.map((candidate) => candidate.chunkId)))],
      request.filters,
    );
    const eligible = rankings.map((ranking) => ({
      ...ranking,
      candidates: ranking.candidates.filter((candidate) => stored.has(candidate.chunkId)),
    }));
    const findings = findingsByChunk(eligible);
    const ranked = fuseRankings(eligible, plan, cartridge).map((candidate) => ({
      ...(stored.get(candidate.chunkId) as StoredChunk),
      score: round(candidate.score),
      findings: findings.get(candidate.chunkId) ?? [],
    }));
    const results =
      plan.groupBy === 'document'
        ? documentHits(eligible, plan, cartridge, stored, ranked, perDocument, request)
        : ranked.slice(0, request.limit).map((chunk) => ({
            ...toPassage(chunk),
            documentId: chunk.documentId,
            title: chunk.title,
            ...(request.explain ? { explain: { findings: chunk.findings } } : {}),
          }));
    return {
      results,
      cached: false,
      parts,
      splitBy,
      strategies: plan.strategies,
      entities: [...new Set(rankings.flatMap((ranking) => ranking.entities ?? []))],
      embeddingModel: embedder.model,
      reranker: null,
    };
  }
}

/** One search as it is being answered: what was asked, in which mission, and how it is planned. */
interface SearchRun {
  missionId: string;
  cartridge: Cartridge;
  embedder: Embedder;
  request: SearchRequest;
  plan: SearchPlan;
  /** The whole question's embedding, when the cache is asking for it already. */
  questionVector: Promise<number[] | null> | null;
  /** Aborted when the answer is no longer wanted (a semantic cache hit came first). */
  signal?: AbortSignal;
}

/** A fused chunk with how each strategy found it. */
type RankedChunk = StoredChunk & { score: number; findings: Array<StrategyFinding & { chunkId: string }> };

function toPassage(chunk: RankedChunk): SearchPassage {
  return { chunkId: chunk.chunkId, text: chunk.text, heading: chunk.heading, score: chunk.score };
}

function round(score: number): number {
  return Number(score.toFixed(6));
}

/**
 * Results by document: the strategies' rankings fused at document level (a document ranks by its
 * best chunk in each), each document with its best passages by the chunk-level fusion.
 */
function documentHits(
  rankings: ReadonlyArray<StrategyRanking & { part: number }>,
  plan: SearchPlan,
  cartridge: Cartridge,
  stored: ReadonlyMap<string, StoredChunk>,
  ranked: readonly RankedChunk[],
  perDocument: number,
  request: SearchRequest,
): SearchHit[] {
  const byDocument = documentRankings(
    rankings.map((ranking) => ranking.candidates),
    (chunkId) => stored.get(chunkId)?.documentId,
  );
  const documents = fuseRankings(
    rankings.map((ranking, index) => ({ ...ranking, candidates: byDocument[index] ?? [] })),
    plan,
    cartridge,
  ).map((document) => ({ documentId: document.chunkId, score: round(document.score) }));
  return groupByDocument(documents.slice(0, request.limit), ranked, perDocument).map((group) => {
    const best = group.passages[0] as RankedChunk;
    return {
      ...toPassage(best),
      score: group.score,
      documentId: group.documentId,
      title: best.title,
      passages: group.passages.map(toPassage),
      ...(request.explain ? { explain: { findings: group.passages.flatMap((p) => p.findings) } } : {}),
    };
  });
}

/**
 * The strategies' rankings as one: per part of the question, by the cartridge's fusion (scores, or
 * reciprocal ranks) with each strategy's share; the parts' results then merged by reciprocal rank,
 * so that each part's best answers come up whatever the scale of its scores.
 */
function fuseRankings(
  rankings: ReadonlyArray<StrategyRanking & { part: number }>,
  plan: SearchPlan,
  cartridge: Cartridge,
): Array<{ chunkId: string; score: number }> {
  const parts = [...new Set(rankings.map((ranking) => ranking.part))];
  const perPart = parts.map((part) => {
    const lists = rankings.filter((ranking) => ranking.part === part);
    return cartridge.search.fusion === 'score'
      ? scoreFusion(
          lists.map((ranking) => ({
            candidates: ranking.candidates,
            weight: plan.weights[ranking.strategy],
          })),
          cartridge.search.confidenceShift,
        )
      : reciprocalRankFusion(
          lists.map((ranking) => ranking.candidates),
          cartridge.search.rrfK,
          lists.map((ranking) => plan.weights[ranking.strategy]),
        );
  });
  return perPart.length === 1 ? (perPart[0] ?? []) : reciprocalRankFusion(perPart, cartridge.search.rrfK);
}

/** For explain: where each chunk stood in each strategy's ranking, for each part. */
function findingsByChunk(
  rankings: ReadonlyArray<StrategyRanking & { part: number }>,
): Map<string, Array<StrategyFinding & { chunkId: string }>> {
  const findings = new Map<string, Array<StrategyFinding & { chunkId: string }>>();
  for (const ranking of rankings) {
    ranking.candidates.forEach((candidate, index) => {
      const list = findings.get(candidate.chunkId) ?? [];
      if (list.some((finding) => finding.strategy === ranking.strategy && finding.part === ranking.part))
        return;
      list.push({
        strategy: ranking.strategy,
        part: ranking.part,
        rank: index + 1,
        score: candidate.score,
        chunkId: candidate.chunkId,
      });
      findings.set(candidate.chunkId, list);
    });
  }
  return findings;
}
