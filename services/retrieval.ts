import type { Embedder } from '../adapters/embedders';
import type { Cartridge } from '../domain/cartridge';
import type { EntityRef } from '../domain/entities';
import type { RetrievalStrategy } from '../domain/search';
import type { ChunkEntityIndex } from '../stores/relational/chunk-entities';
import type { LexicalIndex } from '../stores/relational/lexical-index';
import type { VectorStore } from '../stores/vectors/vector-store';

/** One strategy's candidates for one question, best first, with the strategy's own score. */
export interface StrategyRanking {
  strategy: RetrievalStrategy;
  candidates: Array<{ chunkId: string; score: number }>;
  /** For the graph strategy: the entities of the question it started from, and their neighbours. */
  entities?: string[];
}

export interface RetrievalDependencies {
  lexical: LexicalIndex;
  vectors: VectorStore;
  chunkEntities: ChunkEntityIndex;
}

/**
 * How far the graph strategy looks from an entity the question names, and how much that counts. A
 * neighbour's weight mostly adds to chunks where it meets a named entity, so the first pass reads only
 * its first `firstPass` mentions for candidates of its own (at 10,000 chunks, ten neighbouring places
 * read whole made the graph strategy's p95 54 ms; npm run bench:search).
 */
const graphNeighbours = { perEntity: 10, weight: 0.5, maxNamedEntities: 5, firstPass: 200 } as const;

/**
 * The retrieval strategies, each usable alone: lexical (BM25 over the mission's chunks), dense (the
 * nearest vectors of the question's embedding), and graph (the entities the question names, their
 * neighbours in the entity graph, and the chunks that mention them).
 */
export class Retrieval {
  constructor(private readonly deps: RetrievalDependencies) {}

  async lexical(
    missionId: string,
    cartridge: Cartridge,
    question: string,
    pool: number,
  ): Promise<StrategyRanking> {
    const candidates = await this.deps.lexical.search(missionId, question, cartridge.search.language, pool);
    return { strategy: 'lexical', candidates };
  }

  /** `vector` is the question embedded by `embedder`, the mission's model. */
  async dense(
    missionId: string,
    cartridge: Cartridge,
    embedder: Embedder,
    vector: readonly number[],
    pool: number,
  ): Promise<StrategyRanking> {
    const nearest = await this.deps.vectors.search(missionId, embedder.model, vector, pool);
    const candidates = nearest
      .map((candidate) => ({ chunkId: candidate.chunkId, score: round(1 - candidate.distance) }))
      .filter((candidate) => candidate.score >= cartridge.search.minSimilarity);
    return { strategy: 'dense', candidates };
  }

  /**
   * Entities named in the question (its word sequences that are an entity's key in the mission), then
   * their neighbours one hop away; a chunk scores the weight of each entity it mentions, so chunks
   * where the question's entities meet rank first. A neighbour counts `graphNeighbours.weight` of a
   * named entity, and an entity mentioned everywhere counts less than a rare one (`rarity`).
   * The neighbours are the entity graph's edges (two entities mentioned in one chunk) as the chunks'
   * own mentions record them, strongest first. The graph store keeps an edge per document version
   * and sums mentions per entity on read, so a place half the mission mentions took it 200 ms to
   * walk at 100,000 chunks; the chunks' mentions answer in bounded time (chunk-entities.ts).
   */
  async graph(missionId: string, question: string, pool: number): Promise<StrategyRanking> {
    const named = (await this.deps.chunkEntities.entitiesNamedIn(missionId, question)).slice(
      0,
      graphNeighbours.maxNamedEntities,
    );
    if (named.length === 0) return { strategy: 'graph', candidates: [], entities: [] };
    const neighbours = await this.deps.chunkEntities.neighboursOf(
      missionId,
      named,
      graphNeighbours.perEntity,
    );
    const weights = new Map<string, EntityRef & { weight: number; firstPass?: number }>();
    const refKey = (type: string, key: string) => `${type}\u0000${key}`;
    for (const entity of named) {
      weights.set(refKey(entity.type, entity.key), {
        type: entity.type,
        key: entity.key,
        weight: rarity(entity.chunks),
      });
    }
    for (const neighbour of neighbours) {
      const id = refKey(neighbour.type, neighbour.key);
      if (!weights.has(id)) {
        weights.set(id, {
          type: neighbour.type,
          key: neighbour.key,
          weight: graphNeighbours.weight * rarity(neighbour.chunks),
          firstPass: graphNeighbours.firstPass,
        });
      }
    }
    const candidates = await this.deps.chunkEntities.rankByMentions(missionId, [...weights.values()], pool);
    return { strategy: 'graph', candidates, entities: named.map((entity) => entity.name) };
  }
}

/** 1 for an entity one chunk mentions, falling slowly (logarithmically) as more chunks do. */
function rarity(chunks: number): number {
  return 1 / (1 + Math.log(Math.max(1, chunks)));
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
