import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { ReviewPlan } from '../../activities/verification';
import { ingestWorkflowId, type IngestInput } from '../../domain/documents';
import { defaultLaneConcurrency, embeddingTaskQueue, laneTaskQueue } from '../../domain/lanes';
import { DocumentClassKey, IngestStatusKey, LaneKey } from '../../domain/search-attributes';
import { sectionLimits } from '../../domain/sections';
import { verificationTaskId, type ReviewDecision } from '../../domain/verification';
import {
  createEmbeddingWorker,
  createLaneWorkers,
  createWorkflowWorker,
  workflowTaskQueue,
} from '../../workers/ingest';
import type { ingestDocument } from '../../workflows/ingest';
import { decideReviewUpdate, progressQuery } from '../../workflows/ingest-messages';
import { testEnv } from './env';
import { cannedGate, cannedStubs, StubbedActivities, type ActivityName, type Stubs } from './ingest-stubs';
import { createTimeSkippingEnvironment, registerSearchAttributes } from './time-skipping';
import { until } from './wait';

/**
 * The ingest workflow alone, for test/integration/ingest-workflow*.test.ts: the real workflow code
 * (the bundle the global set-up builds) on the real worker composition (a workflow worker with the
 * local activities, one worker per lane) on a time-skipping test server, with every activity a stub
 * (./ingest-stubs.ts).
 */

export type IngestHandle = WorkflowHandle<typeof ingestDocument>;

export interface WorkflowHarness {
  env: TestWorkflowEnvironment;
  stubs: StubbedActivities;
  /** The task queue of a lane's workers. */
  lane(name: string): string;
  /** The embedding task queue of this harness. */
  embedQueue: string;
  /** The workflow worker's task queue, where local activities run too. */
  workflowQueue: string;
  /** Starts a run of a new document whose activities answer from `script`, else the canned stubs. */
  startRun(script?: Partial<Stubs>, input?: Partial<IngestInput>): Promise<Run>;
  close(): Promise<void>;
}

export interface Run {
  input: IngestInput;
  workflowId: string;
  handle: IngestHandle;
  /** The verification task id the canned stubs open for this document. */
  taskId: string;
  calls(name?: ActivityName): ReturnType<StubbedActivities['calls']>;
  names(): ActivityName[];
  /** The only call of `name` (the test fails unless there was exactly one). */
  call(name: ActivityName): ReturnType<StubbedActivities['calls']>[number];
}

export async function openWorkflowHarness(): Promise<WorkflowHarness> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this Jest worker process
  }
  const prefix = `wf-${randomUUID().slice(0, 8)}`;
  const env = await createTimeSkippingEnvironment();
  const workers: Worker[] = [];
  try {
    await registerSearchAttributes(env);
    const stubs = new StubbedActivities(cannedStubs(prefix));
    const options = {
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueuePrefix: prefix,
      activities: stubs.activities(),
      // The deep lane's workers may run every section a run schedules: the bound under test is the run's.
      laneConcurrency: { ...defaultLaneConcurrency, deep: 2 * sectionLimits.inFlight },
      embedConcurrency: 2,
      workflowBundlePath: testEnv.workflowBundlePath,
    };
    workers.push(
      await createWorkflowWorker(options),
      ...(await createLaneWorkers(options)),
      await createEmbeddingWorker(options),
    );
    const running = workers.map((worker) => worker.run());
    const workflowQueue = workflowTaskQueue(prefix);

    return {
      env,
      stubs,
      lane: (name) => laneTaskQueue(name, prefix),
      embedQueue: embeddingTaskQueue(prefix),
      workflowQueue,
      async startRun(script = {}, given = {}) {
        const input: IngestInput = {
          missionId: 'harbour',
          documentId: randomUUID().replace(/-/g, ''),
          cartridgeVersion: 1,
          ...given,
        };
        const workflowId = ingestWorkflowId(input.missionId, input.documentId);
        stubs.script(workflowId, script);
        const handle = await env.client.workflow.start<typeof ingestDocument>('ingestDocument', {
          taskQueue: workflowQueue,
          workflowId,
          args: [input],
        });
        return {
          input,
          workflowId,
          handle,
          taskId: verificationTaskId(input.documentId, 1),
          calls: (name) => stubs.calls(workflowId, name),
          names: () => stubs.names(workflowId),
          call(name) {
            const calls = stubs.calls(workflowId, name);
            if (calls.length !== 1) throw new Error(`${name} was called ${calls.length} times, not once`);
            return calls[0] as (typeof calls)[number];
          },
        };
      },
      async close() {
        for (const worker of workers) worker.shutdown();
        await Promise.all(running);
        await env.teardown();
      },
    };
  } catch (error) {
    await env.teardown();
    throw error;
  }
}

/** Extractors that disagree, so the canned plan asks for review (under `policy`, if given). */
export function lowConsensus(policy?: Pick<ReviewPlan, 'deadlineSeconds' | 'onDeadline'>): Partial<Stubs> {
  const { planReview } = cannedStubs('unused');
  return {
    assessEntities: async () => ({
      score: cannedGate / 2,
      candidates: 5,
      extractors: ['rules', 'dictionary'],
    }),
    planReview: async (input, measured) => ({ ...(await planReview(input, measured)), ...policy }),
  };
}

/** Waits until the run waits for a reviewer; its progress then. */
export async function inReview(handle: IngestHandle) {
  await until(async () => (await handle.query(progressQuery)).step === 'review', 20_000, 'the review wait');
  return handle.query(progressQuery);
}

/** The run's search attributes, as the Web UI filters by them. */
export async function searchAttributes(handle: IngestHandle) {
  const { typedSearchAttributes } = await handle.describe();
  return {
    status: typedSearchAttributes.get(IngestStatusKey),
    lane: typedSearchAttributes.get(LaneKey),
    documentClass: typedSearchAttributes.get(DocumentClassKey),
  };
}

/** Sends a decision that must be refused; the failure the review Update answered with. */
export async function refusal(handle: IngestHandle, decision: ReviewDecision): Promise<ApplicationFailure> {
  const error = await handle.executeUpdate(decideReviewUpdate, { args: [decision] }).then(
    () => new Error(`the decision was accepted: ${JSON.stringify(decision)}`),
    (refused: unknown) => refused,
  );
  if (!(error instanceof WorkflowUpdateFailedError)) throw error;
  if (!(error.cause instanceof ApplicationFailure))
    throw new Error(`refused without a typed failure: ${error}`);
  return error.cause;
}

/** The run's end, which must be a failure. */
export async function failureOf(handle: IngestHandle): Promise<WorkflowFailedError> {
  const error = await handle.result().then(
    (result) => new Error(`the run did not fail: ${JSON.stringify(result)}`),
    (failed: unknown) => failed,
  );
  if (!(error instanceof WorkflowFailedError)) throw error;
  return error;
}

/** The activities of a run that needs no review, in order (all on the fast lane, or local). */
export const pipelineInOrder: ActivityName[] = [
  'classifyDocument',
  'parseDocument',
  'scanPii',
  'chunkDocument',
  'embedChunks',
  'assessEntities',
  'planReview',
  'mergeEntityGraph',
  'indexDocument',
  // No removeSupersededVersions: a document's first version leaves nothing older to remove.
  'startQueuedUpdate',
];

/** Those that run as local activities, on the workflow worker. */
export const localActivities: ActivityName[] = [
  'classifyDocument',
  'routeToOcr',
  'planReview',
  'openVerificationTask',
  'closeVerificationTask',
  'escalateVerificationTask',
  'withdrawVerificationTask',
  'rejectDocument',
  'applyClassification',
  'indexDocument',
  'markDocumentCancelled',
  'markDocumentFailed',
  'startQueuedUpdate',
];
