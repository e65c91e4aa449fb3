import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IngestStep } from '../domain/pipeline';
import type { DecisionAccepted, ReviewDecision, ReviewReason } from '../domain/verification';

/**
 * The messages the ingest workflow answers: a reviewer's decision (an Update, validated before it
 * is accepted, so the caller learns whether it took) and its progress (a Query). Kept apart from the
 * workflow itself so the API can import the definitions without the workflow's code.
 */
export const decideReviewUpdate = defineUpdate<DecisionAccepted, [ReviewDecision]>('decideReview');

/** Where a run is, as the workflow itself knows it. */
export interface IngestProgress {
  /** The step being run, `review` while a person is awaited, or null before the first step. */
  step: IngestStep | null;
  lane: string | null;
  review: {
    taskId: string;
    reasons: ReviewReason[];
    /** When the current deadline passes (workflow time). */
    deadlineAt: string;
    escalations: number;
    decision: ReviewDecision['decision'] | null;
  } | null;
}

export const progressQuery = defineQuery<IngestProgress>('progress');
