import {
  getExternalWorkflowHandle,
  proxyActivities,
  upsertSearchAttributes,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { DeletionActivities } from '../activities/deletion';
import type { DeletionInput } from '../domain/documents';
import { IngestStatusKey } from '../domain/search-attributes';

// Transient store faults are retried with backoff until the budget ends: a deletion must finish.
const retry: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

const steps = proxyActivities<DeletionActivities>({
  startToCloseTimeout: '10m',
  scheduleToCloseTimeout: '24h',
  retry,
});

// Waiting for a cancelled run lasts as long as its running step takes to stop: it heartbeats.
const waits = proxyActivities<DeletionActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry,
});

export interface DeletionResult {
  missionId: string;
  documentId: string;
  status: 'deleted' | 'not_found';
  blobsRemoved: number;
}

/**
 * Removes a document from every store: out of search first (one transaction), then its ingest run
 * is cancelled and awaited, then vectors, graph, blobs and rows. Resumable after a crash at any
 * point; every step is idempotent.
 */
export async function deleteDocument(input: DeletionInput): Promise<DeletionResult> {
  const started = await steps.beginDeletion(input);
  if (!started.found) return { ...input, status: 'not_found', blobsRemoved: 0 };
  upsertSearchAttributes([{ key: IngestStatusKey, value: 'deleted' }]);
  try {
    await getExternalWorkflowHandle(started.ingestWorkflowId).cancel();
  } catch {
    // The run had already finished (or never started): nothing to stop.
  }
  // Purging while a cancelled step still writes would leave that step's vectors or nodes behind.
  await waits.waitForRunToClose(started.ingestWorkflowId);
  await steps.purgeDocumentData(input);
  const blobsRemoved = await steps.purgeDocumentBlobs(input, started.blobKeys);
  await steps.finishDeletion(input);
  return { ...input, status: 'deleted', blobsRemoved };
}
