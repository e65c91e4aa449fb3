import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type RetryPolicy,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { IngestActivities } from '../activities/ingest';
import type { IngestInput, IngestResult } from '../domain/documents';
import { errorCatalog } from '../domain/errors';
import { DocumentClassKey, IngestStatusKey, LaneKey } from '../domain/search-attributes';

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
const local = proxyLocalActivities<IngestActivities>({
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
 * One document through the pipeline: classify -> parse -> chunk -> embed -> extract -> index. Only references
 * and small step summaries pass through here (claim check); text and vectors stay in the stores.
 */
export async function ingestDocument(input: IngestInput): Promise<IngestResult> {
  upsertSearchAttributes([{ key: IngestStatusKey, value: 'processing' }]);
  try {
    const routing = await local.classifyDocument(input);
    upsertSearchAttributes([
      { key: DocumentClassKey, value: routing.documentClass },
      { key: LaneKey, value: routing.lane },
    ]);

    const steps = laneActivities(routing.taskQueue);
    const parsed = await steps.parseDocument(input);
    await steps.chunkDocument(input, parsed.parsedKey);
    await steps.embedChunks(input);
    // Added after histories were recorded without it: those replay without the step.
    if (patched('entity-graph')) await steps.extractEntities(input);
    const indexed = await local.indexDocument(input);
    // Added after histories were recorded without it: an update's older version is cleaned up.
    if (patched('superseded-versions')) await steps.removeSupersededVersions(input);

    upsertSearchAttributes([{ key: IngestStatusKey, value: 'indexed' }]);
    return {
      missionId: input.missionId,
      documentId: input.documentId,
      lane: routing.lane,
      documentClass: routing.documentClass,
      status: 'indexed',
      chunkCount: indexed.chunkCount,
    };
  } catch (error) {
    if (isCancellation(error)) {
      // Record it even though this scope is cancelled, so the document does not stay `processing`.
      await CancellationScope.nonCancellable(() => local.markDocumentCancelled(input));
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
    // Fail the run too, so the Web UI shows it as failed with the typed cause.
    throw ApplicationFailure.create({ message, type: code, nonRetryable: true, cause: failure ?? undefined });
  }
}

function rootApplicationFailure(error: unknown): ApplicationFailure | null {
  let current: unknown = error;
  while (current instanceof ActivityFailure) current = current.cause;
  return current instanceof ApplicationFailure ? current : null;
}
