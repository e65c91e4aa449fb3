import { Context } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DeletionInput } from '../domain/documents';
import { isRunOpen } from '../temporal/runs';
import type { Logger } from '../observability/logger';
import type { BlobStore } from '../stores/blobs/blob-store';
import type { SearchCache } from '../stores/cache/search-cache';
import type { DocumentVersionStore } from '../stores/relational/document-versions';
import type { DocumentStore } from '../stores/relational/documents';
import type { GraphStore } from '../stores/graph/graph-store';
import type { VectorStore } from '../stores/vectors/vector-store';

export interface DeletionDependencies {
  documents: DocumentStore;
  versions: DocumentVersionStore;
  blobs: BlobStore;
  vectors: VectorStore;
  graph: GraphStore;
  cache: SearchCache;
  /** To see when a cancelled ingest run has really stopped. */
  workflows: WorkflowClient;
  logger: Logger;
  /** How often a live ingest run is asked whether it has closed (tests shorten it). */
  runPollMs?: number;
}

export interface DeletionStarted {
  found: boolean;
  contentVersion: number;
  /** The document's ingest run, to be cancelled if it is still going. */
  ingestWorkflowId: string;
  blobKeys: string[];
}

/**
 * The deletion workflow's activities. Each is idempotent (a retry or a resumed run repeats it
 * harmlessly): removing what is already gone is not an error in any store.
 */
export function createDeletionActivities(deps: DeletionDependencies) {
  const { documents, versions, blobs, vectors, graph, cache } = deps;
  return {
    /** Out of search at once (one transaction), and every cached answer of the mission forgotten. */
    async beginDeletion(input: DeletionInput): Promise<DeletionStarted> {
      const started = await documents.beginDeletion(input.missionId, input.documentId);
      await cache.invalidateMission(input.missionId);
      if (!started) return { found: false, contentVersion: 0, ingestWorkflowId: '', blobKeys: [] };
      deps.logger.info({ missionId: input.missionId, documentId: input.documentId }, 'document deleted');
      return {
        found: true,
        contentVersion: started.contentVersion,
        ingestWorkflowId: started.workflowId,
        blobKeys: started.blobKeys,
      };
    },

    /**
     * Returns once the ingest run is closed. Its steps wait for their own cancellation to complete,
     * so a closed run has no step still writing vectors, graph or chunks that the purge would miss.
     * A run that never existed is as good as closed.
     */
    async waitForRunToClose(workflowId: string): Promise<void> {
      const context = Context.current();
      while (await isRunOpen(deps.workflows, workflowId)) {
        context.heartbeat();
        // Rejects if this deletion is itself cancelled.
        await context.sleep(deps.runPollMs ?? 1_000);
      }
    },

    /** Vectors and graph contributions of every content version, then chunks and the step log. */
    async purgeDocumentData(input: DeletionInput): Promise<void> {
      const current = await documents.get(input.missionId, input.documentId);
      if (current && current.status !== 'deleted') {
        throw ApplicationFailure.nonRetryable('the document is no longer deleted', 'invalid_request');
      }
      await vectors.removeDocument(input.missionId, input.documentId);
      await graph.removeDocument(input.missionId, input.documentId);
    },

    /** The bytes (upload and parsed text) unless another document of the mission still uses them. */
    async purgeDocumentBlobs(input: DeletionInput, blobKeys: string[]): Promise<number> {
      let removed = 0;
      for (const key of blobKeys) {
        if (await versions.blobInUse(input.missionId, key, input.documentId)) continue;
        await blobs.delete(key);
        removed++;
      }
      return removed;
    },

    /** Last: the rows go and the tombstone records that every store is clean. */
    async finishDeletion(input: DeletionInput): Promise<void> {
      await documents.purgeDocument(input.missionId, input.documentId);
    },
  };
}

export type DeletionActivities = ReturnType<typeof createDeletionActivities>;
