import type { RetrievalStrategy } from '../../domain/search';
import { indexedDimensions } from '../../stores/relational/migrations';
import { toVectorLiteral } from '../../stores/relational/sql';
import type { BenchQuery } from './corpus';
import type { SearchBenchPlatform } from './platform';

/** Milliseconds of each call, in query order. */
export type Samples = number[];

/** Untimed calls before each series: the first calls pay for JIT compilation and cold pages. */
const warmUpCalls = 5;

/** The search service's result count: the API's default limit. */
const resultLimit = 10;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/**
 * Each question once through SearchService.search, as the API calls it (query embedding, the cache
 * look-ups and the answer's storing included), with the given strategies or the cartridge's fusion.
 * The mission's cache generation is renewed before each question (untimed), so every call is a miss
 * and computes its answer, as a first-time question does.
 */
export async function timeUncachedSearches(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
  strategies?: RetrievalStrategy[],
): Promise<Samples> {
  const samples: Samples = [];
  const warmUp = queries.slice(0, warmUpCalls).map((query) => ({ query, warm: true }));
  for (const { query, warm } of [...warmUp, ...queries.map((query) => ({ query, warm: false }))]) {
    await bench.stores.cache.invalidateMission(bench.missionId);
    const { ms, value } = await timed(() => ask(bench, query.text, strategies));
    if (value.cached !== false) throw new Error(`"${query.text}" was answered from the cache`);
    if (!warm) samples.push(ms);
  }
  return samples;
}

/** Each question asked twice with the default fusion: the second, timed, is an exact cache hit. */
export async function timeCacheHits(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
): Promise<Samples> {
  await bench.stores.cache.invalidateMission(bench.missionId);
  const samples: Samples = [];
  for (const query of queries) {
    await ask(bench, query.text);
    const { ms, value } = await timed(() => ask(bench, query.text));
    if (value.cached !== 'exact') throw new Error(`"${query.text}" asked again was not a cache hit`);
    samples.push(ms);
  }
  return samples;
}

function ask(bench: SearchBenchPlatform, query: string, strategies?: RetrievalStrategy[]) {
  return bench.search.search(bench.missionId, bench.cartridge, {
    query,
    limit: resultLimit,
    cartridgeVersion: bench.cartridgeVersion,
    ...(strategies ? { strategies } : {}),
  });
}

/** The query embedding alone, which every uncached search pays for (the semantic cache needs it). */
export async function timeQueryEmbedding(bench: SearchBenchPlatform, queries: readonly BenchQuery[]) {
  const samples: Samples = [];
  for (const query of queries) samples.push((await timed(() => bench.embedder.embed([query.text]))).ms);
  return samples;
}

export interface DenseComparison {
  hnsw: Samples;
  exact: Samples;
  /** Mean share of the exact scan's first ten chunks that the HNSW search also returns first ten. */
  recallAt10: number;
}

/**
 * The vector store's HNSW search (what the dense strategy runs) against an exact scan of the same
 * vectors (every searchable chunk's distance computed, then sorted), for the same question vectors
 * and candidate pool: the speed the index buys, and the answers it loses doing so.
 */
export async function compareDenseWithExactScan(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
): Promise<DenseComparison> {
  const pool = bench.cartridge.search.candidatePool;
  const vectors = await bench.embedder.embed(queries.map((query) => query.text));
  const hnsw: Samples = [];
  const exact: Samples = [];
  let recall = 0;
  for (const [index, vector] of vectors.entries()) {
    const approximate = await timed(() =>
      bench.stores.vectors.search(bench.missionId, bench.embedder.model, vector, pool),
    );
    const scanned = await timed(() => exactScan(bench, vector, pool));
    if (index < 2) continue; // warm-up
    hnsw.push(approximate.ms);
    exact.push(scanned.ms);
    const truth = new Set(scanned.value.slice(0, 10));
    const found = approximate.value.slice(0, 10).filter((candidate) => truth.has(candidate.chunkId)).length;
    recall += truth.size === 0 ? 1 : found / truth.size;
  }
  return { hnsw, exact, recallAt10: recall / Math.max(1, hnsw.length) };
}

/**
 * Nearest chunks by a sequential scan: the distance to the uncast column, which the HNSW index (on
 * the expression `embedding::vector(384)`) cannot serve, as the vector store does for vectors of other
 * dimensions. Same filters and order as the indexed search.
 */
async function exactScan(bench: SearchBenchPlatform, vector: readonly number[], limit: number) {
  if (vector.length !== indexedDimensions) throw new Error(`expected ${indexedDimensions} dimensions`);
  const { rows } = await bench.stores.sql.inMission(bench.missionId, (tx) =>
    tx.query<{ chunk_id: string }>(
      `SELECT chunk_id FROM chunks
       WHERE mission_id = $1 AND embedding_model = $2 AND searchable AND embedding IS NOT NULL
       ORDER BY embedding <=> $3::vector, chunk_id LIMIT $4`,
      [bench.missionId, bench.embedder.model, toVectorLiteral(vector), limit],
    ),
  );
  return rows.map((row) => row.chunk_id);
}
