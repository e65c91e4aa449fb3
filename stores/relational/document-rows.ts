import type { DocumentStatus } from '../../domain/documents';
import { isoTimeOrNull, type SqlClient, type SqlExecutor } from './sql';

// The documents table's row and its record: shared by the stores that read and write it.

/** The steps whose result names a parsed-text blob (`parsedKey`), as a SQL list. */
export const parsedTextStepsSql = `('parse', 'join', 'ocr', 'pii')`;

export interface NewDocument {
  missionId: string;
  documentId: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  title: string | null;
  metadata: Record<string, unknown>;
  blobKey: string;
  cartridgeVersion: number;
  workflowId: string;
  /** The caller's own key, unique per mission: new bytes under it make the next content version. */
  externalId?: string | null;
}

/**
 * New bytes under an external id that arrived while the current version's run was still going: the
 * next content version once that run ends. Only the latest is kept.
 */
export type QueuedUpdate = Pick<
  NewDocument,
  'sha256' | 'sizeBytes' | 'mediaType' | 'title' | 'metadata' | 'blobKey' | 'cartridgeVersion'
> & { queuedAt: string };

export interface DocumentRecord extends NewDocument {
  status: DocumentStatus;
  contentVersion: number;
  documentClass: string | null;
  lane: string | null;
  routingRule: string | null;
  chunkCount: number | null;
  textEncoding: string | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  indexedAt: string | null;
  /** When a deleted document was removed from every store (null while the deletion runs). */
  purgedAt: string | null;
  /** Blobs of earlier content versions, removed once the current version is indexed. */
  supersededBlobKeys: string[];
  /** How sure routing was of the class (1 after a reviewer set it). */
  classConfidence: number | null;
  /** The extractors' agreement (domain/consensus.ts), once the extract step has run. */
  consensus: unknown;
  /** What the PII scan found and did, once it has run. */
  pii: unknown;
  /** Labels a reviewer gave the document. */
  labels: string[];
  /** Pages of a PDF, read when it was routed. */
  pageCount: number | null;
  /** The language detected when it was routed (ISO 639-1). */
  language: string | null;
  /** An update waiting for the current version's run to end. */
  queuedUpdate: QueuedUpdate | null;
}

export interface DocumentPage {
  documents: DocumentRecord[];
  nextCursor: string | null;
}

export interface DocumentRow {
  mission_id: string;
  document_id: string;
  sha256: string;
  size_bytes: string | number;
  media_type: string;
  title: string | null;
  metadata: Record<string, unknown>;
  blob_key: string;
  status: DocumentStatus;
  cartridge_version: number;
  content_version: number;
  document_class: string | null;
  lane: string | null;
  routing_rule: string | null;
  chunk_count: number | null;
  text_encoding: string | null;
  error_code: string | null;
  error_message: string | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date | null;
  purged_at: Date | null;
  external_id: string | null;
  superseded_blob_keys: string[] | null;
  class_confidence: number | null;
  consensus: unknown;
  pii: unknown;
  labels: string[] | null;
  page_count: number | null;
  language: string | null;
  queued_update: QueuedUpdate | null;
}

export const iso = isoTimeOrNull;

export function toRecord(row: DocumentRow): DocumentRecord {
  return {
    missionId: row.mission_id,
    documentId: row.document_id,
    sha256: row.sha256,
    sizeBytes: Number(row.size_bytes),
    mediaType: row.media_type,
    title: row.title,
    metadata: row.metadata,
    blobKey: row.blob_key,
    status: row.status,
    cartridgeVersion: row.cartridge_version,
    contentVersion: row.content_version,
    documentClass: row.document_class,
    lane: row.lane,
    routingRule: row.routing_rule,
    chunkCount: row.chunk_count,
    textEncoding: row.text_encoding,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    workflowId: row.workflow_id,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    indexedAt: iso(row.indexed_at),
    purgedAt: iso(row.purged_at ?? null),
    externalId: row.external_id ?? null,
    supersededBlobKeys: row.superseded_blob_keys ?? [],
    classConfidence: row.class_confidence ?? null,
    consensus: row.consensus ?? null,
    pii: row.pii ?? null,
    labels: row.labels ?? [],
    pageCount: row.page_count ?? null,
    language: row.language ?? null,
    queuedUpdate: row.queued_update ?? null,
  };
}

/**
 * Keyset cursor over (created_at, document_id), opaque to clients. The timestamp is the database's
 * own text form at full (microsecond) precision: a millisecond ISO string would skip rows.
 */
export function encodeCursor(createdAtExact: string, documentId: string): string {
  return Buffer.from(JSON.stringify([createdAtExact, documentId])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through: an unreadable cursor is reported by the caller
  }
  return null;
}

/** Single statements, each in its own transaction scoped to the mission (row-level security). */
export function missionStatements(sql: SqlClient, missionId: string): SqlExecutor {
  return { query: (text, params) => sql.inMission(missionId, (tx) => tx.query(text, params)) };
}

export async function readDocument(
  sql: SqlClient,
  missionId: string,
  documentId: string,
): Promise<DocumentRecord | null> {
  const { rows } = await missionStatements(sql, missionId).query<DocumentRow>(
    'SELECT * FROM documents WHERE mission_id = $1 AND document_id = $2',
    [missionId, documentId],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A store over the documents table and its children: every statement scoped to one mission. */
export abstract class MissionScopedStore {
  constructor(protected readonly sql: SqlClient) {}

  protected scoped(missionId: string): SqlExecutor {
    return missionStatements(this.sql, missionId);
  }
}
