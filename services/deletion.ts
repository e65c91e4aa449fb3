import type { Client } from '@temporalio/client';
import { deletionWorkflowId } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import type { Logger } from '../observability/logger';
import type { SearchCache } from '../stores/cache/search-cache';
import type { DocumentStore } from '../stores/relational/documents';
import { startDeletionRun } from './runs';

export interface DeletionDependencies {
  documents: DocumentStore;
  /** Forgotten for a mission the moment one of its documents is deleted. */
  cache: SearchCache;
  client: Client;
  workflowTaskQueue: string;
  logger: Logger;
}

/** Deleting a document: out of search at once, then purged from every store by its workflow. */
export class DocumentDeletion {
  constructor(private readonly deps: DeletionDependencies) {}

  /**
   * Out of search before this answers (the deletion workflow's first step, run here too, is
   * idempotent), then the workflow purges every store. Deleting twice finds the same run.
   */
  async deleteDocument(missionId: string, documentId: string): Promise<{ workflowId: string }> {
    const { documents, logger } = this.deps;
    const document = await documents.get(missionId, documentId);
    if (!document)
      throw new MissionflowError('document_not_found', `document '${documentId}' does not exist`);
    await documents.beginDeletion(missionId, documentId);
    // With the cache down this must not stop the deletion half-begun: the workflow's first step
    // invalidates again, retrying until the cache answers, and a cache that cannot be reached
    // cannot serve a stale answer meanwhile.
    await this.deps.cache.invalidateMission(missionId).catch((error: unknown) => {
      logger.warn({ err: error, missionId, documentId }, 'search cache not invalidated; the deletion will');
    });
    const workflowId = deletionWorkflowId(missionId, documentId, document.contentVersion);
    await startDeletionRun(this.deps.client, this.deps.workflowTaskQueue, {
      missionId,
      documentId,
      workflowId,
    });
    logger.info({ missionId, documentId, workflowId }, 'document deletion started');
    return { workflowId };
  }
}
