import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { defaultLaneConcurrency } from '../../domain/lanes';
import { ingestWorkflowId, type IngestInput } from '../../domain/documents';
import {
  createEmbeddingWorker,
  createLaneWorkers,
  createWorkflowWorker,
  workflowTaskQueue,
} from '../../workers/ingest';
import { decideReviewUpdate } from '../../workflows/ingest-messages';
import { testEnv } from '../support/env';
import { openInProcessPipeline } from '../support/pipeline';
import { createTimeSkippingEnvironment, registerSearchAttributes } from '../support/time-skipping';
import { until } from '../support/wait';

/**
 * Review deadlines are durable timers of days: on a time-skipping server they fire at once, so the
 * cartridge's default decision and its escalations are tested as they would run in production.
 */

const day = 24 * 60 * 60 * 1000;
const emailForReview = { pii: { policy: { email: 'review' } } };

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this Jest worker process
  }
  env = await createTimeSkippingEnvironment();
  // The runs set missionflow's search attributes.
  await registerSearchAttributes(env);
});
afterAll(async () => {
  await env?.teardown();
});

/** A pipeline for one mission, served by the workflow worker and every lane's worker. */
async function servedPipeline(name: string, cartridge: Record<string, unknown>) {
  const pipeline = await openInProcessPipeline(name, cartridge);
  const options = {
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueuePrefix: name,
    activities: { ...pipeline.ingest, ...pipeline.review },
    laneConcurrency: defaultLaneConcurrency,
    workflowBundlePath: testEnv.workflowBundlePath,
  };
  const workers: Worker[] = [
    await createWorkflowWorker(options),
    ...(await createLaneWorkers(options)),
    await createEmbeddingWorker(options),
  ];
  const running = workers.map((worker) => worker.run());
  return {
    pipeline,
    start: (input: IngestInput) =>
      env.client.workflow.start('ingestDocument', {
        taskQueue: workflowTaskQueue(name),
        workflowId: ingestWorkflowId(input.missionId, input.documentId),
        args: [input],
      }),
    awaitingReview: (input: IngestInput) =>
      until(
        async () =>
          (await pipeline.documents.get(input.missionId, input.documentId))?.status === 'awaiting_review',
        30_000,
        'the document to await review',
      ),
    async stop() {
      for (const worker of workers) worker.shutdown();
      await Promise.all(running);
      await pipeline.close();
    },
  };
}

it('a task nobody decides takes the default decision when its deadline of days passes', async () => {
  const served = await servedPipeline('expiry', {
    ...emailForReview,
    verification: { deadlineSeconds: 3 * 86_400, onDeadline: 'approve' },
  });
  try {
    const input = await served.pipeline.admitText('Send the chart corrections to hydrography@example.org.');
    const handle = await served.start(input);
    await served.awaitingReview(input);
    const before = await env.currentTimeMs();
    const startedAt = Date.now();
    // Waiting for the result lets the server skip time: the three-day timer fires at once.
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'indexed' });
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * day - 60_000);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    const task = (await served.pipeline.verification.list(input.missionId, { limit: 10 })).tasks[0];
    expect(task).toMatchObject({ state: 'expired', decision: 'approve', decidedBy: 'system:deadline' });
    expect((await served.pipeline.documents.get(input.missionId, input.documentId))?.status).toBe('indexed');
  } finally {
    await served.stop();
  }
});

it('an escalating task reopens at each deadline and still takes a reviewer decision', async () => {
  const served = await servedPipeline('escalation', {
    ...emailForReview,
    verification: { deadlineSeconds: 86_400, onDeadline: 'escalate' },
  });
  try {
    const input = await served.pipeline.admitText('Ask the tide office at tides@example.org for tables.');
    const handle = await served.start(input);
    await served.awaitingReview(input);
    const [task] = (await served.pipeline.verification.list(input.missionId, { limit: 10 })).tasks;
    if (!task) throw new Error('no task');
    await served.pipeline.verification.claim(input.missionId, task.taskId, 'ines', 600);
    // Two and a half days later: two deadlines have passed, each escalating the task.
    await env.sleep(2.5 * day);
    await until(
      async () => (await served.pipeline.verification.get(input.missionId, task.taskId))?.escalations === 2,
      30_000,
      'two escalations',
    );
    expect(await served.pipeline.verification.get(input.missionId, task.taskId)).toMatchObject({
      state: 'open',
      claimant: null,
    });
    const accepted = await handle.executeUpdate(decideReviewUpdate, {
      args: [{ taskId: task.taskId, decision: 'approve', reviewer: 'ines' }],
    });
    expect(accepted).toEqual({ taskId: task.taskId, decision: 'approve', outcome: 'indexing' });
    expect(await handle.result()).toMatchObject({ status: 'indexed' });
    expect(await served.pipeline.verification.get(input.missionId, task.taskId)).toMatchObject({
      state: 'decided',
      decidedBy: 'ines',
      escalations: 2,
    });
  } finally {
    await served.stop();
  }
});
