/**
 * Ingest throughput, three ways in one run on the same machine:
 *  1. durable: N documents through the API, the ingest workflow and its activities on Temporal;
 *  2. in-process: the same activities called directly, no Temporal (the work itself);
 *  3. ceiling: bare one-activity workflows on the same Temporal server.
 * Prints documents/s for 1 and 2 and their ratio, workflows/s for 3, and 1 as a share of 3; the
 * largest workflow history of a document in 1 (events and size), and the process's peak memory.
 * `npm run bench:ingest` (BENCH_DOCS=200 by default; BENCH_CONCURRENCY=16 submissions in flight;
 * BENCH_EMBEDDER=auto by default, the platform's own default: the local semantic model when it can be
 * had, fetched once like `npm start` does; `lexical` measures the pipeline without a model).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { EmbedderChoice } from '../adapters/embedder-choice';
import { createIngestActivities, ingestInProcess } from '../activities/ingest';
import { loadConfig, type Config } from '../domain/config';
import { ingestWorkflowId } from '../domain/documents';
import { sniffMediaType } from '../domain/media-types';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import { LocalBlobStore } from '../stores/blobs/blob-store';
import { CartridgeStore } from '../stores/relational/cartridges';
import { createDocumentStores } from '../stores/relational/documents';
import { SectionStore } from '../stores/relational/sections';
import { documentIdFor } from '../stores/ids';
import { readMissionCartridges } from '../stores/mission-files';
import { openEmbeddedDatabase } from '../stores/relational/pglite';
import { LruSearchCache } from '../stores/cache/search-cache';
import { SqlGraphStore } from '../stores/graph/sql-graph';
import { PgVectorStore } from '../stores/vectors/vector-store';
import { startScratchDevServer } from '../temporal/dev-server';
import { createEmbedders, fetchEmbeddingModelAtStart } from '../workers/embedder';
import { startPlatform } from '../workers/platform';
import { documentText, postDocument } from './generated-documents';
import { inParallel } from './in-parallel';
import { largestHistory } from './run-histories';

const documents = Number(process.env.BENCH_DOCS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const embedderSetting = process.env.BENCH_EMBEDDER ?? 'auto';
const repoRoot = join(__dirname, '..', '..');
const silent = createLogger('silent');
const texts = Array.from({ length: documents }, (_, i) => documentText(i));

/** The configuration both pipelines share, so they embed with the same model. */
function benchConfig(dataDir: string): Config {
  return loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MISSIONS_DIR: join(repoRoot, 'missions'),
    LOG_LEVEL: 'silent',
    EMBEDDER: embedderSetting,
  });
}

async function durable(address: string, scratch: string): Promise<number> {
  const config = benchConfig(join(scratch, 'durable'));
  const platform = await startPlatform({ config, temporalAddress: address, logger: silent });
  try {
    const base = `http://127.0.0.1:${platform.apiPort}`;
    const started = performance.now();
    const ids: string[] = [];
    await inParallel(texts, concurrency, async (text) => {
      ids.push(await postDocument(base, text));
    });
    await inParallel(ids, concurrency, async (id) => {
      await platform.client.workflow.getHandle(ingestWorkflowId('default', id)).result();
    });
    const rate = documents / ((performance.now() - started) / 1000);
    const runs = ids.map((id) => ingestWorkflowId('default', id));
    const history = await largestHistory(platform.client, runs, concurrency);
    process.stdout.write(
      `largest history of a document's run:  ${history.events} events, ${history.kb.toFixed(1)} KB\n`,
    );
    return rate;
  } finally {
    await platform.stop();
  }
}

async function inProcess(scratch: string, embedders: EmbedderChoice): Promise<number> {
  const { sql } = await openEmbeddedDatabase(join(scratch, 'direct-pglite'));
  try {
    const stores = createDocumentStores(sql);
    const cartridges = new CartridgeStore(sql);
    const blobs = new LocalBlobStore(join(scratch, 'direct-blobs'));
    const [mission] = await readMissionCartridges(join(repoRoot, 'missions'));
    const { version } = await cartridges.activate(mission!.cartridge, mission!.source);
    const activities = createIngestActivities({
      ...stores,
      sections: new SectionStore(sql),
      cartridges,
      blobs,
      vectors: new PgVectorStore(sql),
      cache: new LruSearchCache({ maxEntries: 100 }),
      graph: new SqlGraphStore(sql),
      // Nothing here admits updates, so no run ever hands one over.
      startIngest: async () => {
        throw new Error('this pipeline starts no runs: it has no Temporal client');
      },
      embedders,
      logger: silent,
      metrics: createMetrics(),
      taskQueuePrefix: 'bench',
      embedBatchSize: 64,
      parserMemoryMb: 1024,
      ocrEnvironment: process.env,
    });
    const started = performance.now();
    await inParallel(texts, concurrency, async (text) => {
      const bytes = Buffer.from(text);
      const mediaType = sniffMediaType(bytes, { declaredType: 'text/markdown' });
      const blob = await blobs.putBytes(bytes);
      const documentId = documentIdFor('default', blob.sha256);
      await stores.documents.admit({
        missionId: 'default',
        documentId,
        sha256: blob.sha256,
        sizeBytes: blob.sizeBytes,
        mediaType,
        title: null,
        metadata: {},
        blobKey: blob.key,
        cartridgeVersion: version,
        workflowId: ingestWorkflowId('default', documentId),
      });
      const input = { missionId: 'default', documentId, cartridgeVersion: version };
      await ingestInProcess(activities, input);
    });
    return documents / ((performance.now() - started) / 1000);
  } finally {
    await sql.close();
  }
}

async function ceiling(address: string): Promise<number> {
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'bench-ceiling',
    workflowsPath: require.resolve('./noop-workflow'),
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  try {
    const client = new Client({ connection });
    const started = performance.now();
    await inParallel(
      Array.from({ length: documents }, (_, i) => i),
      concurrency,
      async (i) => {
        await client.workflow.execute('oneActivity', {
          taskQueue: 'bench-ceiling',
          workflowId: `ceiling-${i}-${Date.now()}`,
        });
      },
    );
    return documents / ((performance.now() - started) / 1000);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const scratch = await mkdtemp(join(tmpdir(), 'mf-bench-'));
  // A SQLite-backed dev server, as `npm start` runs it.
  const server = await startScratchDevServer({
    dbFilename: join(scratch, 'temporal.db'),
    logFile: join(scratch, 'temporal.log'),
  });
  try {
    const config = benchConfig(join(scratch, 'direct'));
    await fetchEmbeddingModelAtStart(config, createLogger('info'));
    const embedders = await createEmbedders(config, createLogger('warn'));
    process.stdout.write(
      `ingest benchmark: ${documents} documents of ~10 KB, ${concurrency} in flight, embedder ${embedders.preferred.model}\n`,
    );
    const direct = await inProcess(scratch, embedders);
    process.stdout.write(`in-process activities (no Temporal): ${direct.toFixed(1)} documents/s\n`);
    const viaTemporal = await durable(server.address, scratch);
    process.stdout.write(`durable pipeline (API + Temporal):   ${viaTemporal.toFixed(1)} documents/s\n`);
    const bare = await ceiling(server.address);
    process.stdout.write(`bare one-activity workflows:         ${bare.toFixed(1)} workflows/s\n`);
    process.stdout.write(`ratio durable / in-process:          ${(viaTemporal / direct).toFixed(3)}\n`);
    process.stdout.write(
      `durable as share of the ceiling:     ${((viaTemporal / bare) * 100).toFixed(0)}%\n`,
    );
    // One process holds the API, the workers and PGlite on the embedded default.
    const peakMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`peak resident memory of this process: ${peakMb.toFixed(0)} MB\n`);
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
