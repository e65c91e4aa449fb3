import type { RetrievalStrategy } from '../../domain/search';
import { indexedDimensions } from '../../stores/relational/migrations';
import { toVectorLiteral } from '../../stores/relational/sql';
import type { BenchQuery } from './corpus';
import { exhaustiveBm25 } from './exhaustive-bm25';
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

/** An approximate store call against the exact computation it stands for, on the same questions. */
export interface BaselineComparison {
  /** The approximate call's name and the exact one's (the baseline). */
  names: { approximate: string; exact: string };
  approximate: Samples;
  exact: Samples;
  /** Mean share of the exact answer's first ten chunks that the approximate one also returns first ten. */
  recallAt10: number;
}

/** Both calls for each question (the first two untimed, as warm-up), with the overlap of their top ten. */
async function compareWithBaseline(
  names: BaselineComparison['names'],
  questions: number,
  approximate: (index: number) => Promise<string[]>,
  exact: (index: number) => Promise<string[]>,
): Promise<BaselineComparison> {
  const comparison: BaselineComparison = { names, approximate: [], exact: [], recallAt10: 0 };
  let recall = 0;
  for (let index = 0; index < questions; index++) {
    const fast = await timed(() => approximate(index));
    const slow = await timed(() => exact(index));
    if (index < 2) continue;
    comparison.approximate.push(fast.ms);
    comparison.exact.push(slow.ms);
    const truth = new Set(slow.value.slice(0, 10));
    const found = fast.value.slice(0, 10).filter((chunkId) => truth.has(chunkId)).length;
    recall += truth.size === 0 ? 1 : found / truth.size;
  }
  comparison.recallAt10 = recall / Math.max(1, comparison.approximate.length);
  return comparison;
}

/**
 * The vector store's HNSW search (what the dense strategy runs) against an exact scan of the same
 * vectors (every searchable chunk's distance computed, then sorted), for the same question vectors
 * and candidate pool: the speed the index buys, and the answers it loses doing so.
 */
export async function compareDenseWithExactScan(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
): Promise<BaselineComparison> {
  const pool = bench.cartridge.search.candidatePool;
  const vectors = await bench.embedder.embed(queries.map((query) => query.text));
  const vector = (index: number) => vectors[index] as number[];
  return compareWithBaseline(
    { approximate: 'dense store call, HNSW', exact: 'dense store call, exact scan (baseline)' },
    vectors.length,
    async (index) =>
      (await bench.stores.vectors.search(bench.missionId, bench.embedder.model, vector(index), pool)).map(
        (candidate) => candidate.chunkId,
      ),
    (index) => exactScan(bench, vector(index), pool),
  );
}

/**
 * The lexical index's two-pass BM25 (what the lexical strategy runs) against BM25 over every posting
 * of the question's terms (./exhaustive-bm25.ts), for the same questions and candidate pool.
 */
export async function compareLexicalWithExhaustiveBm25(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
): Promise<BaselineComparison> {
  const pool = bench.cartridge.search.candidatePool;
  const language = bench.cartridge.search.language;
  const text = (index: number) => (queries[index] as BenchQuery).text;
  return compareWithBaseline(
    { approximate: 'lexical store call, two passes', exact: 'lexical store call, every posting (baseline)' },
    queries.length,
    async (index) =>
      (await bench.stores.lexical.search(bench.missionId, text(index), language, pool)).map(
        (candidate) => candidate.chunkId,
      ),
    (index) => exhaustiveBm25(bench, text(index), pool),
  );
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
