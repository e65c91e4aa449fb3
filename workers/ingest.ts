import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { embeddingTaskQueue, knownLanes, laneTaskQueue, type LaneName } from '../domain/lanes';

export interface IngestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueuePrefix: string;
  /** Every activity of every workflow (ingest and deletion); each worker serves what it is asked. */
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Activities one worker of each lane runs at once. */
  laneConcurrency: Readonly<Record<LaneName, number>>;
  /** Embedding activities one worker of the embedding queue runs at once (EMBED_CONCURRENCY's default). */
  embedConcurrency?: number;
  /** A prebuilt workflow bundle (tests and benchmarks bundle once); otherwise bundled at start. */
  workflowBundlePath?: string;
}

export function workflowTaskQueue(prefix: string): string {
  return `${prefix}-ingest`;
}

/**
 * The workflow worker: runs ingest workflows and their local activities (short database steps).
 * The heavy steps run on lane workers, one task queue per lane.
 */
export function createWorkflowWorker(options: IngestWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: workflowTaskQueue(options.taskQueuePrefix),
    ...workflows,
    activities: options.activities,
    maxConcurrentLocalActivityExecutions: 16,
    shutdownGraceTime: '10s',
    shutdownForceTime: '30s',
  });
}

/** One worker per lane: activities only, with the lane's own concurrency limit. */
export function createLaneWorkers(
  options: IngestWorkerOptions,
  lanes: readonly LaneName[] = knownLanes,
): Promise<Worker[]> {
  return Promise.all(
    lanes.map((lane) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: laneTaskQueue(lane, options.taskQueuePrefix),
        activities: options.activities,
        maxConcurrentActivityTaskExecutions: options.laneConcurrency[lane],
        shutdownGraceTime: '10s',
        shutdownForceTime: '30s',
      }),
    ),
  );
}

/** The embedding task queue's worker (domain/lanes.ts: embeddingTaskQueue), with its own concurrency. */
export function createEmbeddingWorker(options: IngestWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: embeddingTaskQueue(options.taskQueuePrefix),
    activities: options.activities,
    maxConcurrentActivityTaskExecutions: options.embedConcurrency ?? 2,
    shutdownGraceTime: '10s',
    shutdownForceTime: '30s',
  });
}

/**
 * Task queues of the ingest pipeline that no worker has polled lately, as Temporal sees them: how
 * an API process whose workers run elsewhere tells whether documents would be picked up.
 */
export async function taskQueuesWithoutPollers(
  connection: Connection,
  namespace: string,
  taskQueuePrefix: string,
  lanes: readonly LaneName[],
): Promise<string[]> {
  const queues: Array<{ name: string; type: temporal.api.enums.v1.TaskQueueType }> = [
    {
      name: workflowTaskQueue(taskQueuePrefix),
      type: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    },
    ...lanes.map((lane) => ({
      name: laneTaskQueue(lane, taskQueuePrefix),
      type: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    })),
  ];
  const silent: string[] = [];
  for (const queue of queues) {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: queue.name },
      taskQueueType: queue.type,
    });
    if (!pollers || pollers.length === 0) silent.push(queue.name);
  }
  return silent;
}
