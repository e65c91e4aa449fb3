import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ReviewPlan } from '../activities/verification';
import type { IngestInput } from '../domain/documents';
import { decisionProblems, type ReviewDecision } from '../domain/verification';
import { local } from './ingest-activities';
import { decideReviewUpdate, type IngestProgress } from './ingest-messages';
import { showRun } from './run-attributes';

interface OpenReview {
  taskId: string;
  decision: ReviewDecision | null;
  /** True when the deadline decided, not a person. */
  expired: boolean;
}

/**
 * The review step of one run: the decision Update (validated before it is accepted, so the caller
 * learns whether it took) and the durable wait for it, with the pinned cartridge's deadline policy.
 * The accepted Update (or the deadline) sets the decision and returns at once: a second decision's
 * validator always sees the first, and the handler issues no commands of its own to interleave
 * with the main flow's (the main flow records the decision).
 */
export class ReviewStep {
  private review: OpenReview | null = null;

  constructor(
    private readonly input: IngestInput,
    private readonly progress: IngestProgress,
  ) {
    setHandler(decideReviewUpdate, (decision) => this.accept(decision), {
      validator: (decision) => this.validate(decision),
    });
  }

  /** The open task nobody has decided yet, if any: a cancelled run withdraws it from the queue. */
  get undecidedTaskId(): string | null {
    return this.review && !this.review.decision ? this.review.taskId : null;
  }

  /**
   * Opens the verification task and waits, durably, for a decision. At each deadline the pinned
   * cartridge either escalates (the task reopens, flagged, for another deadline) or decides for
   * the reviewer (the task is `expired`, with the default decision recorded).
   */
  async awaitDecision(plan: ReviewPlan): Promise<ReviewDecision> {
    let deadline = Date.now() + plan.deadlineSeconds * 1000;
    const { taskId } = await local.openVerificationTask(
      this.input,
      plan.reasons,
      workflowInfo().workflowId,
      new Date(deadline).toISOString(),
    );
    const open: OpenReview = { taskId, decision: null, expired: false };
    this.review = open;
    const shown = {
      taskId,
      reasons: plan.reasons,
      deadlineAt: new Date(deadline).toISOString(),
      escalations: 0,
      decision: null as ReviewDecision['decision'] | null,
    };
    this.progress.review = shown;
    showRun({ status: 'awaiting_review' });
    for (;;) {
      const decided = await condition(() => open.decision !== null, Math.max(1, deadline - Date.now()));
      if (decided && open.decision) {
        await local.closeVerificationTask(this.input, open.decision, 'decided');
        return open.decision;
      }
      if (plan.onDeadline === 'escalate') {
        deadline += plan.deadlineSeconds * 1000;
        shown.escalations += 1;
        shown.deadlineAt = new Date(deadline).toISOString();
        await local.escalateVerificationTask(this.input, taskId, shown.deadlineAt);
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
      shown.decision = fallback.decision;
      await local.closeVerificationTask(this.input, fallback, 'expired');
      return fallback;
    }
  }

  private accept(decision: ReviewDecision) {
    if (!this.review) throw ApplicationFailure.nonRetryable('no review is open', 'task_not_found');
    this.review.decision = decision;
    if (this.progress.review) this.progress.review.decision = decision.decision;
    return {
      taskId: decision.taskId,
      decision: decision.decision,
      outcome: decision.decision === 'reject' ? ('rejected' as const) : ('indexing' as const),
    };
  }

  private validate(decision: ReviewDecision): void {
    const review = this.review;
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
  }
}
