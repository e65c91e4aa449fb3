import { Context } from '@temporalio/activity';
import type { IngestActivities } from '../../activities/ingest';
import { createTextActivities } from '../../activities/text';
import type { ReviewPlan, VerificationActivities } from '../../activities/verification';
import { embeddingTaskQueue, laneTaskQueue } from '../../domain/lanes';
import { countPii } from '../../domain/pii';
import { verificationTaskId, type ReviewReason } from '../../domain/verification';

/**
 * Stand-ins for the ingest workflow's activities, for tests of the workflow alone
 * (test/integration/ingest-workflow.test.ts): canned results shaped like the real ones, and a log of
 * every call with the task queue it ran on.
 *
 * Typed by the real activity factories: an activity renamed, added or given another signature there
 * breaks the compilation of `cannedStubs` below, rather than leaving a test passing against a name
 * the workflow no longer calls.
 */

export type IngestWorkflowActivities = IngestActivities & VerificationActivities;
/**
 * The activities stubs stand in for. `prepareText` is not one: the workers run the real one
 * (activities/text.ts) over the stubs of the steps it runs, so a test sees those steps' calls.
 */
export type ActivityName = Exclude<keyof IngestWorkflowActivities, 'prepareText'>;

/** A stand-in for one activity: the real signature. */
export type Stub<K extends ActivityName> = (
  ...args: Parameters<IngestWorkflowActivities[K]>
) => ReturnType<IngestWorkflowActivities[K]>;
export type Stubs = { [K in ActivityName]: Stub<K> };

/** Consensus below this sends a document to review (the canned `planReview`). */
export const cannedGate = 0.7;

/** The canned review plan: the cartridge defaults' one-day deadline, then escalation. */
export const cannedReviewPolicy: Pick<ReviewPlan, 'deadlineSeconds' | 'onDeadline'> = {
  deadlineSeconds: 86_400,
  onDeadline: 'escalate',
};

/**
 * The one place that says what each activity answers when a test does not say otherwise: a short
 * text document on the fast lane, no PII, extractors agreeing, nothing queued. Results are
 * references and counts only, as the real ones are (claim check).
 */
export function cannedStubs(taskQueuePrefix: string): Stubs {
  const done = async () => undefined;
  return {
    classifyDocument: async () => ({
      documentClass: 'note',
      lane: 'fast',
      taskQueue: laneTaskQueue('fast', taskQueuePrefix),
      embedTaskQueue: embeddingTaskQueue(taskQueuePrefix),
      rule: 'short-text',
      pageCount: null,
    }),
    routeToOcr: async () => ({
      documentClass: 'note',
      lane: 'ocr',
      taskQueue: laneTaskQueue('ocr', taskQueuePrefix),
      embedTaskQueue: embeddingTaskQueue(taskQueuePrefix),
      rule: 'needs-ocr',
    }),
    parseDocument: async () => ({
      parsedKey: 'parsed/original',
      blocks: 3,
      characters: 240,
      encoding: 'utf-8',
    }),
    ocrDocument: async () => ({
      parsedKey: 'parsed/ocr',
      blocks: 2,
      characters: 90,
      encoding: null,
      pages: 1,
      truncated: false,
    }),
    parseSection: async (_input, section) => ({ index: section.index, blocks: 4, characters: 400 }),
    joinSections: async (_input, sectionCount) => ({
      parsedKey: 'parsed/joined',
      blocks: 4 * sectionCount,
      characters: 400 * sectionCount,
      encoding: null,
    }),
    // Another key than the parse step's: what the chunker gets must be the scan's (redacted) text.
    scanPii: async () => ({
      parsedKey: 'parsed/redacted',
      found: countPii([]),
      redacted: countPii([]),
      review: [],
    }),
    chunkDocument: async () => ({ chunkCount: 4 }),
    embedChunks: async () => ({ vectorCount: 4, reusedCount: 0, model: 'lexical-64' }),
    assessEntities: async () => ({ score: 0.92, candidates: 3, extractors: ['rules', 'dictionary'] }),
    mergeEntityGraph: async (_input, corrections) => ({
      entityCount: 3,
      relationCount: 2,
      truncatedChunks: 0,
      corrected: corrections !== undefined,
    }),
    removeSupersededVersions: async () => ({ blobsRemoved: 0 }),
    indexDocument: async () => ({ chunkCount: 4, supersededVersions: false }),
    markDocumentCancelled: done,
    markDocumentFailed: done,
    startQueuedUpdate: async () => ({ workflowId: null }),
    planReview: async (_input, measured) => {
      const reasons: ReviewReason[] = [];
      if (measured.consensus < cannedGate) reasons.push('low_consensus');
      if (measured.piiForReview.length > 0) reasons.push('pii');
      return { reasons, ...cannedReviewPolicy };
    },
    openVerificationTask: async (input) => ({ taskId: verificationTaskId(input.documentId, 1) }),
    closeVerificationTask: done,
    withdrawVerificationTask: done,
    escalateVerificationTask: done,
    rejectDocument: done,
    applyClassification: done,
  };
}

/** One activity call as the stub saw it. */
export interface ActivityCall {
  name: ActivityName;
  /** The arguments as they arrived through Temporal's data converter. */
  args: unknown[];
  taskQueue: string;
  local: boolean;
  attempt: number;
  /** Ticks of one clock shared by every call: when the call started, and ended (null while it runs). */
  startedAt: number;
  endedAt: number | null;
}

/**
 * The stubs as the workers run them. Each run (by workflow id) may replace some stubs with a
 * script of its own; every call is recorded under its run's workflow id.
 */
export class StubbedActivities {
  private readonly scripts = new Map<string, Partial<Stubs>>();
  private readonly log = new Map<string, ActivityCall[]>();
  private ticks = 0;

  constructor(readonly canned: Stubs) {}

  /** What the run `workflowId` gets instead of the canned results. */
  script(workflowId: string, overrides: Partial<Stubs>): void {
    this.scripts.set(workflowId, overrides);
  }

  calls(workflowId: string, name?: ActivityName): ActivityCall[] {
    const calls = this.log.get(workflowId) ?? [];
    return name ? calls.filter((call) => call.name === name) : calls;
  }

  /** The names of the run's calls, in the order they started. */
  names(workflowId: string): ActivityName[] {
    return this.calls(workflowId).map((call) => call.name);
  }

  /** The functions to register on the workers: each records its call, then runs its run's stub. */
  activities(): IngestWorkflowActivities {
    const names = Object.keys(this.canned) as ActivityName[];
    const record = (name: ActivityName) => {
      return async (...args: unknown[]) => {
        const { info } = Context.current();
        const workflowId = info.workflowExecution?.workflowId ?? '(no workflow)';
        const call: ActivityCall = {
          name,
          args,
          taskQueue: info.taskQueue,
          local: info.isLocal,
          attempt: info.attempt,
          startedAt: this.ticks++,
          endedAt: null,
        };
        const calls = this.log.get(workflowId) ?? [];
        this.log.set(workflowId, [...calls, call]);
        const stub = (this.scripts.get(workflowId)?.[name] ?? this.canned[name]) as (
          ...args: unknown[]
        ) => Promise<unknown>;
        try {
          return await stub(...args);
        } finally {
          call.endedAt = this.ticks++;
        }
      };
    };
    const stubbed = Object.fromEntries(names.map((name) => [name, record(name)])) as unknown as Omit<
      IngestWorkflowActivities,
      'prepareText'
    >;
    return { ...stubbed, ...createTextActivities(stubbed) };
  }
}

/** A promise a test opens when it chooses: a stub awaits it to hold its step. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
