import type { Embedder } from '../adapters/embedders';
import type { Cartridge } from '../domain/cartridge';
import { reciprocalRankFusion } from '../domain/search';
import type { SearchCache } from '../stores/cache/search-cache';
import type { ChunkStore } from '../stores/relational/chunks';
import type { VectorStore } from '../stores/vectors/vector-store';

export interface SearchHit {
  documentId: string;
  chunkId: string;
  score: number;
  text: string;
  title: string | null;
  heading: string | null;
}

export interface SearchQuery {
  query: string;
  limit: number;
  /** The cartridge version the answer was computed under: a reload must not serve older answers. */
  cartridgeVersion: number;
}

/**
 * Hybrid search within one mission: full-text and vector candidates, fused by reciprocal rank.
 * Only chunks of indexed documents are ever candidates. Answers are cached per mission until the
 * mission's index changes (the cache's generation) or the TTL ends; a TTL of 0 turns caching off.
 */
export class SearchService {
  constructor(
    private readonly deps: {
      chunks: ChunkStore;
      vectors: VectorStore;
      embedder: Embedder;
      cache: SearchCache;
      cacheTtlSeconds: number;
    },
  ) {}

  async search(
    missionId: string,
    cartridge: Cartridge,
    request: SearchQuery,
  ): Promise<{ results: SearchHit[]; cached: boolean }> {
    const { cache, cacheTtlSeconds, embedder } = this.deps;
    if (cacheTtlSeconds === 0) {
      return {
        results: await this.compute(missionId, cartridge, request.query, request.limit),
        cached: false,
      };
    }
    const key = JSON.stringify([request.cartridgeVersion, embedder.model, request.limit, request.query]);
    // The generation is read before computing: if the index changes meanwhile, the answer is not kept.
    const { value, generation } = await cache.lookup<SearchHit[]>(missionId, key);
    if (value) return { results: value, cached: true };
    const results = await this.compute(missionId, cartridge, request.query, request.limit);
    await cache.set(missionId, key, results, cacheTtlSeconds, { generation });
    return { results, cached: false };
  }

  private async compute(
    missionId: string,
    cartridge: Cartridge,
    query: string,
    limit: number,
  ): Promise<SearchHit[]> {
    const { chunks: chunkStore, vectors, embedder } = this.deps;
    const pool = Math.max(limit, cartridge.search.candidatePool);
    const [queryVector] = await embedder.embed([query]);
    const [lexical, semantic] = await Promise.all([
      chunkStore.searchLexical(missionId, query, cartridge.search.language, pool),
      queryVector ? vectors.search(missionId, embedder.model, queryVector, pool) : Promise.resolve([]),
    ]);
    const related = semantic.filter((candidate) => 1 - candidate.distance >= cartridge.search.minSimilarity);
    const fused = reciprocalRankFusion([lexical, related], cartridge.search.rrfK).slice(0, limit);
    const chunks = await chunkStore.chunksById(
      missionId,
      fused.map((candidate) => candidate.chunkId),
    );
    return fused.flatMap((candidate) => {
      const chunk = chunks.get(candidate.chunkId);
      return chunk
        ? [
            {
              documentId: chunk.documentId,
              chunkId: chunk.chunkId,
              score: Number(candidate.score.toFixed(6)),
              text: chunk.text,
              title: chunk.title,
              heading: chunk.heading,
            },
          ]
        : [];
    });
  }
}
