import { CancelledFailure } from '@temporalio/common';
import type { Corrections, ReviewDecision } from '../../domain/verification';
import { decideReviewUpdate, progressQuery } from '../../workflows/ingest-messages';
import { gate } from '../support/ingest-stubs';
import {
  failureOf,
  inReview,
  lowConsensus,
  openWorkflowHarness,
  refusal,
  searchAttributes,
  type Run,
  type WorkflowHarness,
} from '../support/ingest-workflow';
import { until } from '../support/wait';

/**
 * The ingest workflow's review branches with stubbed activities: a reviewer's decision through the
 * validated Update, the deadline's escalation and default decision (days of workflow time skipped by
 * the test server, so no real waiting), and cancellation while the run waits.
 */

const day = 86_400_000;

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await openWorkflowHarness();
});
afterAll(async () => {
  await harness?.close();
});

const decide = (run: Run, decision: Omit<ReviewDecision, 'taskId'>) =>
  run.handle.executeUpdate(decideReviewUpdate, { args: [{ taskId: run.taskId, ...decision }] });

/** The activities up to the review's opening, in order. */
const untilReview = [
  'classifyDocument',
  'parseDocument',
  'scanPii',
  'chunkDocument',
  'embedChunks',
  'assessEntities',
  'planReview',
  'openVerificationTask',
];

it('approve: the run waits for a reviewer, shows it, and goes on to index once approved', async () => {
  const run = await harness.startRun(lowConsensus());
  const startedAt = await harness.env.currentTimeMs();
  const progress = await inReview(run.handle);

  expect(progress).toEqual({
    step: 'review',
    lane: 'fast',
    review: {
      taskId: run.taskId,
      reasons: ['low_consensus'],
      deadlineAt: expect.any(String),
      escalations: 0,
      decision: null,
    },
  });
  const deadline = Date.parse(progress.review?.deadlineAt ?? '');
  expect(deadline - startedAt).toBeGreaterThanOrEqual(day - 60_000);
  expect(deadline - startedAt).toBeLessThanOrEqual(day + 60_000);
  expect(run.names()).toEqual(untilReview);
  expect(run.call('planReview').args[1]).toEqual({ consensus: 0.35, piiForReview: [] });
  expect(run.call('openVerificationTask').args).toEqual([
    run.input,
    ['low_consensus'],
    run.workflowId,
    progress.review?.deadlineAt,
  ]);
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'awaiting_review' });

  const accepted = await decide(run, { decision: 'approve', reviewer: 'ines' });
  expect(accepted).toEqual({ taskId: run.taskId, decision: 'approve', outcome: 'indexing' });
  expect(await run.handle.result()).toMatchObject({
    status: 'indexed',
    documentClass: 'note',
    chunkCount: 4,
  });
  expect(run.names().slice(untilReview.length)).toEqual([
    'closeVerificationTask',
    'mergeEntityGraph',
    'indexDocument',
    'startQueuedUpdate',
  ]);
  expect(run.call('closeVerificationTask').args).toEqual([
    run.input,
    { taskId: run.taskId, decision: 'approve', reviewer: 'ines' },
    'decided',
  ]);
  expect(run.call('mergeEntityGraph').args).toEqual([run.input]);
  expect((await run.handle.query(progressQuery)).review).toMatchObject({
    decision: 'approve',
    escalations: 0,
  });
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'indexed' });
});

it("the review Update's validator refuses what nothing waits for, malformed decisions and a second one", async () => {
  const parsing = gate();
  const graph = gate();
  const run = await harness.startRun({
    ...lowConsensus(),
    parseDocument: async () => {
      await parsing.opened;
      return { parsedKey: 'parsed/original', blocks: 3, characters: 240, encoding: 'utf-8' };
    },
    mergeEntityGraph: async () => {
      await graph.opened;
      return { entityCount: 3, relationCount: 2, truncatedChunks: 0, corrected: false };
    },
  });
  try {
    // Before any review is open.
    await until(() => run.calls('parseDocument').length > 0, 20_000, 'the parse step');
    const approve = { taskId: run.taskId, decision: 'approve' as const, reviewer: 'ines' };
    expect(await refusal(run.handle, approve)).toMatchObject({ type: 'task_not_found' });
    parsing.open();
    await inReview(run.handle);

    // A task of an older content version.
    const stale = await refusal(run.handle, { ...approve, taskId: `${run.input.documentId}-v0` });
    expect(stale).toMatchObject({ type: 'already_decided', nonRetryable: true });
    // Malformed: the same rules as the API's, with field errors in the details.
    const unreasoned = await refusal(run.handle, { ...approve, decision: 'reject' });
    expect(unreasoned).toMatchObject({ type: 'invalid_request' });
    expect(unreasoned.details).toEqual([{ path: 'reason', message: 'a rejection needs a reason' }]);
    const corrections: Corrections = { labels: ['tides'] };
    expect(await refusal(run.handle, { ...approve, corrections })).toMatchObject({ type: 'invalid_request' });
    expect(await refusal(run.handle, { ...approve, reviewer: 'in es' })).toMatchObject({
      type: 'invalid_request',
    });
    // A refused decision changes nothing.
    expect((await run.handle.query(progressQuery)).review?.decision).toBeNull();

    expect(await decide(run, { decision: 'approve', reviewer: 'ines' })).toMatchObject({
      outcome: 'indexing',
    });
    // The run is still on its way to the index when a second reviewer decides.
    await until(() => run.calls('mergeEntityGraph').length > 0, 20_000, 'the graph step');
    const second = await refusal(run.handle, {
      ...approve,
      decision: 'reject',
      reason: 'no',
      reviewer: 'olu',
    });
    expect(second).toMatchObject({ type: 'already_decided' });
    expect(second.message).toContain('already decided by ines');
  } finally {
    parsing.open();
    graph.open();
  }
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.calls('closeVerificationTask')).toHaveLength(1);
  expect(run.call('closeVerificationTask').args[1]).toMatchObject({ decision: 'approve', reviewer: 'ines' });
});

it("reject: the document is rejected with the reviewer's reason, nothing indexed, and handed over", async () => {
  const run = await harness.startRun(lowConsensus());
  await inReview(run.handle);
  const accepted = await decide(run, { decision: 'reject', reviewer: 'ines', reason: 'not a tide table' });

  expect(accepted).toEqual({ taskId: run.taskId, decision: 'reject', outcome: 'rejected' });
  expect(await run.handle.result()).toEqual({
    missionId: 'harbour',
    documentId: run.input.documentId,
    status: 'rejected',
    lane: 'fast',
    documentClass: 'note',
    chunkCount: 0,
  });
  expect(run.names().slice(untilReview.length)).toEqual([
    'closeVerificationTask',
    'rejectDocument',
    'startQueuedUpdate',
  ]);
  expect(run.call('rejectDocument').args).toEqual([run.input, 'not a tide table']);
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'rejected' });
});

it('correct: a new class and labels are recorded, and the graph is built with the corrections', async () => {
  const run = await harness.startRun(lowConsensus());
  await inReview(run.handle);
  const corrections: Corrections = {
    documentClass: 'tide-table',
    labels: ['tides'],
    entities: { add: [{ type: 'Vessel', name: 'Endeavour' }], remove: [{ type: 'Port', key: 'dover' }] },
  };
  const accepted = await decide(run, { decision: 'correct', reviewer: 'ines', corrections });

  expect(accepted).toMatchObject({ decision: 'correct', outcome: 'indexing' });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed', documentClass: 'tide-table' });
  expect(run.names().slice(untilReview.length)).toEqual([
    'closeVerificationTask',
    'applyClassification',
    'mergeEntityGraph',
    'indexDocument',
    'startQueuedUpdate',
  ]);
  expect(run.call('applyClassification').args).toEqual([run.input, corrections]);
  expect(run.call('mergeEntityGraph').args).toEqual([run.input, corrections]);
  expect(await searchAttributes(run.handle)).toEqual({
    status: 'indexed',
    lane: 'fast',
    documentClass: 'tide-table',
  });
});

it('correct: entities alone change the graph, not the classification', async () => {
  const run = await harness.startRun(lowConsensus());
  await inReview(run.handle);
  const corrections: Corrections = { entities: { add: [{ type: 'Vessel', name: 'Endeavour' }] } };
  await decide(run, { decision: 'correct', reviewer: 'ines', corrections });

  expect(await run.handle.result()).toMatchObject({ status: 'indexed', documentClass: 'note' });
  expect(run.calls('applyClassification')).toEqual([]);
  expect(run.call('mergeEntityGraph').args).toEqual([run.input, corrections]);
  expect(await searchAttributes(run.handle)).toMatchObject({ documentClass: 'note' });
});

it('escalate: each deadline passed reopens the task for another, and a reviewer still decides', async () => {
  const run = await harness.startRun(lowConsensus({ deadlineSeconds: 86_400, onDeadline: 'escalate' }));
  const opened = await inReview(run.handle);
  const firstDeadline = Date.parse(opened.review?.deadlineAt ?? '');

  await harness.env.sleep(2.5 * day);
  await until(
    async () => (await run.handle.query(progressQuery)).review?.escalations === 2,
    20_000,
    'two escalations',
  );
  const escalated = await run.handle.query(progressQuery);
  expect(escalated).toMatchObject({ step: 'review', review: { escalations: 2, decision: null } });
  expect(Date.parse(escalated.review?.deadlineAt ?? '') - firstDeadline).toBe(2 * day);
  expect(run.calls('escalateVerificationTask').map((call) => call.args)).toEqual([
    [run.input, run.taskId, new Date(firstDeadline + day).toISOString()],
    [run.input, run.taskId, new Date(firstDeadline + 2 * day).toISOString()],
  ]);
  expect(run.calls('closeVerificationTask')).toEqual([]);

  await decide(run, { decision: 'approve', reviewer: 'ines' });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.call('closeVerificationTask').args[2]).toBe('decided');
});

it('default decision: at the deadline the cartridge decides (reject), with no real waiting', async () => {
  const run = await harness.startRun(lowConsensus({ deadlineSeconds: 3 * 86_400, onDeadline: 'reject' }));
  await inReview(run.handle);
  const before = await harness.env.currentTimeMs();
  // Waiting for the result lets the server skip time: the three-day timer fires at once.
  const result = await run.handle.result();

  expect((await harness.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * day - 60_000);
  expect(result).toMatchObject({ status: 'rejected', chunkCount: 0 });
  const fallback = {
    taskId: run.taskId,
    decision: 'reject',
    reviewer: 'system:deadline',
    reason: 'no decision within 259200 s',
  };
  expect(run.names().slice(untilReview.length)).toEqual([
    'closeVerificationTask',
    'rejectDocument',
    'startQueuedUpdate',
  ]);
  expect(run.call('closeVerificationTask').args).toEqual([run.input, fallback, 'expired']);
  expect(run.call('rejectDocument').args).toEqual([run.input, fallback.reason]);
  expect((await run.handle.query(progressQuery)).review).toMatchObject({
    decision: 'reject',
    escalations: 0,
  });
});

it('default decision (approve): a reviewer who decides after the deadline is told it expired', async () => {
  const graph = gate();
  const run = await harness.startRun({
    ...lowConsensus({ deadlineSeconds: 86_400, onDeadline: 'approve' }),
    mergeEntityGraph: async () => {
      await graph.opened;
      return { entityCount: 3, relationCount: 2, truncatedChunks: 0, corrected: false };
    },
  });
  await inReview(run.handle);
  // The test server stops its clock while an activity runs: this sleep ends only once the held
  // graph step has finished, after the deadline has passed and the late decision was refused.
  const sleeping = harness.env.sleep(1.5 * day);
  try {
    await until(() => run.calls('mergeEntityGraph').length > 0, 20_000, 'the graph step');
    const late = await refusal(run.handle, {
      taskId: run.taskId,
      decision: 'reject',
      reviewer: 'ines',
      reason: 'too late',
    });
    expect(late).toMatchObject({ type: 'review_expired' });
    expect(late.message).toContain('took its default decision at the deadline');
  } finally {
    graph.open();
  }
  await sleeping;
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.call('closeVerificationTask').args).toEqual([
    run.input,
    {
      taskId: run.taskId,
      decision: 'approve',
      reviewer: 'system:deadline',
      reason: 'no decision within 86400 s',
    },
    'expired',
  ]);
  expect(run.call('mergeEntityGraph').args).toEqual([run.input]);
});

it('cancellation while waiting for review withdraws the task and marks the document cancelled', async () => {
  const run = await harness.startRun(lowConsensus());
  await inReview(run.handle);
  await run.handle.cancel();
  const failure = await failureOf(run.handle);

  expect(failure.cause).toBeInstanceOf(CancelledFailure);
  expect(run.names().slice(untilReview.length)).toEqual([
    'withdrawVerificationTask',
    'markDocumentCancelled',
  ]);
  expect(run.call('withdrawVerificationTask').args).toEqual([run.input, run.taskId]);
  expect((await run.handle.describe()).status.name).toBe('CANCELLED');
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'cancelled' });
});

it('cancellation during a step marks the document cancelled, with no task to withdraw', async () => {
  const embedding = gate();
  const run = await harness.startRun({
    embedChunks: async () => {
      await embedding.opened;
      return { vectorCount: 4, reusedCount: 0, model: 'lexical-64' };
    },
  });
  try {
    await until(() => run.calls('embedChunks').length > 0, 20_000, 'the embed step');
    await run.handle.cancel();
    expect((await failureOf(run.handle)).cause).toBeInstanceOf(CancelledFailure);
  } finally {
    embedding.open();
  }
  expect(run.names().slice(-2)).toEqual(['embedChunks', 'markDocumentCancelled']);
  expect(run.calls('withdrawVerificationTask')).toEqual([]);
  expect(run.calls('startQueuedUpdate')).toEqual([]);
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'cancelled' });
});
