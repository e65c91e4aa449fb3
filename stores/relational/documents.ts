import type { DocumentStatus } from '../../domain/documents';
import {
  decodeCursor,
  parsedTextStepsSql,
  encodeCursor,
  MissionScopedStore,
  readDocument,
  toRecord,
  type DocumentPage,
  type DocumentRecord,
  type DocumentRow,
  type NewDocument,
} from './document-rows';
import { ChunkStore } from './chunks';
import { LexicalIndex } from './lexical-index';
import { ChunkEntityIndex } from './chunk-entities';
import { DocumentVersionStore } from './document-versions';
import { StepLog } from './step-log';
import { recordDocumentEvent } from './events';
import { setSearchableVersion } from './searchable-chunks';
import type { SqlClient } from './sql';

export { decodeCursor };
export type { DocumentPage, DocumentRecord, NewDocument, QueuedUpdate } from './document-rows';

/**
 * Documents and their status: admission, listing, each status change with its event, and deletion.
 * Every statement is scoped by mission_id, and every write is keyed deterministically so retries
 * and duplicate submissions are no-ops. Content versions live in DocumentVersionStore, the step log
 * in StepLog, chunks in ChunkStore.
 */
export class DocumentStore extends MissionScopedStore {
  constructor(
    sql: SqlClient,
    private readonly versions: DocumentVersionStore,
  ) {
    super(sql);
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
    if (existing.status === 'deleted') return this.versions.readmit(doc, existing);
    if (doc.externalId && existing.sha256 !== doc.sha256) return this.versions.update(doc, existing);
    return { created: false, document: existing };
  }

  get(missionId: string, documentId: string): Promise<DocumentRecord | null> {
    return readDocument(this.sql, missionId, documentId);
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
      await setSearchableVersion(tx, missionId, documentId, contentVersion);
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
      await setSearchableVersion(tx, missionId, documentId, null);
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
      await setSearchableVersion(tx, missionId, documentId, null);
      const parsed = await tx.query<{ key: string | null }>(
        `SELECT DISTINCT result->>'parsedKey' AS key FROM document_steps
         WHERE mission_id = $1 AND document_id = $2 AND step IN ${parsedTextStepsSql}`,
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

  /** Removes a deleted document's chunks and step log; the row stays as a `deleted` tombstone. */
  async purgeDocument(missionId: string, documentId: string): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query<{ status: string }>(
        'SELECT status FROM documents WHERE mission_id = $1 AND document_id = $2 FOR UPDATE',
        [missionId, documentId],
      );
      if (rows[0]?.status !== 'deleted') return;
      // Already out of search since the deletion began; said again so the statistics can never
      // count a chunk that is gone.
      await setSearchableVersion(tx, missionId, documentId, null);
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
}

/** The stores over the documents table and its children, sharing one SQL client. */
export interface DocumentStores {
  documents: DocumentStore;
  versions: DocumentVersionStore;
  steps: StepLog;
  chunks: ChunkStore;
  /** BM25 over the chunks (lexical-index.ts). */
  lexical: LexicalIndex;
  /** Which chunk mentions which entity, for graph retrieval (chunk-entities.ts). */
  chunkEntities: ChunkEntityIndex;
}

export function createDocumentStores(sql: SqlClient): DocumentStores {
  const versions = new DocumentVersionStore(sql);
  return {
    documents: new DocumentStore(sql, versions),
    versions,
    steps: new StepLog(sql),
    chunks: new ChunkStore(sql),
    lexical: new LexicalIndex(sql),
    chunkEntities: new ChunkEntityIndex(sql),
  };
}
