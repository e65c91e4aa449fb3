import { ingestWorkflowId } from '../../domain/documents';
import { MissionflowError } from '../../domain/errors';
import {
  MissionScopedStore,
  parsedTextStepsSql,
  readDocument,
  toRecord,
  type DocumentRecord,
  type DocumentRow,
  type NewDocument,
  type QueuedUpdate,
} from './document-rows';
import { recordDocumentEvent } from './events';

/**
 * A document's content versions: the next version made from new bytes, the update queued while a
 * run is still going, and the superseded blobs and chunks that go once a newer version is indexed.
 */
export class DocumentVersionStore extends MissionScopedStore {
  private get(missionId: string, documentId: string): Promise<DocumentRecord | null> {
    return readDocument(this.sql, missionId, documentId);
  }

  /**
   * New bytes under the same external id: the next content version. The current version stays
   * searchable until the new one is indexed (markIndexed swaps them in one transaction); its chunks,
   * vectors, graph part and blobs are removed afterwards (removeSupersededVersions). One version is
   * processed at a time: an update while the previous one is still processed is queued, and its run
   * hands it over when it ends (`takeQueuedUpdate`).
   */
  async update(
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
  async readmit(
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
         WHERE mission_id = $1 AND document_id = $2 AND step IN ${parsedTextStepsSql}`,
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

  /**
   * Whether a live document of the mission (other than `exceptDocumentId`, if given) still uses the
   * blob, as its upload, its queued update or its parsed text.
   */
  async blobInUse(missionId: string, blobKey: string, exceptDocumentId = ''): Promise<boolean> {
    const { rows } = await this.scoped(missionId).query(
      `SELECT 1 FROM documents d WHERE d.mission_id = $1 AND d.document_id <> $3 AND d.status <> 'deleted'
         AND (d.blob_key = $2 OR d.queued_update->>'blobKey' = $2 OR EXISTS (SELECT 1 FROM document_steps s
              WHERE s.mission_id = d.mission_id AND s.document_id = d.document_id
                AND s.step IN ${parsedTextStepsSql} AND s.result->>'parsedKey' = $2))
       LIMIT 1`,
      [missionId, blobKey, exceptDocumentId],
    );
    return rows.length > 0;
  }

  /**
   * Whether anything of versions older than `contentVersion` is left for the clean-up step: their
   * chunks (vectors and graph contributions go before them) or blobs they superseded. A document's
   * first version has none, so its run skips the step.
   */
  async hasSupersededVersions(
    missionId: string,
    documentId: string,
    contentVersion: number,
  ): Promise<boolean> {
    const { rows } = await this.scoped(missionId).query<{ left: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version < $3)
           OR EXISTS (SELECT 1 FROM documents WHERE mission_id = $1 AND document_id = $2
                        AND cardinality(superseded_blob_keys) > 0) AS left`,
      [missionId, documentId, contentVersion],
    );
    return rows[0]?.left === true;
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
}
