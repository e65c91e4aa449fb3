import type { Client } from '@temporalio/client';
import { MissionflowError } from '../domain/errors';
import { planSections } from '../domain/sections';
import { verificationTaskId } from '../domain/verification';
import type { DocumentRecord, DocumentStore } from '../stores/relational/documents';
import type { SectionRecord, SectionStore } from '../stores/relational/sections';
import type { StepLog, StepRecord } from '../stores/relational/step-log';
import type { VerificationStore, VerificationTask } from '../stores/relational/verification';
import { readRunProgress, type RunProgress } from './progress';

/** Statuses whose run is still going: their view includes the run's live progress. */
const unfinished = new Set(['received', 'processing', 'awaiting_review']);

/** Everything known about one document: its row, step log, live run, review and sections. */
export interface DocumentDetail {
  document: DocumentRecord;
  steps: StepRecord[];
  progress: RunProgress | null;
  review: VerificationTask | null;
  corrections: Awaited<ReturnType<VerificationStore['corrections']>>;
  /** A long PDF's sections on the deep lane: planned, done, and each one's state. */
  sections: { total: number; done: number; list: SectionRecord[] } | null;
}

/** The document view: one document's detail, read from the stores and from its Temporal run. */
export class DocumentView {
  constructor(
    private readonly deps: {
      documents: DocumentStore;
      steps: StepLog;
      verification: VerificationStore;
      sections: SectionStore;
      client: Client;
    },
  ) {}

  async read(missionId: string, documentId: string): Promise<DocumentDetail> {
    const { documents, verification } = this.deps;
    const document = await documents.get(missionId, documentId);
    if (!document)
      throw new MissionflowError('document_not_found', `document '${documentId}' does not exist`);
    const [steps, progress, review, corrections, sections] = await Promise.all([
      this.deps.steps.steps(missionId, documentId),
      unfinished.has(document.status) ? readRunProgress(this.deps.client, document.workflowId) : null,
      verification.get(missionId, verificationTaskId(documentId, document.contentVersion)),
      verification.corrections(missionId, documentId),
      this.deps.sections.list(missionId, documentId, document.contentVersion),
    ]);
    const planned = document.lane === 'deep' ? planSections(document.pageCount ?? 0).length : 0;
    return {
      document,
      steps,
      progress,
      review,
      corrections,
      sections:
        sections.length > 0 || planned > 1
          ? {
              total: planned,
              done: sections.filter((section) => section.status === 'done').length,
              list: sections,
            }
          : null,
    };
  }
}
