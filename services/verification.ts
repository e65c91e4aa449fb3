import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { errorCatalog, MissionflowError, type ErrorCode, type FieldError } from '../domain/errors';
import { decisionProblems, type DecisionAccepted, type ReviewDecision } from '../domain/verification';
import type { Logger } from '../observability/logger';
import type { CartridgeVersion } from '../stores/relational/cartridges';
import type { VerificationStore, VerificationTask } from '../stores/relational/verification';
import { decideReviewUpdate } from '../workflows/ingest-messages';

/**
 * The reviewers' side of the verification queue. Claims are leases in the database; a decision is
 * checked against the claim here and then delivered to the waiting workflow as an Update, whose
 * validator is the last word (a duplicate or stale decision is refused there, atomically with the
 * first one being accepted), so the HTTP answer says whether the decision took.
 */
export class VerificationDesk {
  constructor(private readonly deps: { verification: VerificationStore; client: Client; logger: Logger }) {}

  async claim(cartridge: CartridgeVersion, taskId: string, reviewer: string): Promise<VerificationTask> {
    const lease = cartridge.cartridge.verification.claimLeaseSeconds;
    return this.deps.verification.claim(cartridge.missionId, taskId, reviewer, lease);
  }

  async decide(
    missionId: string,
    decision: ReviewDecision,
  ): Promise<{ task: VerificationTask; accepted: DecisionAccepted }> {
    const problems = decisionProblems(decision);
    if (problems.length > 0) throw invalid(problems);
    const held = await this.deps.verification.requireClaim(missionId, decision.taskId, decision.reviewer);
    const accepted = await this.deliver(held, decision);
    // The run records it too, a moment later (idempotently): recorded here, the answer shows it.
    await this.deps.verification.close(missionId, decision.taskId, decision, 'decided');
    this.deps.logger.info(
      { missionId, taskId: decision.taskId, decision: decision.decision, reviewer: decision.reviewer },
      'review decision accepted',
    );
    const task = (await this.deps.verification.get(missionId, decision.taskId)) ?? held;
    return { task, accepted };
  }

  /**
   * The decision as an Update to the waiting run. A task is listed (and can be claimed) a moment
   * before the run, whose local activity opened it, takes up the wait; a decision in that moment
   * is refused as `task_not_found`, so it is sent again a few times before that answer stands.
   */
  private async deliver(task: VerificationTask, decision: ReviewDecision): Promise<DecisionAccepted> {
    const handle = this.deps.client.workflow.getHandle(task.workflowId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await handle.executeUpdate(decideReviewUpdate, { args: [decision] });
      } catch (error) {
        const refused = refusal(error, task);
        const waitingSoon = refused instanceof MissionflowError && refused.code === 'task_not_found';
        if (!waitingSoon || attempt >= notYetWaiting.attempts) throw refused;
        await new Promise((resolve) => setTimeout(resolve, notYetWaiting.pauseMs));
      }
    }
  }
}

/** Validator refusals are not recorded by the run, so asking again costs nothing. */
const notYetWaiting = { attempts: 10, pauseMs: 200 };

function invalid(problems: FieldError[]): MissionflowError {
  return new MissionflowError(
    'invalid_request',
    `the decision is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
}

/** The workflow's refusal as the typed error it carries; anything else is not the reviewer's fault. */
function refusal(error: unknown, task: VerificationTask): Error {
  if (error instanceof WorkflowNotFoundError) {
    return new MissionflowError('review_expired', `the run waiting for task ${task.taskId} is gone`);
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const code = error.cause.type ?? '';
    if (code in errorCatalog) {
      const details = error.cause.details?.[0];
      return new MissionflowError(
        code as ErrorCode,
        error.cause.message,
        Array.isArray(details) ? (details as FieldError[]) : [],
      );
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}
