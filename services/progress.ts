import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { isIngestStep, stepOfActivity } from '../domain/pipeline';
import { progressQuery, type IngestProgress } from '../workflows/ingest-messages';

/**
 * What a run is doing right now, read from Temporal itself rather than from the document row: the
 * run's own progress query, and the server's view of its pending activity and workflow task. This
 * is what tells a document that waits for a worker on its lane from one that runs, and one whose
 * step keeps failing and is being retried (with the error) from one that is merely slow.
 */
export interface RunProgress {
  state: 'waiting_for_worker' | 'running' | 'retrying' | 'awaiting_review' | 'finished';
  /** Temporal's status of the run (RUNNING, COMPLETED, FAILED, ...). */
  runStatus: string;
  step: string | null;
  /** The lane whose workers run the step (null for the workflow worker's own steps). */
  lane: string | null;
  attempt: number | null;
  lastError: string | null;
  /** How long the current step has waited to be picked up, and how long it has been running. */
  queuedMs: number | null;
  runningMs: number | null;
  review: IngestProgress['review'];
}

const { PENDING_ACTIVITY_STATE_SCHEDULED } = temporal.api.enums.v1.PendingActivityState;
const { PENDING_WORKFLOW_TASK_STATE_SCHEDULED } = temporal.api.enums.v1.PendingWorkflowTaskState;

/** A run's workflow task unanswered for this long means no workflow worker is taking it. */
const workflowTaskPatienceMs = 5_000;
/** How long the progress query may take; the workflow worker may be the thing that is down. */
const queryTimeoutMs = 2_000;

export async function readRunProgress(
  client: Client,
  workflowId: string,
  now = Date.now(),
): Promise<RunProgress | null> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch {
    return null;
  }
  const runStatus = description.status.name;
  const base: RunProgress = {
    state: 'finished',
    runStatus,
    step: null,
    lane: null,
    attempt: null,
    lastError: null,
    queuedMs: null,
    runningMs: null,
    review: null,
  };
  if (runStatus !== 'RUNNING') return base;

  const known = await queryWithin(client, () => handle.query(progressQuery), queryTimeoutMs);
  const activity = description.raw.pendingActivities?.[0];
  if (activity) {
    const scheduled = optionalTsToMs(activity.scheduledTime);
    const started = optionalTsToMs(activity.lastStartedTime);
    const attempt = activity.attempt ?? 1;
    const lastError = activity.lastFailure?.message ?? null;
    const waiting = activity.state === PENDING_ACTIVITY_STATE_SCHEDULED;
    return {
      ...base,
      state: waiting ? (attempt > 1 && lastError ? 'retrying' : 'waiting_for_worker') : 'running',
      step:
        heartbeatStep(client, activity) ??
        stepOfActivity(activity.activityType?.name ?? '') ??
        activity.activityType?.name ??
        null,
      lane: known?.lane ?? null,
      attempt,
      lastError,
      queuedMs: waiting && scheduled !== undefined ? Math.max(0, now - scheduled) : null,
      runningMs: !waiting && started !== undefined ? Math.max(0, now - started) : null,
      review: known?.review ?? null,
    };
  }
  const task = description.raw.pendingWorkflowTask;
  const taskScheduled = optionalTsToMs(task?.originalScheduledTime ?? task?.scheduledTime);
  if (
    task?.state === PENDING_WORKFLOW_TASK_STATE_SCHEDULED &&
    taskScheduled !== undefined &&
    now - taskScheduled > workflowTaskPatienceMs
  ) {
    // Nobody runs the workflow's own code (and its database steps): the workflow worker is down.
    return { ...base, state: 'waiting_for_worker', step: known?.step ?? null, queuedMs: now - taskScheduled };
  }
  // From the moment the run enters its review step (its task may be a moment from being listed in
  // the run's own state) until a decision arrives, it waits for a person.
  if (known?.step === 'review' && (known.review?.decision ?? null) === null) {
    return { ...base, state: 'awaiting_review', step: 'review', lane: known.lane, review: known.review };
  }
  return { ...base, state: 'running', step: known?.step ?? null, lane: null, review: known?.review ?? null };
}

/**
 * The run's answer, or null when it gives none in time: no worker to answer, or a run recorded
 * before the query existed (describe still can say where it is). The time limit is the call's own
 * gRPC deadline, so the call ends with it rather than outliving the request.
 */
function queryWithin<T>(client: Client, query: () => Promise<T>, ms: number): Promise<T | null> {
  return client.withDeadline(Date.now() + ms, query).catch(() => null);
}

/**
 * The step a pending activity's last heartbeat names (activities/step-runner.ts): which of the
 * steps of an activity that runs several is under way. Null when it names none.
 */
function heartbeatStep(
  client: Client,
  activity: temporal.api.workflow.v1.IPendingActivityInfo,
): IngestProgress['step'] | null {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  if (!payload) return null;
  try {
    const details = client.options.loadedDataConverter.payloadConverter.fromPayload<{ step?: unknown }>(
      payload,
    );
    return isIngestStep(details?.step) ? details.step : null;
  } catch {
    return null;
  }
}
