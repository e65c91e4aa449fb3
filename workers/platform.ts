import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { LaneName } from '../domain/lanes';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import { startIngestRun } from '../services/runs';
import type { DocumentStore } from '../stores/relational/documents';
import { readMissionCartridges } from '../stores/mission-files';
import type { SqlClient } from '../stores/relational/sql';
import { ensureNamespace } from '../temporal/namespace';
import { composeActivities, reportOcrEngine } from './activities';
import { startApi } from './api';
import { createEmbedders } from './embedder';
import { loadReranker } from './reranker';
import { composeApplication, type Application } from './application';
import { createEmbeddingWorker, createLaneWorkers, createWorkflowWorker, workflowTaskQueue } from './ingest';
import { openStores, type Stores } from './stores';

export { createEmbedders } from './embedder';

/** What one process runs: the embedded stack runs all of it; the services profile splits it up. */
export interface PlatformRoles {
  api: boolean;
  /** The workflow worker (workflows and their local activities). */
  workflowWorker: boolean;
  /** Lanes whose activity workers run here. */
  lanes: readonly LaneName[];
  /** The embedding task queue's worker (domain/lanes.ts: embeddingTaskQueue). */
  embedding: boolean;
}

/** Everything in one process: the API, the workflow worker, and the workers of the LANES setting. */
export function allRoles(config: Config): PlatformRoles {
  return { api: true, workflowWorker: true, lanes: config.LANES, embedding: true };
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
  /** How documents are accepted and their runs started. */
  admission: Application['admission'];
  /** Starts runs that accepted documents and queued updates never got (every half minute here). */
  resume: Application['resume'];
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that wires real stores and clients into activities, workers,
 * the application and the API, for the roles this process runs. Stops what it started, in reverse
 * order, on failure too.
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
    const metrics = createMetrics();
    const embedders = await createEmbedders(config, logger);
    const reranker = roles.api ? await loadReranker(config, logger) : null;
    for (const { cartridge, source } of missionCartridges) {
      const { version, changed } = await stores.cartridges.activate(cartridge, source);
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
    const activities = composeActivities({
      config,
      stores,
      embedders,
      workflows: client.workflow,
      logger,
      metrics,
      startIngest: (document) => startIngestRun(client, workflowQueue, document),
    });
    if (roles.lanes.includes('ocr')) await reportOcrEngine(config, logger);
    const workers = await startWorkers(options, roles, nativeConnection, activities, cleanups);
    const application = composeApplication({
      config,
      stores,
      embedders,
      reranker,
      client,
      workflowTaskQueue: workflowQueue,
      metrics,
      logger,
    });

    let apiPort: number | null = null;
    if (roles.api) {
      const api = await startApi({
        config,
        stores,
        application,
        connection,
        workers,
        metrics,
        logger,
      });
      cleanups.push(() => api.close());
      apiPort = api.server.port;
      cleanups.push(await startResumeSweep(application.resume, logger));
    }

    return {
      apiPort,
      sql: stores.sql,
      stores,
      documents: stores.documents,
      metrics,
      client,
      activities,
      admission: application.admission,
      resume: application.resume,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The workflow worker and the lanes' activity workers of this process's roles, running. */
async function startWorkers(
  options: PlatformOptions,
  roles: PlatformRoles,
  connection: NativeConnection,
  activities: Platform['activities'],
  cleanups: Array<() => Promise<void>>,
): Promise<Worker[]> {
  const { config, logger } = options;
  const workerOptions = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    activities,
    laneConcurrency: config.LANE_CONCURRENCY,
    embedConcurrency: config.EMBED_CONCURRENCY,
    workflowBundlePath: options.workflowBundlePath,
  };
  const workers: Worker[] = [
    ...(roles.workflowWorker ? [await createWorkflowWorker(workerOptions)] : []),
    ...(await createLaneWorkers(workerOptions, roles.lanes)),
    ...(roles.embedding ? [await createEmbeddingWorker(workerOptions)] : []),
  ];
  const running = workers.map((worker) => worker.run());
  cleanups.push(async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(running);
  });
  running.forEach((run) =>
    run.catch((error: unknown) => logger.fatal({ err: error }, 'a Temporal worker stopped unexpectedly')),
  );
  return workers;
}

/**
 * Documents accepted while Temporal could not be reached start as soon as it can: now, then every
 * half minute. A failure here is logged, never fatal. Answers the clean-up: a sweep still under
 * way finishes before the Temporal connection closes (a call cut off by the close is retried by
 * the client on a closed channel, which throws outside any caller).
 */
async function startResumeSweep(sweep: Application['resume'], logger: Logger): Promise<() => Promise<void>> {
  let resuming: Promise<unknown> = Promise.resolve();
  const resume = () =>
    (resuming = sweep
      .resumeUnstarted()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not resume documents')));
  await resume();
  const timer = setInterval(() => void resume(), 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await resuming;
  };
}
