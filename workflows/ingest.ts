import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { IngestActivities } from '../activities/ingest';
import type { ReviewPlan, VerificationActivities } from '../activities/verification';
import type { IngestInput, IngestResult, IngestStep } from '../domain/documents';
import { errorCatalog } from '../domain/errors';
import { DocumentClassKey, IngestStatusKey, LaneKey } from '../domain/search-attributes';
import { planSections, sectionLimits } from '../domain/sections';
import { decisionProblems, type Corrections, type ReviewDecision } from '../domain/verification';
import { decideReviewUpdate, progressQuery, type IngestProgress } from './verification';

/** Failure types that no retry can fix: the document itself is the problem. */
const nonRetryableErrorTypes = Object.entries(errorCatalog)
  .filter(([, entry]) => !entry.retryable)
  .map(([code]) => code);

/**
 * Transient faults (a store or model endpoint briefly down) are retried with backoff for as long as
 * the schedule-to-close budget lasts, not a fixed number of attempts: an outage of minutes must not
 * fail documents. Typed failures of the document itself are never retried.
 */
const retry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes,
};

// Short database-only steps run as local activities: no extra task-queue round trip per document.
const local = proxyLocalActivities<IngestActivities & VerificationActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '30m',
  retry,
});

/**
 * The remote steps, on the lane's own task queue so lanes scale and fail independently. They
 * heartbeat while they run, so a worker that dies mid-step is replaced within the heartbeat timeout.
 */
function laneActivities(taskQueue: string) {
  return proxyActivities<IngestActivities>({
    taskQueue,
    retry,
    startToCloseTimeout: '30m',
    scheduleToCloseTimeout: '6h',
    heartbeatTimeout: '15s',
  });
}

/**
 * One document through the pipeline: classify -> parse -> PII scan -> chunk -> embed -> extract and
 * score consensus -> (review, when the cartridge's gates say so) -> graph -> index. Only references
 * and small step summaries pass through here (claim check); text and vectors stay in the stores.
 */
export async function ingestDocument(input: IngestInput): Promise<IngestResult> {
  const progress: IngestProgress = { step: null, lane: null, review: null };
  setHandler(progressQuery, () => progress);
  // The review's state. The accepted Update (or the deadline) sets the decision and returns at once:
  // a second decision's validator always sees the first, and the handler issues no commands of its
  // own to interleave with the main flow's (the main flow records the decision).
  let review: { taskId: string; decision: ReviewDecision | null; expired: boolean } | null = null;
  setHandler(
    decideReviewUpdate,
    (decision) => {
      if (!review) throw ApplicationFailure.nonRetryable('no review is open', 'task_not_found');
      review.decision = decision;
      if (progress.review) progress.review.decision = decision.decision;
      return {
        taskId: decision.taskId,
        decision: decision.decision,
        outcome: decision.decision === 'reject' ? 'rejected' : 'indexing',
      };
    },
    {
      validator: (decision) => {
        if (!review || decision.taskId !== review.taskId) {
          // A task of an earlier content version, or none open yet: nothing waits for this decision.
          throw ApplicationFailure.nonRetryable(
            `task ${decision.taskId} is not awaiting a decision in this run`,
            review ? 'already_decided' : 'task_not_found',
          );
        }
        if (review.decision) {
          throw ApplicationFailure.nonRetryable(
            review.expired
              ? `task ${review.taskId} took its default decision at the deadline`
              : `task ${review.taskId} was already decided by ${review.decision.reviewer}`,
            review.expired ? 'review_expired' : 'already_decided',
          );
        }
        const problems = decisionProblems(decision);
        if (problems.length > 0) {
          throw ApplicationFailure.create({
            message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
            type: 'invalid_request',
            nonRetryable: true,
            details: problems,
          });
        }
      },
    },
  );

  /** Runs one step, so the progress query can say which is under way. */
  async function step<T>(name: IngestStep | 'review', work: () => Promise<T>): Promise<T> {
    progress.step = name;
    return work();
  }

  /**
   * Opens the verification task and waits, durably, for a decision. At each deadline the pinned
   * cartridge either escalates (the task reopens, flagged, for another deadline) or decides for
   * the reviewer (the task is `expired`, with the default decision recorded).
   */
  async function awaitDecision(plan: ReviewPlan): Promise<ReviewDecision> {
    let deadline = Date.now() + plan.deadlineSeconds * 1000;
    const { taskId } = await local.openVerificationTask(
      input,
      plan.reasons,
      workflowInfo().workflowId,
      new Date(deadline).toISOString(),
    );
    const open = { taskId, decision: null as ReviewDecision | null, expired: false };
    review = open;
    progress.review = {
      taskId,
      reasons: plan.reasons,
      deadlineAt: new Date(deadline).toISOString(),
      escalations: 0,
      decision: null,
    };
    upsertSearchAttributes([{ key: IngestStatusKey, value: 'awaiting_review' }]);
    for (;;) {
      const decided = await condition(() => open.decision !== null, Math.max(1, deadline - Date.now()));
      if (decided && open.decision) {
        await local.closeVerificationTask(input, open.decision, 'decided');
        return open.decision;
      }
      if (plan.onDeadline === 'escalate') {
        deadline += plan.deadlineSeconds * 1000;
        progress.review.escalations += 1;
        progress.review.deadlineAt = new Date(deadline).toISOString();
        await local.escalateVerificationTask(input, taskId, progress.review.deadlineAt);
        continue;
      }
      const fallback: ReviewDecision = {
        taskId,
        decision: plan.onDeadline,
        reviewer: 'system:deadline',
        reason: `no decision within ${plan.deadlineSeconds} s`,
      };
      open.decision = fallback;
      open.expired = true;
      progress.review.decision = fallback.decision;
      await local.closeVerificationTask(input, fallback, 'expired');
      return fallback;
    }
  }

  /**
   * The sections of a long PDF, at most `sectionLimits.inFlight` scheduled at once (the deep lane's
   * workers bound how many run), then joined. Sections finished before a crash are not read again.
   */
  async function parseInSections(pageCount: number) {
    const plan = planSections(pageCount);
    await forEachBounded(plan, sectionLimits.inFlight, (section) => steps.parseSection(input, section));
    return steps.joinSections(input, plan.length);
  }

  /**
   * As the run ends (indexed, rejected or failed, not cancelled): an update queued meanwhile becomes
   * the next version, with a run of its own. Runs from before queued updates replay without it.
   */
  async function handOverQueuedUpdate(): Promise<void> {
    if (patched('queued-updates')) await local.startQueuedUpdate(input);
  }

  upsertSearchAttributes([{ key: IngestStatusKey, value: 'processing' }]);
  // Assigned once routing is known; the lane can change once more (to ocr).
  let steps: ReturnType<typeof laneActivities>;
  try {
    const routing = await step('classify', () => local.classifyDocument(input));
    progress.lane = routing.lane;
    upsertSearchAttributes([
      { key: DocumentClassKey, value: routing.documentClass },
      { key: LaneKey, value: routing.lane },
    ]);
    steps = laneActivities(routing.taskQueue);
    let documentClass = routing.documentClass;
    let chunkCount: number;

    // Runs started before the verification queue existed replay the pipeline they were recorded with.
    if (patched('review-queue')) {
      const pages = routing.pageCount ?? 0;
      let parsed = await step('parse', () =>
        // A long PDF on the deep lane is read in sections, in parallel; anything else at once.
        routing.lane === 'deep' && pages > sectionLimits.pagesPerSection
          ? parseInSections(pages)
          : steps.parseDocument(input),
      );
      if (parsed.needsOcr) {
        // A scan or an image: the rest of its way is on the ocr lane.
        const ocr = await local.routeToOcr(input);
        progress.lane = ocr.lane;
        upsertSearchAttributes([{ key: LaneKey, value: ocr.lane }]);
        steps = laneActivities(ocr.taskQueue);
        parsed = await step('ocr', () => steps.ocrDocument(input));
      }
      const scanned = await step('pii', () => steps.scanPii(input, parsed.parsedKey));
      await step('chunk', () => steps.chunkDocument(input, scanned.parsedKey));
      await step('embed', () => steps.embedChunks(input));
      const assessed = await step('extract', () => steps.assessEntities(input));
      const plan = await local.planReview(input, {
        consensus: assessed.score,
        piiForReview: scanned.review,
      });
      let corrections: Corrections | undefined;
      if (plan.reasons.length > 0) {
        const decision = await step('review', () => awaitDecision(plan));
        if (decision.decision === 'reject') {
          await local.rejectDocument(input, decision.reason ?? 'rejected by a reviewer');
          upsertSearchAttributes([{ key: IngestStatusKey, value: 'rejected' }]);
          await handOverQueuedUpdate();
          return {
            ...resultOf(input, progress.lane ?? routing.lane, documentClass),
            status: 'rejected',
            chunkCount: 0,
          };
        }
        upsertSearchAttributes([{ key: IngestStatusKey, value: 'processing' }]);
        if (decision.decision === 'correct' && decision.corrections) {
          corrections = decision.corrections;
          if (corrections.documentClass !== undefined || corrections.labels !== undefined) {
            await local.applyClassification(input, corrections);
          }
          if (corrections.documentClass !== undefined) {
            documentClass = corrections.documentClass;
            upsertSearchAttributes([{ key: DocumentClassKey, value: documentClass }]);
          }
        }
      }
      await step('graph', () => steps.mergeEntityGraph(input, corrections));
      chunkCount = (await step('index', () => local.indexDocument(input))).chunkCount;
      await steps.removeSupersededVersions(input);
    } else {
      const parsed = await steps.parseDocument(input);
      // Runs from before OCR existed failed such documents as having no text; they still do.
      if (parsed.needsOcr) throw ApplicationFailure.nonRetryable('the document has no text layer', 'no_text');
      await steps.chunkDocument(input, parsed.parsedKey);
      await steps.embedChunks(input);
      // Added after histories were recorded without it: those replay without the step.
      if (patched('entity-graph')) await steps.extractEntities(input);
      chunkCount = (await local.indexDocument(input)).chunkCount;
      // Added after histories were recorded without it: an update's older version is cleaned up.
      if (patched('superseded-versions')) await steps.removeSupersededVersions(input);
    }

    progress.step = null;
    upsertSearchAttributes([{ key: IngestStatusKey, value: 'indexed' }]);
    await handOverQueuedUpdate();
    return {
      ...resultOf(input, progress.lane ?? routing.lane, documentClass),
      status: 'indexed',
      chunkCount,
    };
  } catch (error) {
    if (isCancellation(error)) {
      // Record it even though this scope is cancelled, so the document does not stay `processing`
      // and its review, if one is open, leaves the queue.
      await CancellationScope.nonCancellable(async () => {
        if (review && !review.decision) await local.withdrawVerificationTask(input, review.taskId);
        await local.markDocumentCancelled(input);
      });
      upsertSearchAttributes([{ key: IngestStatusKey, value: 'cancelled' }]);
      throw error;
    }
    const failure = rootApplicationFailure(error);
    // Typed failures keep their code; anything else (retries exhausted on a transient fault) says so.
    const code = failure?.type ?? 'internal';
    const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
    log.warn('document failed', { code, message, workflowId: workflowInfo().workflowId });
    await local.markDocumentFailed(input, code, message);
    upsertSearchAttributes([{ key: IngestStatusKey, value: 'failed' }]);
    await handOverQueuedUpdate();
    // Fail the run too, so the Web UI shows it as failed with the typed cause.
    throw ApplicationFailure.create({ message, type: code, nonRetryable: true, cause: failure ?? undefined });
  }
}

/** Runs `work` over `items`, at most `limit` at a time, in order of starting. */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

function resultOf(
  input: IngestInput,
  lane: string,
  documentClass: string,
): Pick<IngestResult, 'missionId' | 'documentId' | 'lane' | 'documentClass'> {
  return { missionId: input.missionId, documentId: input.documentId, lane, documentClass };
}

function rootApplicationFailure(error: unknown): ApplicationFailure | null {
  let current: unknown = error;
  while (current instanceof ActivityFailure) current = current.cause;
  return current instanceof ApplicationFailure ? current : null;
}
