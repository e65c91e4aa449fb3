import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DocumentStatus } from '../domain/documents';
import { IngestStatusKey, MissionIdKey } from '../domain/search-attributes';
import type { DocumentRecord } from '../stores/relational/documents';
import type { deleteDocument } from '../workflows/deletion';
import type { ingestDocument } from '../workflows/ingest';

/**
 * Starts a document's run under its business key, or joins the one already running (the conflict
 * policy), so duplicate submissions and retries converge on one run. A run that already finished
 * is left alone: its id is not reused.
 */
async function startOrJoin(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

function runAttributes(missionId: string, status: DocumentStatus) {
  return [
    { key: MissionIdKey, value: missionId },
    { key: IngestStatusKey, value: status },
  ];
}

/**
 * Starts the ingest run of the document's current version, or joins the one already running.
 * Shared by admission, the resume sweep, and a run handing over a queued update.
 */
export async function startIngestRun(
  client: Client,
  workflowTaskQueue: string,
  document: DocumentRecord,
): Promise<void> {
  await startOrJoin(() =>
    client.workflow.start<typeof ingestDocument>('ingestDocument', {
      taskQueue: workflowTaskQueue,
      workflowId: document.workflowId,
      args: [
        {
          missionId: document.missionId,
          documentId: document.documentId,
          cartridgeVersion: document.cartridgeVersion,
        },
      ],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: runAttributes(document.missionId, 'received'),
    }),
  );
}

/** Starts the deletion run of one content version of a document, or joins the one running. */
export async function startDeletionRun(
  client: Client,
  workflowTaskQueue: string,
  target: { missionId: string; documentId: string; workflowId: string },
): Promise<void> {
  await startOrJoin(() =>
    client.workflow.start<typeof deleteDocument>('deleteDocument', {
      taskQueue: workflowTaskQueue,
      workflowId: target.workflowId,
      args: [{ missionId: target.missionId, documentId: target.documentId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: runAttributes(target.missionId, 'deleted'),
    }),
  );
}
