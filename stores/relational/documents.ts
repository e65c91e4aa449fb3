import { ingestWorkflowId, type DocumentStatus, type IngestStep } from '../../domain/documents';
import { MissionflowError } from '../../domain/errors';
import type { Chunk } from '../../domain/chunking';
import { recordDocumentEvent } from './events';
import { isoTimeOrNull, type SqlClient, type SqlExecutor } from './sql';

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

export interface StepRecord {
  step: string;
  status: 'running' | 'done' | 'failed';
  executions: number;
  durationMs: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
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

export interface StoredChunk {
  chunkId: string;
  documentId: string;
  chunkIndex: number;
  text: string;
  heading: string | null;
  title: string | null;
}

interface DocumentRow {
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

const iso = isoTimeOrNull;

function toRecord(row: DocumentRow): DocumentRecord {
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
function encodeCursor(createdAtExact: string, documentId: string): string {
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

/**
 * Documents, their step log and their chunks. Every statement is scoped by mission_id, and every
 * write is keyed deterministically so retries and duplicate submissions are no-ops.
 */
export class DocumentStore {
  constructor(private readonly sql: SqlClient) {}

  /** Single statements, each in its own transaction scoped to the mission (row-level security). */
  private scoped(missionId: string): SqlExecutor {
    return { query: (text, params) => this.sql.inMission(missionId, (tx) => tx.query(text, params)) };
  }

  /** Records an admitted document; `created` is false when (mission, sha256) already existed. */
  /** `queued`: an update kept for when the current version's run ends (see `update`). */
  async admit(doc: NewDocument): Promise<{ created: boolean; document: DocumentRecord; queued?: boolean }> {
    const inserted = await this.sql.inMission(doc.missionId, async (tx) => {
      const result = await tx.query<DocumentRow>(
        `INSERT INTO documents (mission_id, document_id, sha256, size_bytes, media_type, title, metadata,
         blob_key, status, cartridge_version, workflow_id, external_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, 'received', $9, $10, $11)
       ON CONFLICT DO NOTHING
       RETURNING *`,
        [
          doc.missionId,
          doc.documentId,
          doc.sha256,
          doc.sizeBytes,
          doc.mediaType,
          doc.title,
          JSON.stringify(doc.metadata),
          doc.blobKey,
          doc.cartridgeVersion,
          doc.workflowId,
          doc.externalId ?? null,
        ],
      );
      if (result.rows[0]) {
        await recordDocumentEvent(tx, {
          missionId: doc.missionId,
          documentId: doc.documentId,
          kind: 'status',
        });
      }
      return result;
    });
    const created = inserted.rows[0];
    if (created) return { created: true, document: toRecord(created) };
    const existing = await this.get(doc.missionId, doc.documentId);
    if (!existing) throw new Error(`document ${doc.documentId} conflicted but cannot be read`);
    if (existing.status === 'deleted') return this.readmit(doc, existing);
    if (doc.externalId && existing.sha256 !== doc.sha256) return this.update(doc, existing);
    return { created: false, document: existing };
  }

  /**
   * New bytes under the same external id: the next content version. The current version stays
   * searchable until the new one is indexed (markIndexed swaps them in one transaction); its chunks,
   * vectors, graph part and blobs are removed afterwards (removeSupersededVersions). One version is
   * processed at a time: an update while the previous one is still processed is queued, and its run
   * hands it over when it ends (`takeQueuedUpdate`).
   */
  private async update(
    doc: NewDocument,
    current: DocumentRecord,
  ): Promise<{ created: boolean; document: DocumentRecord; queued?: boolean }> {
    if (
      current.status === 'received' ||
      current.status === 'processing' ||
      current.status === 'awaiting_review'
    ) {
      return { created: false, document: await this.queueUpdate(doc), queued: true };
    }
    return this.nextContentVersion(doc, current, { fromQueue: false });
  }

  /**
   * Keeps `doc` as the update to make once the current version's run has ended; a later one
   * replaces it (last writer wins), and the replaced bytes join the superseded blobs, removed with
   * the older versions' once a newer version is indexed.
   */
  async queueUpdate(doc: NewDocument): Promise<DocumentRecord> {
    const queued: Omit<QueuedUpdate, 'queuedAt'> = {
      sha256: doc.sha256,
      sizeBytes: doc.sizeBytes,
      mediaType: doc.mediaType,
      title: doc.title,
      metadata: doc.metadata,
      blobKey: doc.blobKey,
      cartridgeVersion: doc.cartridgeVersion,
    };
    const { rows } = await this.scoped(doc.missionId).query<DocumentRow>(
      `UPDATE documents SET
         superseded_blob_keys = CASE
           WHEN queued_update IS NULL OR queued_update->>'blobKey' = $4 THEN superseded_blob_keys
           ELSE superseded_blob_keys || ARRAY[queued_update->>'blobKey'] END,
         queued_update = $3::jsonb || jsonb_build_object('queuedAt', now()), updated_at = now()
       WHERE mission_id = $1 AND document_id = $2 AND status <> 'deleted'
       RETURNING *`,
      [doc.missionId, doc.documentId, JSON.stringify(queued), doc.blobKey],
    );
    const row = rows[0];
    if (!row) {
      throw new MissionflowError(
        'deletion_in_progress',
        `document ${doc.documentId} is being deleted; send it again once the deletion has finished`,
      );
    }
    return toRecord(row);
  }

  /**
   * The current version's bytes were sent again after an update was queued: the latest word is
   * the current version, so the queued update is dropped (its bytes join the superseded blobs).
   */
  async dropQueuedUpdate(missionId: string, documentId: string): Promise<void> {
    await this.scoped(missionId).query(
      `UPDATE documents SET
         superseded_blob_keys = CASE WHEN queued_update->>'blobKey' = blob_key THEN superseded_blob_keys
           ELSE superseded_blob_keys || ARRAY[queued_update->>'blobKey'] END,
         queued_update = NULL, updated_at = now()
       WHERE mission_id = $1 AND document_id = $2 AND queued_update IS NOT NULL`,
      [missionId, documentId],
    );
  }

  /**
   * Called as the run `endingWorkflowId` ends: its queued update becomes the next content version
   * (answered, for its run to be started). Idempotent: asked again by the same run after the update
   * was made, it answers that version again; asked by any other run, or with nothing queued, null.
   */
  async takeQueuedUpdate(
    missionId: string,
    documentId: string,
    endingWorkflowId: string,
  ): Promise<DocumentRecord | null> {
    const current = await this.get(missionId, documentId);
    if (!current || current.status === 'deleted') return null;
    const previousRun = ingestWorkflowId(missionId, documentId, current.contentVersion - 1);
    if (current.contentVersion > 1 && previousRun === endingWorkflowId && current.status === 'received') {
      return current;
    }
    const queued = current.queuedUpdate;
    if (!queued || current.workflowId !== endingWorkflowId) return null;
    const { queuedAt: _queuedAt, ...fields } = queued;
    const next = await this.nextContentVersion(
      { ...fields, missionId, documentId, workflowId: current.workflowId, externalId: current.externalId },
      current,
      { fromQueue: true },
    );
    return next.created ? next.document : null;
  }

  /** Documents of the mission with an update queued (for the sweep that hands over what a run did not). */
  async listQueuedUpdates(missionId: string, limit = 1000): Promise<DocumentRecord[]> {
    const { rows } = await this.scoped(missionId).query<DocumentRow>(
      `SELECT * FROM documents WHERE mission_id = $1 AND queued_update IS NOT NULL AND status <> 'deleted'
       ORDER BY updated_at LIMIT $2`,
      [missionId, limit],
    );
    return rows.map(toRecord);
  }

  /**
   * The same bytes sent again after the document was deleted: once the deletion has purged every
   * store, the document comes back as its next content version with a run of its own; before that,
   * the purge could remove what the new run writes, so the caller is told to retry.
   */
  private async readmit(
    doc: NewDocument,
    deleted: DocumentRecord,
  ): Promise<{ created: boolean; document: DocumentRecord }> {
    if (!deleted.purgedAt) {
      throw new MissionflowError(
        'deletion_in_progress',
        `document ${doc.documentId} is being deleted; send it again once the deletion has finished`,
      );
    }
    return this.nextContentVersion(doc, deleted, { fromQueue: false });
  }

  /**
   * Makes `doc` the document's next content version with a run of its own (ingest:...:v<N>). A
   * direct update is newer than anything queued, so it drops the queue; one taken from the queue
   * drops only itself (a newer update may have been queued meanwhile).
   */
  private async nextContentVersion(
    doc: NewDocument,
    previous: DocumentRecord,
    options: { fromQueue: boolean },
  ): Promise<{ created: boolean; document: DocumentRecord }> {
    const version = previous.contentVersion + 1;
    const result = await this.sql.inMission(doc.missionId, async (tx) => {
      // The step log describes one version's run: the next version starts a fresh one. What the
      // old run parsed is kept in superseded_blob_keys, so its blobs can be removed later.
      const parsed = await tx.query<{ key: string | null }>(
        `SELECT DISTINCT result->>'parsedKey' AS key FROM document_steps
         WHERE mission_id = $1 AND document_id = $2 AND step IN ('parse', 'ocr', 'pii')`,
        [doc.missionId, doc.documentId],
      );
      const superseded =
        previous.status === 'deleted'
          ? []
          : [previous.blobKey, ...parsed.rows.flatMap((row) => (row.key ? [row.key] : []))];
      const { rows } = await tx.query<DocumentRow>(
        `UPDATE documents SET status = 'received', content_version = $3, workflow_id = $4, cartridge_version = $5,
           title = $6, metadata = $7::jsonb, media_type = $8, blob_key = $9, sha256 = $11, size_bytes = $12,
           superseded_blob_keys = superseded_blob_keys || $13::text[] || CASE
             WHEN queued_update IS NULL OR $14 OR queued_update->>'blobKey' = $9 THEN ARRAY[]::text[]
             ELSE ARRAY[queued_update->>'blobKey'] END,
           queued_update = CASE WHEN $14 AND queued_update->>'sha256' <> $11 THEN queued_update END,
           document_class = NULL, lane = NULL, routing_rule = NULL, text_encoding = NULL, error_code = NULL,
           error_message = NULL, purged_at = NULL, updated_at = now()
         WHERE mission_id = $1 AND document_id = $2 AND content_version = $10
         RETURNING *`,
        [
          doc.missionId,
          doc.documentId,
          version,
          ingestWorkflowId(doc.missionId, doc.documentId, version),
          doc.cartridgeVersion,
          doc.title,
          JSON.stringify(doc.metadata),
          doc.mediaType,
          doc.blobKey,
          previous.contentVersion,
          doc.sha256,
          doc.sizeBytes,
          superseded,
          options.fromQueue,
        ],
      );
      if (rows[0]) {
        await tx.query('DELETE FROM document_steps WHERE mission_id = $1 AND document_id = $2', [
          doc.missionId,
          doc.documentId,
        ]);
        await tx.query('DELETE FROM document_sections WHERE mission_id = $1 AND document_id = $2', [
          doc.missionId,
          doc.documentId,
        ]);
        await recordDocumentEvent(tx, {
          missionId: doc.missionId,
          documentId: doc.documentId,
          kind: 'status',
          detail: { contentVersion: version },
        });
      }
      return rows[0];
    });
    // A concurrent submission made the next version first: this one is its duplicate.
    if (!result)
      return { created: false, document: (await this.get(doc.missionId, doc.documentId)) ?? previous };
    return { created: true, document: toRecord(result) };
  }

  async get(missionId: string, documentId: string): Promise<DocumentRecord | null> {
    const { rows } = await this.scoped(missionId).query<DocumentRow>(
      'SELECT * FROM documents WHERE mission_id = $1 AND document_id = $2',
      [missionId, documentId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(
    missionId: string,
    options: { status?: DocumentStatus; limit: number; cursor?: [string, string] },
  ): Promise<DocumentPage> {
    const params: unknown[] = [missionId];
    let where = 'mission_id = $1';
    if (options.status) {
      params.push(options.status);
      where += ` AND status = $${params.length}`;
    }
    if (options.cursor) {
      params.push(options.cursor[0], options.cursor[1]);
      where += ` AND (created_at, document_id) < ($${params.length - 1}::timestamptz, $${params.length})`;
    }
    params.push(options.limit + 1);
    const { rows } = await this.scoped(missionId).query<DocumentRow & { created_at_exact: string }>(
      `SELECT *, created_at::text AS created_at_exact FROM documents WHERE ${where}
       ORDER BY created_at DESC, document_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return {
      documents: page.map(toRecord),
      nextCursor:
        rows.length > options.limit && last ? encodeCursor(last.created_at_exact, last.document_id) : null,
    };
  }

  /** Documents accepted but whose run may never have started (e.g. a crash right after admission). */
  async listUnstarted(missionId: string, limit = 1000): Promise<DocumentRecord[]> {
    const { rows } = await this.scoped(missionId).query<DocumentRow>(
      `SELECT * FROM documents WHERE mission_id = $1 AND status = 'received' ORDER BY created_at LIMIT $2`,
      [missionId, limit],
    );
    return rows.map(toRecord);
  }

  async recordRouting(
    missionId: string,
    documentId: string,
    routing: { documentClass: string; lane: string; rule: string | null; confidence: number },
    opening?: { pageCount: number | null; language: string | null },
  ): Promise<void> {
    await this.changed(
      missionId,
      documentId,
      { kind: 'status', detail: { lane: routing.lane, documentClass: routing.documentClass } },
      `UPDATE documents SET document_class = $3, lane = $4, routing_rule = $5, class_confidence = $6,
         page_count = COALESCE($7, page_count), language = COALESCE($8, language),
         status = CASE WHEN status = 'received' THEN 'processing' ELSE status END, updated_at = now()
       WHERE mission_id = $1 AND document_id = $2`,
      [
        missionId,
        documentId,
        routing.documentClass,
        routing.lane,
        routing.rule,
        routing.confidence,
        opening?.pageCount ?? null,
        opening?.language ?? null,
      ],
    );
  }

  async recordEncoding(missionId: string, documentId: string, encoding: string | null): Promise<void> {
    await this.scoped(missionId).query(
      'UPDATE documents SET text_encoding = $3, updated_at = now() WHERE mission_id = $1 AND document_id = $2',
      [missionId, documentId, encoding],
    );
  }

  /** Makes this content version's chunks the searchable ones and the document indexed, atomically. */
  async markIndexed(missionId: string, documentId: string, contentVersion: number): Promise<number> {
    return this.sql.inMission(missionId, async (tx) => {
      // A document deleted while its run was finishing stays deleted and out of search.
      const { rows: current } = await tx.query<{ status: string }>(
        'SELECT status FROM documents WHERE mission_id = $1 AND document_id = $2 FOR UPDATE',
        [missionId, documentId],
      );
      if (current[0]?.status === 'deleted') return 0;
      // One statement swaps versions: this one becomes searchable as every other one stops being,
      // so search shows the old version or the new one, never both and never neither.
      await tx.query(
        `UPDATE chunks SET searchable = (content_version = $3)
         WHERE mission_id = $1 AND document_id = $2 AND searchable IS DISTINCT FROM (content_version = $3)`,
        [missionId, documentId, contentVersion],
      );
      const { rows } = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version = $3`,
        [missionId, documentId, contentVersion],
      );
      const chunkCount = rows[0]?.n ?? 0;
      await tx.query(
        `UPDATE documents SET status = 'indexed', chunk_count = $3, error_code = NULL, error_message = NULL,
           indexed_at = COALESCE(indexed_at, now()), updated_at = now()
         WHERE mission_id = $1 AND document_id = $2`,
        [missionId, documentId, chunkCount],
      );
      await recordDocumentEvent(tx, { missionId, documentId, kind: 'status', detail: { chunkCount } });
      return chunkCount;
    });
  }

  /** A cancelled run; a document that already finished keeps its status. */
  async markCancelled(missionId: string, documentId: string): Promise<void> {
    await this.changed(
      missionId,
      documentId,
      { kind: 'status' },
      `UPDATE documents SET status = 'cancelled', updated_at = now()
       WHERE mission_id = $1 AND document_id = $2 AND status IN ('received', 'processing', 'awaiting_review')`,
      [missionId, documentId],
    );
  }

  async markFailed(missionId: string, documentId: string, code: string, message: string): Promise<void> {
    await this.changed(
      missionId,
      documentId,
      { kind: 'status', detail: { code } },
      `UPDATE documents SET status = 'failed', error_code = $3, error_message = $4, updated_at = now()
       WHERE mission_id = $1 AND document_id = $2 AND status <> 'deleted'`,
      [missionId, documentId, code, message.slice(0, 2000)],
    );
  }

  /** The document waits for a reviewer; its chunks stay unsearchable until a decision. */
  async markAwaitingReview(missionId: string, documentId: string, reasons: readonly string[]): Promise<void> {
    await this.changed(
      missionId,
      documentId,
      { kind: 'status', detail: { reasons } },
      `UPDATE documents SET status = 'awaiting_review', updated_at = now()
       WHERE mission_id = $1 AND document_id = $2 AND status IN ('processing', 'awaiting_review')`,
      [missionId, documentId],
    );
  }

  /**
   * A reviewer (or the deadline's default) rejected the document: it is never indexed, and an
   * update rejected this way takes the earlier version out of search too (the document as a whole
   * is `rejected`; its rows stay until it is deleted).
   */
  async markRejected(missionId: string, documentId: string, reason: string): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query(
        `UPDATE documents SET status = 'rejected', error_code = 'rejected', error_message = $3,
           chunk_count = NULL, updated_at = now()
         WHERE mission_id = $1 AND document_id = $2 AND status IN ('processing', 'awaiting_review')
         RETURNING 1`,
        [missionId, documentId, reason.slice(0, 2000)],
      );
      if (rows.length === 0) return;
      await tx.query('UPDATE chunks SET searchable = false WHERE mission_id = $1 AND document_id = $2', [
        missionId,
        documentId,
      ]);
      await recordDocumentEvent(tx, { missionId, documentId, kind: 'status', detail: { reason } });
    });
  }

  /** The extractors' agreement and the PII scan's findings, shown with the document. */
  async recordQuality(
    missionId: string,
    documentId: string,
    quality: { consensus?: unknown; pii?: unknown },
  ): Promise<void> {
    await this.scoped(missionId).query(
      `UPDATE documents SET consensus = COALESCE($3::jsonb, consensus), pii = COALESCE($4::jsonb, pii),
         updated_at = now()
       WHERE mission_id = $1 AND document_id = $2`,
      [
        missionId,
        documentId,
        quality.consensus === undefined ? null : JSON.stringify(quality.consensus),
        quality.pii === undefined ? null : JSON.stringify(quality.pii),
      ],
    );
  }

  /** A reviewer's corrections of the class and labels. */
  async applyClassification(
    missionId: string,
    documentId: string,
    change: { documentClass?: string; labels?: readonly string[] },
  ): Promise<void> {
    await this.scoped(missionId).query(
      `UPDATE documents SET document_class = COALESCE($3, document_class), labels = COALESCE($4::text[], labels),
         class_confidence = CASE WHEN $3::text IS NULL THEN class_confidence ELSE 1 END, updated_at = now()
       WHERE mission_id = $1 AND document_id = $2`,
      [missionId, documentId, change.documentClass ?? null, change.labels ? [...change.labels] : null],
    );
  }

  /** One UPDATE of a document and, if it changed a row, its event, in one transaction. */
  private async changed(
    missionId: string,
    documentId: string,
    event: { kind: 'status' | 'step'; step?: string; detail?: Record<string, unknown> },
    text: string,
    params: unknown[],
  ): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query(`${text} RETURNING 1`, params);
      if (rows.length > 0) await recordDocumentEvent(tx, { missionId, documentId, ...event });
    });
  }

  // ---- deletion: out of search at once, then purged from every store ----

  /**
   * Marks the document deleted and its chunks unsearchable, in one transaction: from here on no
   * search returns it. Answers what the purge needs (null if there is no such document).
   */
  async beginDeletion(
    missionId: string,
    documentId: string,
  ): Promise<{ contentVersion: number; workflowId: string; blobKeys: string[] } | null> {
    return this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query<{
        content_version: number;
        workflow_id: string;
        blob_key: string;
        queued_blob_key: string | null;
      }>(
        `UPDATE documents d SET status = 'deleted', queued_update = NULL, updated_at = now()
         FROM (SELECT queued_update->>'blobKey' AS key FROM documents
               WHERE mission_id = $1 AND document_id = $2) queued
         WHERE d.mission_id = $1 AND d.document_id = $2
         RETURNING d.content_version, d.workflow_id, d.blob_key, queued.key AS queued_blob_key`,
        [missionId, documentId],
      );
      const document = rows[0];
      if (!document) return null;
      await recordDocumentEvent(tx, { missionId, documentId, kind: 'status' });
      await tx.query('UPDATE chunks SET searchable = false WHERE mission_id = $1 AND document_id = $2', [
        missionId,
        documentId,
      ]);
      const parsed = await tx.query<{ key: string | null }>(
        `SELECT DISTINCT result->>'parsedKey' AS key FROM document_steps
         WHERE mission_id = $1 AND document_id = $2 AND step IN ('parse', 'ocr', 'pii')`,
        [missionId, documentId],
      );
      const derived = parsed.rows.flatMap((row) => (row.key ? [row.key] : []));
      return {
        contentVersion: document.content_version,
        workflowId: document.workflow_id,
        blobKeys: [
          document.blob_key,
          ...derived,
          ...(document.queued_blob_key ? [document.queued_blob_key] : []),
        ],
      };
    });
  }

  /**
   * Whether a live document of the mission (other than `exceptDocumentId`, if given) still uses the
   * blob, as its upload, its queued update or its parsed text.
   */
  async blobInUse(missionId: string, blobKey: string, exceptDocumentId = ''): Promise<boolean> {
    const { rows } = await this.scoped(missionId).query(
      `SELECT 1 FROM documents d WHERE d.mission_id = $1 AND d.document_id <> $3 AND d.status <> 'deleted'
         AND (d.blob_key = $2 OR d.queued_update->>'blobKey' = $2 OR EXISTS (SELECT 1 FROM document_steps s
              WHERE s.mission_id = d.mission_id AND s.document_id = d.document_id
                AND s.step IN ('parse', 'ocr', 'pii') AND s.result->>'parsedKey' = $2))
       LIMIT 1`,
      [missionId, blobKey, exceptDocumentId],
    );
    return rows.length > 0;
  }

  /**
   * After a new content version is indexed: chunks of older versions go, and the blobs they came
   * from are handed back for removal (the caller checks no other document uses them). Idempotent.
   */
  async removeSupersededChunks(
    missionId: string,
    documentId: string,
    contentVersion: number,
  ): Promise<string[]> {
    return this.sql.inMission(missionId, async (tx) => {
      await tx.query(
        // Only older versions: a newer one may be on its way in.
        `DELETE FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version < $3 AND NOT searchable`,
        [missionId, documentId, contentVersion],
      );
      const { rows } = await tx.query<{ keys: string[] }>(
        `SELECT superseded_blob_keys AS keys FROM documents WHERE mission_id = $1 AND document_id = $2`,
        [missionId, documentId],
      );
      return rows[0]?.keys ?? [];
    });
  }

  /** The superseded blobs are gone (or still used elsewhere): forget them. */
  async forgetSupersededBlobs(missionId: string, documentId: string, keys: readonly string[]): Promise<void> {
    await this.scoped(missionId).query(
      `UPDATE documents SET superseded_blob_keys = ARRAY(
         SELECT k FROM unnest(superseded_blob_keys) k WHERE NOT (k = ANY($3::text[])))
       WHERE mission_id = $1 AND document_id = $2`,
      [missionId, documentId, keys],
    );
  }

  /** Removes a deleted document's chunks and step log; the row stays as a `deleted` tombstone. */
  async purgeDocument(missionId: string, documentId: string): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query<{ status: string }>(
        'SELECT status FROM documents WHERE mission_id = $1 AND document_id = $2 FOR UPDATE',
        [missionId, documentId],
      );
      if (rows[0]?.status !== 'deleted') return;
      await tx.query('DELETE FROM chunks WHERE mission_id = $1 AND document_id = $2', [
        missionId,
        documentId,
      ]);
      await tx.query('DELETE FROM document_steps WHERE mission_id = $1 AND document_id = $2', [
        missionId,
        documentId,
      ]);
      await tx.query('DELETE FROM document_sections WHERE mission_id = $1 AND document_id = $2', [
        missionId,
        documentId,
      ]);
      await tx.query(
        `UPDATE documents SET purged_at = COALESCE(purged_at, now()), chunk_count = NULL
         WHERE mission_id = $1 AND document_id = $2`,
        [missionId, documentId],
      );
    });
  }

  // ---- step log: what each step produced, so a resumed run never redoes a finished step ----

  async stepResult<T>(missionId: string, documentId: string, step: IngestStep): Promise<T | null> {
    const { rows } = await this.scoped(missionId).query<{ result: T }>(
      `SELECT result FROM document_steps WHERE mission_id = $1 AND document_id = $2 AND step = $3 AND status = 'done'`,
      [missionId, documentId, step],
    );
    return rows[0] ? rows[0].result : null;
  }

  async beginStep(missionId: string, documentId: string, step: IngestStep): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'running' },
      `INSERT INTO document_steps (mission_id, document_id, step, status, executions, started_at)
       VALUES ($1, $2, $3, 'running', 1, now())
       ON CONFLICT (mission_id, document_id, step) DO UPDATE
         SET status = 'running', executions = document_steps.executions + 1,
             started_at = COALESCE(document_steps.started_at, now())`,
      [missionId, documentId, step],
    );
  }

  /** A write to the step log and the step's event, in one transaction. */
  private async changedStep(
    missionId: string,
    documentId: string,
    step: IngestStep,
    detail: Record<string, unknown>,
    text: string,
    params: unknown[],
  ): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      await tx.query(text, params);
      await recordDocumentEvent(tx, { missionId, documentId, kind: 'step', step, detail });
    });
  }

  async completeStep(
    missionId: string,
    documentId: string,
    step: IngestStep,
    result: unknown,
  ): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'done' },
      `UPDATE document_steps SET status = 'done', result = $4::jsonb, last_error = NULL, finished_at = now(),
         duration_ms = GREATEST(0, (EXTRACT(EPOCH FROM (now() - started_at)) * 1000)::int)
       WHERE mission_id = $1 AND document_id = $2 AND step = $3`,
      [missionId, documentId, step, JSON.stringify(result)],
    );
  }

  async failStep(missionId: string, documentId: string, step: IngestStep, error: string): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'failed', error: error.slice(0, 500) },
      `UPDATE document_steps SET status = 'failed', last_error = $4
       WHERE mission_id = $1 AND document_id = $2 AND step = $3`,
      [missionId, documentId, step, error.slice(0, 2000)],
    );
  }

  async steps(missionId: string, documentId: string): Promise<StepRecord[]> {
    const { rows } = await this.scoped(missionId).query<{
      step: string;
      status: StepRecord['status'];
      executions: number;
      duration_ms: number | null;
      started_at: Date | null;
      finished_at: Date | null;
      last_error: string | null;
    }>(
      `SELECT step, status, executions, duration_ms, started_at, finished_at, last_error FROM document_steps
       WHERE mission_id = $1 AND document_id = $2 ORDER BY started_at NULLS LAST, step`,
      [missionId, documentId],
    );
    return rows.map((row) => ({
      step: row.step,
      status: row.status,
      executions: row.executions,
      durationMs: row.duration_ms,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
      lastError: row.last_error,
    }));
  }

  // ---- chunks ----

  /**
   * Writes chunks with their full-text vectors in multi-row statements; keyed by
   * (mission, document, content version, index) so a retried step inserts nothing twice.
   */
  async insertChunks(
    missionId: string,
    documentId: string,
    contentVersion: number,
    chunks: readonly Chunk[],
    language: string,
  ): Promise<void> {
    const batchSize = 200;
    await this.sql.inMission(missionId, async (tx) => {
      for (let start = 0; start < chunks.length; start += batchSize) {
        const batch = chunks.slice(start, start + batchSize);
        const params: unknown[] = [missionId, documentId, contentVersion, language];
        const values = batch.map((chunk) => {
          params.push(
            chunk.index,
            chunkIdFor(documentId, contentVersion, chunk.index),
            chunk.heading,
            chunk.text,
          );
          const n = params.length;
          return `($1, $2, $3, $${n - 3}, $${n - 2}, $${n - 1}, $${n},
            setweight(to_tsvector($4::regconfig, coalesce($${n - 1}, '')), 'A') ||
            setweight(to_tsvector($4::regconfig, $${n}), 'B'))`;
        });
        await tx.query(
          `INSERT INTO chunks (mission_id, document_id, content_version, chunk_index, chunk_id, heading, text, search_vector)
           VALUES ${values.join(', ')}
           ON CONFLICT DO NOTHING`,
          params,
        );
      }
    });
  }

  async countChunks(missionId: string, documentId: string, contentVersion: number): Promise<number> {
    const { rows } = await this.scoped(missionId).query<{ n: number }>(
      'SELECT count(*)::int AS n FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version = $3',
      [missionId, documentId, contentVersion],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Chunks not yet embedded by `model`, in index order, so embedding resumes where it stopped.
   * `embedding_model` records that the vector store holds the chunk's vector, wherever it lives.
   */
  async chunksToEmbed(
    missionId: string,
    documentId: string,
    contentVersion: number,
    model: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; chunkIndex: number; text: string; heading: string | null }>> {
    const { rows } = await this.scoped(missionId).query<{
      chunk_id: string;
      chunk_index: number;
      text: string;
      heading: string | null;
    }>(
      `SELECT chunk_id, chunk_index, text, heading FROM chunks
       WHERE mission_id = $1 AND document_id = $2 AND content_version = $3
         AND embedding_model IS DISTINCT FROM $4
       ORDER BY chunk_index LIMIT $5`,
      [missionId, documentId, contentVersion, model, limit],
    );
    return rows.map((row) => ({
      chunkId: row.chunk_id,
      chunkIndex: row.chunk_index,
      text: row.text,
      heading: row.heading,
    }));
  }

  /** Records that the vector store now holds these chunks' vectors from `model`. */
  async markEmbedded(missionId: string, chunkIds: readonly string[], model: string): Promise<void> {
    if (chunkIds.length === 0) return;
    await this.scoped(missionId).query(
      `UPDATE chunks SET embedding_model = $3
       WHERE mission_id = $1 AND chunk_id = ANY($2::text[]) AND embedding_model IS DISTINCT FROM $3`,
      [missionId, chunkIds, model],
    );
  }

  /** Every chunk of one content version, in order: what the entity extractors read. */
  async chunkTexts(
    missionId: string,
    documentId: string,
    contentVersion: number,
  ): Promise<Array<{ chunkIndex: number; text: string }>> {
    const { rows } = await this.scoped(missionId).query<{ chunk_index: number; text: string }>(
      `SELECT chunk_index, text FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version = $3
       ORDER BY chunk_index`,
      [missionId, documentId, contentVersion],
    );
    return rows.map((row) => ({ chunkIndex: row.chunk_index, text: row.text }));
  }

  /** Searchable chunks by id, with their document title, for search results. */
  async chunksById(missionId: string, chunkIds: readonly string[]): Promise<Map<string, StoredChunk>> {
    if (chunkIds.length === 0) return new Map();
    const { rows } = await this.scoped(missionId).query<{
      chunk_id: string;
      document_id: string;
      chunk_index: number;
      text: string;
      heading: string | null;
      title: string | null;
    }>(
      `SELECT c.chunk_id, c.document_id, c.chunk_index, c.text, c.heading, d.title
       FROM chunks c JOIN documents d ON d.mission_id = c.mission_id AND d.document_id = c.document_id
       WHERE c.mission_id = $1 AND c.chunk_id = ANY($2::text[]) AND c.searchable`,
      [missionId, chunkIds],
    );
    return new Map(
      rows.map((row) => [
        row.chunk_id,
        {
          chunkId: row.chunk_id,
          documentId: row.document_id,
          chunkIndex: row.chunk_index,
          text: row.text,
          heading: row.heading,
          title: row.title,
        },
      ]),
    );
  }

  /** Lexical candidates: Postgres full-text search, ranked by cover density. */
  async searchLexical(
    missionId: string,
    query: string,
    language: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; rank: number }>> {
    const { rows } = await this.scoped(missionId).query<{ chunk_id: string; rank: number }>(
      `SELECT c.chunk_id, ts_rank_cd(c.search_vector, q) AS rank
       FROM chunks c, websearch_to_tsquery($2::regconfig, $3) q
       WHERE c.mission_id = $1 AND c.searchable AND c.search_vector @@ q
       ORDER BY rank DESC, c.chunk_id
       LIMIT $4`,
      [missionId, language, query, limit],
    );
    return rows.map((row) => ({ chunkId: row.chunk_id, rank: Number(row.rank) }));
  }
}

export function chunkIdFor(documentId: string, contentVersion: number, chunkIndex: number): string {
  return `${documentId}:${contentVersion}:${chunkIndex}`;
}
