import type { Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import type { ReadinessCheck } from '../api/routes/health';
import { listen, type RunningServer } from '../api/server';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Application } from './application';
import { taskQueuesWithoutPollers } from './ingest';
import type { Stores } from './stores';

/**
 * Readiness: every dependency answers. The cache is optional: search works without it
 * (RedisSearchCache answers a miss when Redis is down), so an outage shows as degraded rather
 * than taking every replica out of rotation.
 */
function readinessChecks(options: {
  config: Config;
  stores: Stores;
  connection: Connection;
  workers: readonly Worker[];
}): Record<string, ReadinessCheck> {
  const { config, stores, connection, workers } = options;
  return {
    database: async () => {
      await stores.sql.query('SELECT 1');
    },
    temporal: async () => {
      await connection.workflowService.getSystemInfo({});
    },
    vectors: () => stores.vectors.ping(),
    graph: () => stores.graph.ping(),
    blobs: () => stores.blobs.ping(),
    cache: { probe: () => stores.cache.ping(), required: false },
    workers: async () => {
      const stopped = workers.filter((worker) => worker.getState() !== 'RUNNING');
      if (stopped.length > 0) throw new Error(`${stopped.length} worker(s) not running`);
      if (workers.length > 0) return;
      // Workers run in other processes: ask Temporal whether anyone runs the workflows. Lanes are
      // left out on purpose: one lane's workers being down must not take the API out of service
      // for every other lane; its documents wait and say so (waiting_for_worker).
      const silent = await taskQueuesWithoutPollers(
        connection,
        config.TEMPORAL_NAMESPACE,
        config.TASK_QUEUE_PREFIX,
        [],
      );
      if (silent.length > 0) throw new Error(`no worker polls ${silent.join(', ')}`);
    },
  };
}

/** The HTTP API over the application; `close` ends its streams and stops listening. */
export async function startApi(options: {
  config: Config;
  stores: Stores;
  application: Application;
  connection: Connection;
  workers: readonly Worker[];
  metrics: Metrics;
  logger: Logger;
}): Promise<{ server: RunningServer; close(): Promise<void> }> {
  const { config, stores, application, metrics, logger } = options;
  const stopping = new AbortController();
  const app = createApp({
    ...application,
    documents: stores.documents,
    cartridges: stores.cartridges,
    graph: stores.graph,
    verification: stores.verification,
    events: stores.events,
    stopping: stopping.signal,
    metrics,
    logger,
    startedAt: new Date(),
    readiness: readinessChecks(options),
  });
  const server = await listen(app, config.PORT, config.HOST);
  return {
    server,
    close: () => {
      stopping.abort();
      return server.close();
    },
  };
}
