/** Document lifecycle vocabulary shared by the API, the workflows and the stores. */
export const documentStatuses = [
  'received',
  'processing',
  'awaiting_review',
  'indexed',
  'rejected',
  'failed',
  'cancelled',
  'deleted',
] as const;

export type DocumentStatus = (typeof documentStatuses)[number];

/** Mission ids: lower-case letters, digits, '-' and '_', 1 to 48 characters. */
export const missionIdPattern = /^[a-z0-9_-]{1,48}$/;

/** Document ids are hex digests derived from (mission, sha256); see stores/ids.ts. */
export const documentIdPattern = /^[0-9a-f]{32}$/;

/**
 * Workflow ids are business keys, so a duplicate submission lands on the same run and the Web UI
 * can be searched by document.
 */
export function ingestWorkflowId(missionId: string, documentId: string, contentVersion = 1): string {
  // Version 1 keeps the id it always had; a document ingested again (after deletion) gets its own.
  const base = `ingest:${missionId}:${documentId}`;
  return contentVersion === 1 ? base : `${base}:v${contentVersion}`;
}

/** One deletion per content version: deleting again a document already deleted joins or finds it. */
export function deletionWorkflowId(missionId: string, documentId: string, contentVersion: number): string {
  return `delete:${missionId}:${documentId}:v${contentVersion}`;
}

/** What the deletion workflow needs: references only. */
export interface DeletionInput {
  missionId: string;
  documentId: string;
}

/** Everything the ingest workflow needs: references only, never document content (claim check). */
export interface IngestInput {
  missionId: string;
  documentId: string;
  /** Cartridge version pinned at admission; the whole run uses it. */
  cartridgeVersion: number;
}

export interface IngestResult {
  missionId: string;
  documentId: string;
  status: DocumentStatus;
  lane: string;
  documentClass: string;
  chunkCount: number;
}
