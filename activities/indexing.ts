import type { IngestInput } from '../domain/documents';
import type { IngestContext } from './ingest-context';
import { currentWorkflowId, remoteActivityContext } from './step-runner';

export interface IndexResult {
  chunkCount: number;
  /** Whether older versions left anything for the clean-up step (absent in runs recorded before it). */
  supersededVersions?: boolean;
}

export interface CleanupResult {
  blobsRemoved: number;
}

/**
 * Steps `index`, `cleanup` and `handover`, and the run's end: the document searchable, older
 * versions gone, a queued update started; or the document marked failed or cancelled.
 */
export function createIndexingActivities(context: IngestContext) {
  const { deps, runStep, loadDocument } = context;
  const { documents, versions, metrics } = deps;

  return {
    async indexDocument(input: IngestInput): Promise<IndexResult> {
      return runStep(input, 'index', async () => {
        const document = await loadDocument(input);
        const chunkCount = await documents.markIndexed(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        // Search answers cached before this point no longer describe the mission's index.
        await deps.cache.invalidateMission(input.missionId);
        metrics.documentsIngested.inc({ mission: input.missionId });
        const supersededVersions = await versions.hasSupersededVersions(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        if (!supersededVersions) {
          const nothingToRemove: CleanupResult = { blobsRemoved: 0 };
          await deps.steps.recordSkipped(input.missionId, input.documentId, 'cleanup', nothingToRemove);
        }
        return { chunkCount, supersededVersions };
      });
    },

    /**
     * After the new content version is indexed (and searchable in its place), what is left of older
     * versions goes: vectors, graph contributions, chunks, and blobs nothing else uses. Idempotent.
     */
    async removeSupersededVersions(input: IngestInput): Promise<CleanupResult> {
      // Only the run of the current version cleans up: a run whose version was since replaced
      // must not remove what the newer one writes.
      const thisRun = remoteActivityContext()?.info.workflowExecution?.workflowId;
      const document = await loadDocument(input);
      if (document.status !== 'indexed' || document.workflowId !== thisRun) return { blobsRemoved: 0 };
      return runStep(input, 'cleanup', async () => {
        const keep = { exceptContentVersion: document.contentVersion };
        await deps.vectors.removeDocument(input.missionId, input.documentId, keep);
        await deps.graph.removeDocument(input.missionId, input.documentId, keep);
        const keys = await versions.removeSupersededChunks(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        let blobsRemoved = 0;
        for (const key of keys) {
          if (await versions.blobInUse(input.missionId, key)) continue;
          await deps.blobs.delete(key);
          blobsRemoved++;
        }
        await versions.forgetSupersededBlobs(input.missionId, input.documentId, keys);
        return { blobsRemoved };
      });
    },

    /**
     * The run's last step: an update queued while it ran becomes the next content version, and
     * that version's run is started. Idempotent (a retry starts the same run); a queued update that
     * misses this (a crash) is handed over by the API's periodic sweep instead.
     */
    async startQueuedUpdate(input: IngestInput): Promise<{ workflowId: string | null }> {
      // Outside Temporal (the in-process runner) there is no run to hand over from.
      const endingRun = currentWorkflowId();
      if (!endingRun) return { workflowId: null };
      const next = await versions.takeQueuedUpdate(input.missionId, input.documentId, endingRun);
      if (!next) return { workflowId: null };
      await deps.startIngest(next);
      deps.logger.info(
        { missionId: input.missionId, documentId: input.documentId, contentVersion: next.contentVersion },
        'queued update handed over',
      );
      return { workflowId: next.workflowId };
    },

    async markDocumentCancelled(input: IngestInput): Promise<void> {
      await documents.markCancelled(input.missionId, input.documentId);
      deps.logger.info(
        { missionId: input.missionId, documentId: input.documentId },
        'document run cancelled',
      );
    },

    async markDocumentFailed(input: IngestInput, code: string, message: string): Promise<void> {
      await documents.markFailed(input.missionId, input.documentId, code, message);
      metrics.documentsFailed.inc({ mission: input.missionId, code });
      deps.logger.warn(
        { missionId: input.missionId, documentId: input.documentId, code, message },
        'document failed',
      );
    },
  };
}
