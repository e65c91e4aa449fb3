/**
 * Search speed at scale: one mission grown to 10,000 then 100,000 generated chunks (bench/search/
 * corpus.ts) through the platform's own stores, with vectors of the local semantic model, then
 * questions asked through SearchService in process, as the API asks them (query embedding and cache
 * look-ups included). Prints p50 and p95 per strategy alone, for the cartridge's default fusion and
 * for cache hits, against the targets (p95 under 50 ms for one strategy, 150 ms for the
 * fusion, 5 ms for a cache hit), and ratios against baselines measured in the same run: the vector
 * store's HNSW search against an exact scan of the same vectors (with HNSW's recall@10 against it),
 * and the lexical index's two-pass BM25 against BM25 over every posting (each with its recall@10
 * against the exact answer), the fusion against its slowest strategy, a cache hit against the
 * uncached fusion.
 *
 * `npm run bench:search`. Environment: BENCH_CHUNKS (sizes, ascending, "10000,100000"),
 * BENCH_QUERIES (questions per row, 200), BENCH_EXACT_QUERIES (questions for the exact
 * baselines, 30: a scan of 100,000 vectors is slow), BENCH_POOL (distinct sentences embedded, 3000),
 * BENCH_DATA_DIR (keep the embedded database there and grow it on the next run, instead of a
 * scratch folder), DATABASE_URL (a PostgreSQL to run against instead of PGlite: give it a scratch
 * database, the mission `search-bench` is written there and kept).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wholeNumberFromEnv } from './env';
import { benchQueries, poolByTopic, sentencePool } from './search/corpus';
import {
  compareDenseWithExactScan,
  compareLexicalWithExhaustiveBm25,
  timeCacheHits,
  timeQueryEmbedding,
  timeUncachedSearches,
} from './search/measure';
import { openSearchBench, type SearchBenchPlatform } from './search/platform';
import { poolVectors } from './search/pool-vectors';
import { formatLatencyTable, formatRatios, targets, targetsMet, type SizeFigures } from './search/report';
import { seedChunks, type SeedCorpus } from './search/seed';
import type { BenchQuery } from './search/corpus';

const repoRoot = join(__dirname, '..', '..');
const say = (message: string) => process.stdout.write(`${message}\n`);

function sizesFromEnv(): number[] {
  const text = process.env.BENCH_CHUNKS?.trim() || '10000,100000';
  const sizes = text.split(',').map((part) => Number(part.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error('BENCH_CHUNKS must be whole numbers above 0, separated by commas');
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

const sizes = sizesFromEnv();
const queryCount = wholeNumberFromEnv('BENCH_QUERIES', 200) as number;
const exactQueryCount = wholeNumberFromEnv('BENCH_EXACT_QUERIES', 30) as number;
const poolSize = wholeNumberFromEnv('BENCH_POOL', 3000) as number;
const keptDataDir = process.env.BENCH_DATA_DIR?.trim() || null;

async function measureSize(
  bench: SearchBenchPlatform,
  queries: readonly BenchQuery[],
  chunks: number,
  seeding: SizeFigures['seeding'],
): Promise<SizeFigures> {
  const naming = queries.filter((query) => query.namesEntity);
  const single = targets.singleStrategy;
  const rows = [
    { name: 'query embedding alone', samples: await timeQueryEmbedding(bench, queries) },
    { name: 'lexical', samples: await timeUncachedSearches(bench, queries, ['lexical']), targetP95: single },
    { name: 'dense', samples: await timeUncachedSearches(bench, queries, ['dense']), targetP95: single },
    {
      name: 'graph (questions naming an entity)',
      samples: await timeUncachedSearches(bench, naming, ['graph']),
      targetP95: single,
    },
    {
      name: 'fusion (cartridge default)',
      samples: await timeUncachedSearches(bench, queries),
      targetP95: targets.fusion,
    },
    {
      name: 'cache hit (same question again)',
      samples: await timeCacheHits(bench, queries),
      targetP95: targets.cacheHit,
    },
  ];
  const baselineQueries = queries.slice(0, exactQueryCount + 2);
  const baselines = [
    await compareDenseWithExactScan(bench, baselineQueries),
    await compareLexicalWithExhaustiveBm25(bench, baselineQueries),
  ];
  return {
    chunks,
    seeding,
    rows: [
      ...rows,
      ...baselines.flatMap((baseline) => [
        { name: baseline.names.approximate, samples: baseline.approximate },
        { name: baseline.names.exact, samples: baseline.exact },
      ]),
    ],
    baselines,
    fusionRow: 'fusion (cartridge default)',
    singleRows: ['lexical', 'dense', 'graph (questions naming an entity)'],
    cacheRow: 'cache hit (same question again)',
  };
}

async function main(): Promise<void> {
  const dataDir = keptDataDir ?? (await mkdtemp(join(tmpdir(), 'mf-bench-search-')));
  // A kept folder may be named before it exists: the first run creates it, later runs grow it.
  if (keptDataDir) await mkdir(keptDataDir, { recursive: true });
  const bench = await openSearchBench(dataDir, repoRoot);
  const figures: SizeFigures[] = [];
  try {
    const pool = sentencePool(poolSize);
    const corpus: SeedCorpus = {
      pool,
      poolByTopic: poolByTopic(pool),
      vectors: await poolVectors(bench.embedder, pool, say),
    };
    const queries = benchQueries(queryCount, pool);
    const strategies = Object.entries(bench.cartridge.search.strategies)
      .map(([name, share]) => `${name} ${share}`)
      .join(', ');
    say(
      `search bench: database ${bench.database}, embedder ${bench.embedder.model}, ${queries.length} questions, ` +
        `fusion ${bench.cartridge.search.fusion} (${strategies}), results grouped by ${bench.cartridge.search.groupBy}`,
    );
    for (const chunks of sizes) {
      say(`\nseeding the mission to ${chunks} chunks`);
      const seeded = await seedChunks({ ...bench, model: bench.embedder.model }, corpus, chunks, say);
      say(`seeded ${seeded.documents} documents in ${seeded.seconds.toFixed(0)} s`);
      const size = await measureSize(bench, queries, chunks, seeded);
      figures.push(size);
      say(`\nsearch at ${chunks} chunks (${bench.database} database, ${queries.length} questions):`);
      for (const line of formatLatencyTable(size.rows)) say(line);
      for (const line of formatRatios(size)) say(`  ${line}`);
    }
    say(`\ntargets ${targetsMet(figures) ? 'met' : 'NOT all met'} at every size`);
  } finally {
    await bench.stores.close();
    if (!keptDataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
