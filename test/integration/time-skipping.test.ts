import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTimeSkippingEnvironment } from '../support/time-skipping';
import {
  approveSignal,
  approveUpdate,
  awaitApproval,
  sleepThreeDays,
} from '../support/time-skipping-workflows';

const day = 24 * 60 * 60 * 1000;
/** Real time a workflow that waits for days may take here: slow machine, first workflow task included. */
const quickly = 30_000;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `time-skipping-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // The SDK's worker lifecycle log would only bury the output.
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this Jest worker process
  }
  env = await createTimeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../support/time-skipping-workflows'),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const workflowId = () => `time-skipping-${randomUUID()}`;

it('fires a three-day durable timer at once, with the server clock three days on', async () => {
  const serverBefore = await env.currentTimeMs();
  const realStart = Date.now();

  const span = await env.client.workflow.execute(sleepThreeDays, { taskQueue, workflowId: workflowId() });

  expect(Date.now() - realStart).toBeLessThan(quickly);
  expect(span.endedAt - span.startedAt).toBeGreaterThanOrEqual(3 * day);
  expect((await env.currentTimeMs()) - serverBefore).toBeGreaterThanOrEqual(3 * day);
});

it('times out a two-day condition nobody satisfies, at once', async () => {
  const realStart = Date.now();

  const approval = await env.client.workflow.execute(awaitApproval, { taskQueue, workflowId: workflowId() });

  expect(Date.now() - realStart).toBeLessThan(quickly);
  expect(approval.approvedBy).toBeNull();
  expect(approval.endedAt - approval.startedAt).toBeGreaterThanOrEqual(2 * day);
});

it('delivers an update a day in, before the two-day timeout fires', async () => {
  const realStart = Date.now();
  const handle = await env.client.workflow.start(awaitApproval, { taskQueue, workflowId: workflowId() });
  const serverStart = await env.currentTimeMs();

  // Skips one day of server time; the workflow's two-day timer is still pending afterwards.
  await env.sleep('1 day');
  expect((await env.currentTimeMs()) - serverStart).toBeGreaterThanOrEqual(day);
  const approvedAt = await handle.executeUpdate(approveUpdate, { args: ['alice'] });
  const approval = await handle.result();

  expect(Date.now() - realStart).toBeLessThan(quickly);
  expect(approval.approvedBy).toBe('alice');
  expect(approvedAt - approval.startedAt).toBeGreaterThanOrEqual(day);
  expect(approval.endedAt - approval.startedAt).toBeLessThan(2 * day);
});

it('delivers a signal before the timeout: time stands still until the client waits for a result', async () => {
  const handle = await env.client.workflow.start(awaitApproval, { taskQueue, workflowId: workflowId() });
  // Time skipping is locked here (the environment unlocks it only while waiting for a result or in
  // env.sleep), so the two-day timer cannot fire before the signal arrives.
  await handle.signal(approveSignal, 'bob');
  const approval = await handle.result();

  expect(approval.approvedBy).toBe('bob');
  expect(approval.endedAt - approval.startedAt).toBeLessThan(2 * day);
});
