import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { IngestInput } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import type { IngestStep } from '../domain/pipeline';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { StepLog } from '../stores/relational/step-log';

export type RunStep = <T>(input: IngestInput, step: IngestStep, work: () => Promise<T>) => Promise<T>;

/**
 * The one way a pipeline step runs: its recorded result if it finished before (even if Temporal
 * never heard it finish, as after a crash), else it executes while heartbeating, and its result or
 * failure is recorded in the step log. Failures leave as Temporal failures: typed domain errors
 * keep their code and retryability, anything else is transient.
 */
export function createStepRunner(deps: { steps: StepLog; logger: Logger; metrics: Metrics }): RunStep {
  const { steps, metrics } = deps;
  return async function runStep<T>(input: IngestInput, step: IngestStep, work: () => Promise<T>) {
    const begun = await steps.beginStep<T>(input.missionId, input.documentId, step);
    if (begun.finished) return begun.result;
    const log = deps.logger.child({ missionId: input.missionId, documentId: input.documentId, step });
    const stopTimer = metrics.stepDuration.startTimer({ mission: input.missionId, step });
    try {
      const result = await heartbeatWhile(work, { step });
      await steps.completeStep(input.missionId, input.documentId, step, result);
      stopTimer();
      log.info({ result }, 'step finished');
      return result;
    } catch (error) {
      stopTimer();
      const failure = toTemporalFailure(error);
      await steps.failStep(
        input.missionId,
        input.documentId,
        step,
        `${failure.type ?? 'error'}: ${failure.message}`,
      );
      log.warn({ err: error, code: failure.type, retryable: !failure.nonRetryable }, 'step failed');
      throw failure;
    }
  };
}

/** Typed domain errors become non-retryable failures whose type is the error code. */
export function toTemporalFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof MissionflowError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.code,
      nonRetryable: !error.retryable,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    message,
    type: 'transient',
    nonRetryable: false,
    cause: error as Error,
  });
}

/** The current remote activity's context; null in local activities and outside Temporal. */
export function remoteActivityContext(): Context | null {
  try {
    const context = Context.current();
    return context.info.isLocal ? null : context;
  } catch {
    return null;
  }
}

/** The workflow id of the run the current activity (remote or local) belongs to; null outside Temporal. */
export function currentWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}

/** The signal that aborts work when the current remote activity is cancelled. */
export function cancellationSignal(): AbortSignal | undefined {
  return remoteActivityContext()?.cancellationSignal;
}

export function heartbeat(details?: unknown): void {
  remoteActivityContext()?.heartbeat(details);
}

/**
 * Heartbeats every few seconds while a step runs, so a worker that died mid-step is noticed within
 * the heartbeat timeout instead of the whole start-to-close timeout. `details` (a step's name) is
 * what the pending activity shows meanwhile: an activity that runs several steps says which.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>, details?: { step: IngestStep }): Promise<T> {
  const context = remoteActivityContext();
  if (!context) return work();
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), 3_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
