import { ApplicationFailure } from '@temporalio/common';
import { ingestWorkflowId } from '../../domain/documents';
import { planSections, sectionLimits } from '../../domain/sections';
import { progressQuery } from '../../workflows/ingest-messages';
import { gate } from '../support/ingest-stubs';
import {
  failureOf,
  localActivities,
  openWorkflowHarness,
  pipelineInOrder,
  searchAttributes,
  type Run,
  type WorkflowHarness,
} from '../support/ingest-workflow';

/**
 * The ingest workflow's pipeline branches with stubbed activities (test/support/ingest-stubs.ts) on
 * the real workflow code and worker composition: each run takes well under a second. The review
 * branches are in ingest-workflow-review.test.ts; the end-to-end tests run the same paths on real
 * stores.
 */

let harness: WorkflowHarness;
beforeAll(async () => {
  harness = await openWorkflowHarness();
});
afterAll(async () => {
  await harness?.close();
});

const needsOcr = async () => ({ parsedKey: '', blocks: 0, characters: 0, encoding: null, needsOcr: true });

/**
 * Every call either local (on the workflow worker), on the embedding task queue (embedChunks,
 * whatever the lane), or on `lane`'s task queue.
 */
function expectLanes(run: Run, lanes: Record<string, string>, fallback: string) {
  for (const call of run.calls()) {
    const expected = localActivities.includes(call.name)
      ? { local: true, taskQueue: harness.workflowQueue }
      : call.name === 'embedChunks'
        ? { local: false, taskQueue: harness.embedQueue }
        : { local: false, taskQueue: harness.lane(lanes[call.name] ?? fallback) };
    expect({ name: call.name, local: call.local, taskQueue: call.taskQueue }).toEqual({
      name: call.name,
      ...expected,
    });
  }
}

it('fast path: every step once, in order, on the lane the routing chose', async () => {
  const run = await harness.startRun();
  const result = await run.handle.result();

  expect(result).toEqual({
    missionId: 'harbour',
    documentId: run.input.documentId,
    status: 'indexed',
    lane: 'fast',
    documentClass: 'note',
    chunkCount: 4,
  });
  expect(run.names()).toEqual(pipelineInOrder);
  expectLanes(run, {}, 'fast');
  expect(run.calls().map((call) => call.args[0])).toEqual(run.calls().map(() => run.input));
  expect(run.call('scanPii').args[1]).toBe('parsed/original');
  // The chunker reads the scan's (possibly redacted) text, never the parser's.
  expect(run.call('chunkDocument').args[1]).toBe('parsed/redacted');
  expect(run.call('planReview').args[1]).toEqual({ consensus: 0.92, piiForReview: [] });
  expect(run.call('mergeEntityGraph').args).toEqual([run.input]);
  expect(await run.handle.query(progressQuery)).toEqual({ step: null, lane: 'fast', review: null });
  expect(await searchAttributes(run.handle)).toEqual({
    status: 'indexed',
    lane: 'fast',
    documentClass: 'note',
  });
  // Parse, PII scan and chunk are one round trip to the lane; the other lane steps one each.
  expect(await scheduledActivities(run)).toEqual([
    'prepareText',
    'embedChunks',
    'assessEntities',
    'mergeEntityGraph',
  ]);
});

it('an update: the clean-up step runs when the index step finds older versions left', async () => {
  const run = await harness.startRun({
    indexDocument: async () => ({ chunkCount: 4, supersededVersions: true }),
  });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.names().slice(-3)).toEqual(['indexDocument', 'removeSupersededVersions', 'startQueuedUpdate']);
  expectLanes(run, {}, 'fast');
});

/** The activity types the run scheduled on task queues (local activities are not scheduled there). */
async function scheduledActivities(run: Run): Promise<string[]> {
  const { events } = await run.handle.fetchHistory();
  return (events ?? []).flatMap((event) =>
    event.activityTaskScheduledEventAttributes?.activityType?.name
      ? [event.activityTaskScheduledEventAttributes.activityType.name]
      : [],
  );
}

it('OCR move: a document without text goes to the ocr lane for OCR and every later step', async () => {
  const run = await harness.startRun({ parseDocument: needsOcr });
  const result = await run.handle.result();

  expect(result).toMatchObject({ status: 'indexed', lane: 'ocr', documentClass: 'note' });
  expect(run.names()).toEqual([
    'classifyDocument',
    'parseDocument',
    'routeToOcr',
    'ocrDocument',
    ...pipelineInOrder.slice(2),
  ]);
  expectLanes(run, { parseDocument: 'fast' }, 'ocr');
  expect(run.call('scanPii').args[1]).toBe('parsed/ocr');
  expect((await run.handle.query(progressQuery)).lane).toBe('ocr');
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'indexed', lane: 'ocr' });
});

it('OCR move refused (no ocr lane): the typed failure ends the run, handed over, never retried', async () => {
  const message = 'mission harbour does not enable the ocr lane';
  const run = await harness.startRun({
    parseDocument: needsOcr,
    routeToOcr: async () => {
      throw ApplicationFailure.nonRetryable(message, 'ocr_unavailable');
    },
  });
  const failure = await failureOf(run.handle);

  expect(failure.cause).toMatchObject({ type: 'ocr_unavailable', message, nonRetryable: true });
  expect(run.names()).toEqual([
    'classifyDocument',
    'parseDocument',
    'routeToOcr',
    'markDocumentFailed',
    'startQueuedUpdate',
  ]);
  expect(run.call('markDocumentFailed').args).toEqual([run.input, 'ocr_unavailable', message]);
});

it('typed failure: an error of a non-retryable type fails the run as failed, after one attempt', async () => {
  // Raised as retryable: the workflow's retry policy must know parse_failed is not.
  const message = 'the PDF cross-reference table is broken';
  const run = await harness.startRun({
    parseDocument: async () => {
      throw ApplicationFailure.retryable(message, 'parse_failed');
    },
  });
  const failure = await failureOf(run.handle);

  expect(failure.cause).toBeInstanceOf(ApplicationFailure);
  expect(failure.cause).toMatchObject({ type: 'parse_failed', message, nonRetryable: true });
  expect(run.call('parseDocument').attempt).toBe(1);
  expect(run.names()).toEqual([
    'classifyDocument',
    'parseDocument',
    'markDocumentFailed',
    'startQueuedUpdate',
  ]);
  expect(run.call('markDocumentFailed').args).toEqual([run.input, 'parse_failed', message]);
  // The failed run still hands over a queued update; then no step is under way.
  expect((await run.handle.query(progressQuery)).step).toBeNull();
  expect((await run.handle.describe()).status.name).toBe('FAILED');
  expect(await searchAttributes(run.handle)).toMatchObject({ status: 'failed', lane: 'fast' });
});

it('a transient fault is retried with backoff (skipped time) until the step succeeds', async () => {
  const run = await harness.startRun({
    embedChunks: async () => {
      if (run.calls('embedChunks').length < 3)
        throw ApplicationFailure.retryable('model endpoint down', 'transient');
      return { vectorCount: 4, reusedCount: 0, model: 'lexical-64' };
    },
  });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.calls('embedChunks').map((call) => call.attempt)).toEqual([1, 2, 3]);
  expect(run.calls('markDocumentFailed')).toEqual([]);
});

it('sections: a long PDF on the deep lane is read in bounded parallel sections, then joined', async () => {
  const pageCount = 200;
  const planned = planSections(pageCount);
  expect(planned.length).toBeGreaterThan(sectionLimits.inFlight);
  // The first `inFlight` sections are held until a second after the last of them started (10 s
  // after the first, if they never all start): a run that schedules more at once shows them in
  // flight meanwhile, and one that schedules fewer never reaches the bound.
  const wave = gate();
  let release: NodeJS.Timeout | undefined;
  const releaseIn = (ms: number) => {
    clearTimeout(release);
    release = setTimeout(wave.open, ms);
  };
  let started = 0;
  let inFlight = 0;
  let most = 0;
  const run = await harness.startRun({
    classifyDocument: async () => ({
      documentClass: 'report',
      lane: 'deep',
      taskQueue: harness.lane('deep'),
      embedTaskQueue: harness.embedQueue,
      rule: 'long-pdf',
      pageCount,
    }),
    parseSection: async (_input, section) => {
      const nth = ++started;
      most = Math.max(most, ++inFlight);
      if (nth === 1) releaseIn(10_000);
      if (nth === sectionLimits.inFlight) releaseIn(1_000);
      if (nth === planned.length) releaseIn(0);
      try {
        if (nth <= sectionLimits.inFlight) await wave.opened;
        return { index: section.index, blocks: 4, characters: 400 };
      } finally {
        inFlight--;
      }
    },
  });
  const result = await run.handle.result();

  expect(result).toMatchObject({ status: 'indexed', lane: 'deep', documentClass: 'report' });
  expect(most).toBe(sectionLimits.inFlight);
  const sections = run.calls('parseSection');
  const read = sections.map((call) => call.args[1] as (typeof planned)[number]);
  expect(read.sort((a, b) => a.index - b.index)).toEqual(planned);
  const join = run.call('joinSections');
  expect(join.args).toEqual([run.input, planned.length]);
  expect(join.startedAt).toBeGreaterThan(Math.max(...sections.map((call) => call.endedAt ?? Infinity)));
  expect(run.calls('parseDocument')).toEqual([]);
  expect(run.call('scanPii').args[1]).toBe('parsed/joined');
  expectLanes(run, {}, 'deep');
  expect(await searchAttributes(run.handle)).toEqual({
    status: 'indexed',
    lane: 'deep',
    documentClass: 'report',
  });
});

it('sections: a deep-lane PDF of one section is parsed whole', async () => {
  const run = await harness.startRun({
    classifyDocument: async () => ({
      documentClass: 'report',
      lane: 'deep',
      taskQueue: harness.lane('deep'),
      embedTaskQueue: harness.embedQueue,
      rule: 'long-pdf',
      pageCount: sectionLimits.pagesPerSection,
    }),
  });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed', lane: 'deep' });
  expect(run.call('parseDocument').taskQueue).toBe(harness.lane('deep'));
  expect(run.calls('parseSection')).toEqual([]);
  expect(run.calls('joinSections')).toEqual([]);
});

it('queued update hand-over: the ending run starts the next version as its last step', async () => {
  const { env, workflowQueue } = harness;
  let nextId = '';
  const run = await harness.startRun({
    // What the real activity does through IngestDependencies.startIngest: the next version's run.
    startQueuedUpdate: async (input) => {
      nextId = ingestWorkflowId(input.missionId, input.documentId, 2);
      harness.stubs.script(nextId, {});
      await env.client.workflow.start('ingestDocument', {
        taskQueue: workflowQueue,
        workflowId: nextId,
        args: [{ ...input, cartridgeVersion: 2 }],
      });
      return { workflowId: nextId };
    },
  });
  expect(await run.handle.result()).toMatchObject({ status: 'indexed' });
  expect(run.names().at(-1)).toBe('startQueuedUpdate');
  const handOver = run.call('startQueuedUpdate');
  expect(handOver.args).toEqual([run.input]);
  const ended = run.calls().filter((call) => call !== handOver);
  expect(handOver.startedAt).toBeGreaterThan(Math.max(...ended.map((call) => call.endedAt ?? Infinity)));

  // The next version's run is a run of its own, under its own business key.
  const next = harness.env.client.workflow.getHandle(nextId);
  expect(await next.result()).toMatchObject({ status: 'indexed', documentId: run.input.documentId });
  const nextCalls = harness.stubs.calls(nextId);
  expect(nextCalls.map((call) => call.name)).toEqual(pipelineInOrder);
  expect(nextCalls[0]?.args).toEqual([{ ...run.input, cartridgeVersion: 2 }]);
});
