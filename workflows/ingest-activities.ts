import { proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { IngestActivities } from '../activities/ingest';
import type { VerificationActivities } from '../activities/verification';
import { errorCatalog } from '../domain/errors';

// The ingest workflow's activities and their timeouts, declared in one place.

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

/** Short database-only steps run as local activities: no extra task-queue round trip per document. */
export const local = proxyLocalActivities<IngestActivities & VerificationActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '30m',
  retry,
});

/**
 * The remote steps, on the lane's own task queue so lanes scale and fail independently. They
 * heartbeat while they run, so a worker that dies mid-step is replaced within the heartbeat timeout.
 */
export function laneActivities(taskQueue: string) {
  return proxyActivities<IngestActivities>({
    taskQueue,
    retry,
    startToCloseTimeout: '30m',
    scheduleToCloseTimeout: '6h',
    heartbeatTimeout: '15s',
  });
}

export type LaneActivities = ReturnType<typeof laneActivities>;
