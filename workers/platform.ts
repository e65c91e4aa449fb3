import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Admission, startIngestRun } from '../services/admission';
import { createApp } from '../api/app';
import { SearchService } from '../services/search';
import { VerificationDesk } from '../services/verification';
import { listen, type RunningServer } from '../api/server';
import { LexicalEmbedder, OpenAiEmbedder, type Embedder } from '../adapters/embedders';
import { createDeletionActivities } from '../activities/deletion';
import { createIngestActivities } from '../activities/ingest';
import { createVerificationActivities } from '../activities/verification';
import { findOcrEngine } from '../adapters/ocr/ocr';
import { LlmEntityExtractor } from '../adapters/llm-extractor';
import type { LaneName } from '../domain/lanes';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import type { DocumentStore } from '../stores/relational/documents';
import { readMissionCartridges } from '../stores/mission-files';
import type { SqlClient } from '../stores/relational/sql';
import { ensureNamespace } from '../temporal/namespace';
import {
  createLaneWorkers,
  createWorkflowWorker,
  taskQueuesWithoutPollers,
  workflowTaskQueue,
} from './ingest';
import { openStores, type Stores } from './stores';

/** What one process runs: the embedded stack runs all of it; the services profile splits it up. */
export interface PlatformRoles {
  api: boolean;
  /** The workflow worker (workflows and their local activities). */
  workflowWorker: boolean;
  /** Lanes whose activity workers run here. */
  lanes: readonly LaneName[];
}

/** Everything in one process: the API, the workflow worker, and the workers of the LANES setting. */
export function allRoles(config: Config): PlatformRoles {
  return { api: true, workflowWorker: true, lanes: config.LANES };
}

export interface PlatformOptions {
  config: Config;
  temporalAddress: string;
  logger: Logger;
  workflowBundlePath?: string;
  roles?: PlatformRoles;
}

export interface Platform {
  apiPort: number | null;
  sql: SqlClient;
  stores: Stores;
  documents: DocumentStore;
  metrics: Metrics;
  client: Client;
  /** Every activity, wired to this platform's stores: what a worker started elsewhere would run. */
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
  /** How documents are accepted and their runs started (and resumed). */
  admission: Admission;
  stop(): Promise<void>;
}

export function createEmbedder(config: Config): Embedder {
  if (config.EMBEDDINGS_URL && config.EMBEDDINGS_MODEL) {
    return new OpenAiEmbedder({
      baseUrl: config.EMBEDDINGS_URL,
      model: config.EMBEDDINGS_MODEL,
      apiKey: config.EMBEDDINGS_API_KEY,
      dimensions: config.EMBEDDINGS_DIMENSIONS,
    });
  }
  return new LexicalEmbedder(config.EMBEDDINGS_DIMENSIONS);
}

function ocrEnvironment(config: Config): NodeJS.ProcessEnv {
  return config.TESSERACT_PATH ? { ...process.env, TESSERACT_PATH: config.TESSERACT_PATH } : process.env;
}

/** The ocr lane says at start whether it can read scans, rather than when the first one fails. */
async function reportOcrEngine(config: Config, logger: Logger): Promise<void> {
  const engine = await findOcrEngine(ocrEnvironment(config));
  if (engine) {
    logger.info(
      { tesseract: engine.tesseract, version: engine.version, pdf: engine.pdftoppm !== null },
      'ocr lane: engine found',
    );
  } else {
    logger.warn(
      'ocr lane: no OCR engine on this worker; scans and images routed to it fail with ocr_unavailable ' +
        '(apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils, or set TESSERACT_PATH)',
    );
  }
}

/**
 * The composition root of the embedded profile: the only place that wires real stores and clients
 * into activities, workers and the API. Stops what it started, in reverse order, on failure too.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const roles = options.roles ?? allRoles(config);
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };
  try {
    // Every cartridge is validated before any state is touched: an invalid one refuses the start.
    const missionCartridges = await readMissionCartridges(resolve(config.MISSIONS_DIR));
    const dataDir = resolve(config.DATA_DIR);
    await mkdir(dataDir, { recursive: true });
    const stores = await openStores(config, dataDir, logger);
    cleanups.push(() => stores.close());
    logger.info({ stores: stores.profile }, 'stores open');
    const { sql, documents, versions, steps, chunks, cartridges, blobs, vectors, cache, graph } = stores;
    const { verification, events, sections } = stores;
    const metrics = createMetrics();
    const embedder = createEmbedder(config);

    for (const { cartridge, source } of missionCartridges) {
      const { version, changed } = await cartridges.activate(cartridge, source);
      logger.info({ missionId: cartridge.mission.id, version, changed }, 'mission cartridge loaded');
    }

    const nativeConnection = await NativeConnection.connect({ address: options.temporalAddress });
    cleanups.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address: options.temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    // Runs must be able to carry MissionId and the other search attributes on any cluster.
    await ensureNamespace(connection, config.TEMPORAL_NAMESPACE);

    const workflowQueue = workflowTaskQueue(config.TASK_QUEUE_PREFIX);
    const ingestActivities = createIngestActivities({
      documents,
      versions,
      steps,
      chunks,
      sections,
      cartridges,
      blobs,
      vectors,
      cache,
      graph,
      embedder,
      logger,
      metrics,
      taskQueuePrefix: config.TASK_QUEUE_PREFIX,
      embedBatchSize: config.EMBEDDINGS_BATCH_SIZE,
      parserMemoryMb: config.PARSER_MEMORY_MB,
      ocrEnvironment: ocrEnvironment(config),
      startIngest: (document) => startIngestRun(client, workflowQueue, document),
      llmExtractor:
        config.LLM_URL && config.LLM_MODEL
          ? new LlmEntityExtractor({
              baseUrl: config.LLM_URL,
              model: config.LLM_MODEL,
              apiKey: config.LLM_API_KEY,
            })
          : null,
    });
    if (roles.lanes.includes('ocr')) await reportOcrEngine(config, logger);
    const activities = {
      ...ingestActivities,
      ...createDeletionActivities({
        documents,
        versions,
        blobs,
        vectors,
        graph,
        cache,
        workflows: client.workflow,
        logger,
      }),
      ...createVerificationActivities({ documents, cartridges, verification, cache, logger }),
    };
    const workerOptions = {
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueuePrefix: config.TASK_QUEUE_PREFIX,
      activities,
      laneConcurrency: config.LANE_CONCURRENCY,
      workflowBundlePath: options.workflowBundlePath,
    };
    const workers: Worker[] = [
      ...(roles.workflowWorker ? [await createWorkflowWorker(workerOptions)] : []),
      ...(await createLaneWorkers(workerOptions, roles.lanes)),
    ];
    const running = workers.map((worker) => worker.run());
    cleanups.push(async () => {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(running);
    });
    running.forEach((run) =>
      run.catch((error: unknown) => logger.fatal({ err: error }, 'a Temporal worker stopped unexpectedly')),
    );

    const admission = new Admission({
      documents,
      versions,
      cartridges,
      blobs,
      cache,
      client,
      workflowTaskQueue: workflowQueue,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      metrics,
      logger,
    });

    let server: RunningServer | null = null;
    if (roles.api) {
      const stopping = new AbortController();
      const app = createApp({
        admission,
        documents,
        steps,
        cartridges,
        graph,
        verification,
        desk: new VerificationDesk({ verification, client, logger }),
        events,
        sections,
        client,
        stopping: stopping.signal,
        search: new SearchService({
          chunks,
          vectors,
          embedder,
          cache,
          // An in-process cache cannot hear about index changes made by workers in other processes.
          cacheTtlSeconds: stores.shareable && !config.REDIS_URL ? 0 : config.SEARCH_CACHE_TTL_SECONDS,
        }),
        metrics,
        logger,
        startedAt: new Date(),
        readiness: {
          database: async () => {
            await sql.query('SELECT 1');
          },
          temporal: async () => {
            await connection.workflowService.getSystemInfo({});
          },
          vectors: () => vectors.ping(),
          graph: () => graph.ping(),
          blobs: () => blobs.ping(),
          // Optional: search works without its cache (RedisSearchCache answers a miss when Redis is
          // down), so an outage shows as degraded rather than taking every replica out of rotation.
          cache: { probe: () => cache.ping(), required: false },
          workers: async () => {
            const stopped = workers.filter((worker) => worker.getState() !== 'RUNNING');
            if (stopped.length > 0) throw new Error(`${stopped.length} worker(s) not running`);
            if (workers.length > 0) return;
            // Workers run in other processes: ask Temporal whether anyone runs the workflows. Lanes
            // are left out on purpose: one lane's workers being down must not take the API out of
            // service for every other lane; its documents wait and say so (waiting_for_worker).
            const silent = await taskQueuesWithoutPollers(
              connection,
              config.TEMPORAL_NAMESPACE,
              config.TASK_QUEUE_PREFIX,
              [],
            );
            if (silent.length > 0) throw new Error(`no worker polls ${silent.join(', ')}`);
          },
        },
      });
      server = await listen(app, config.PORT, config.HOST);
      const httpServer = server;
      cleanups.push(() => {
        stopping.abort();
        return httpServer.close();
      });
    }
    // Documents accepted while Temporal could not be reached start as soon as it can: now, then
    // every half minute. A failure here is logged, never fatal.
    if (roles.api) {
      let resuming: Promise<unknown> = Promise.resolve();
      const resume = () =>
        (resuming = admission
          .resumeUnstarted()
          .catch((error: unknown) => logger.warn({ err: error }, 'could not resume documents')));
      await resume();
      const resumeTimer = setInterval(() => void resume(), 30_000);
      resumeTimer.unref();
      // A sweep still under way finishes before the Temporal connection closes: a call cut off by
      // the close is retried by the client on a closed channel, which throws outside any caller.
      cleanups.push(async () => {
        clearInterval(resumeTimer);
        await resuming;
      });
    }

    return {
      apiPort: server?.port ?? null,
      sql,
      stores,
      documents,
      metrics,
      client,
      activities,
      admission,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
