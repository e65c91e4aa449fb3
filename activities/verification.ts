import type { IngestInput } from '../domain/documents';
import type { PiiType } from '../domain/pii';
import {
  verificationTaskId,
  type Corrections,
  type ReviewDecision,
  type ReviewReason,
} from '../domain/verification';
import type { Logger } from '../observability/logger';
import type { SearchCache } from '../stores/cache/search-cache';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentStore } from '../stores/relational/documents';
import type { VerificationStore } from '../stores/relational/verification';
import { requireDocument, requirePinnedCartridge } from './run-inputs';

export interface VerificationDependencies {
  documents: DocumentStore;
  cartridges: CartridgeStore;
  verification: VerificationStore;
  /** A rejected update takes the document out of search: cached answers must go. */
  cache: SearchCache;
  logger: Logger;
}

/** Whether a document needs a person, and the pinned cartridge's rules for the wait. */
export interface ReviewPlan {
  reasons: ReviewReason[];
  deadlineSeconds: number;
  onDeadline: 'escalate' | 'approve' | 'reject';
}

/**
 * The verification queue's side of the ingest workflow: deciding whether a document needs review,
 * opening its task, and recording what was decided. The waiting itself is the workflow's (a
 * durable condition with a timer), and decisions reach it as Temporal Updates.
 */
export function createVerificationActivities(deps: VerificationDependencies) {
  const { documents, cartridges, verification, cache } = deps;

  return {
    /** The cartridge's gates against what the pipeline measured. */
    async planReview(
      input: IngestInput,
      measured: { consensus: number; piiForReview: readonly PiiType[] },
    ): Promise<ReviewPlan> {
      const [cartridge, document] = await Promise.all([
        requirePinnedCartridge(cartridges, input),
        requireDocument(documents, input),
      ]);
      const gates = cartridge.verification;
      const reasons: ReviewReason[] = [];
      if (measured.consensus < gates.minConsensus) reasons.push('low_consensus');
      if ((document.classConfidence ?? 1) < gates.minClassConfidence) reasons.push('low_class_confidence');
      if (measured.piiForReview.length > 0) reasons.push('pii');
      return { reasons, deadlineSeconds: gates.deadlineSeconds, onDeadline: gates.onDeadline };
    },

    /** Opens (or finds) the task and marks the document `awaiting_review`. */
    async openVerificationTask(
      input: IngestInput,
      reasons: readonly ReviewReason[],
      workflowId: string,
      deadlineAt: string,
    ): Promise<{ taskId: string }> {
      const { contentVersion } = await requireDocument(documents, input);
      const task = await verification.open({
        missionId: input.missionId,
        taskId: verificationTaskId(input.documentId, contentVersion),
        documentId: input.documentId,
        contentVersion,
        workflowId,
        reasons,
        deadlineAt,
      });
      await documents.markAwaitingReview(input.missionId, input.documentId, reasons);
      deps.logger.info(
        { missionId: input.missionId, documentId: input.documentId, taskId: task.taskId, reasons },
        'document awaits review',
      );
      return { taskId: task.taskId };
    },

    async closeVerificationTask(
      input: IngestInput,
      decision: ReviewDecision,
      state: 'decided' | 'expired',
    ): Promise<void> {
      await verification.close(input.missionId, decision.taskId, decision, state);
      deps.logger.info(
        {
          missionId: input.missionId,
          documentId: input.documentId,
          taskId: decision.taskId,
          state,
          decision: decision.decision,
          by: decision.reviewer,
        },
        'verification task closed',
      );
    },

    async withdrawVerificationTask(input: IngestInput, taskId: string): Promise<void> {
      await verification.withdraw(input.missionId, taskId);
    },

    async escalateVerificationTask(input: IngestInput, taskId: string, deadlineAt: string): Promise<void> {
      await verification.escalate(input.missionId, taskId, deadlineAt);
      deps.logger.warn(
        { missionId: input.missionId, documentId: input.documentId, taskId, deadlineAt },
        'verification task escalated: no decision by its deadline',
      );
    },

    async rejectDocument(input: IngestInput, reason: string): Promise<void> {
      await documents.markRejected(input.missionId, input.documentId, reason);
      await cache.invalidateMission(input.missionId);
    },

    async applyClassification(input: IngestInput, corrections: Corrections): Promise<void> {
      await documents.applyClassification(input.missionId, input.documentId, {
        documentClass: corrections.documentClass,
        labels: corrections.labels,
      });
    },
  };
}

export type VerificationActivities = ReturnType<typeof createVerificationActivities>;
