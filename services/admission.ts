import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { ingestWorkflowId, type DocumentStatus } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import { sniffBytes, sniffMediaType, type SniffHints } from '../domain/media-types';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { BlobStore, StoredBlob } from '../stores/blobs/blob-store';
import type { CartridgeVersion } from '../stores/relational/cartridges';
import type { DocumentVersionStore } from '../stores/relational/document-versions';
import type { DocumentRecord, DocumentStore, NewDocument } from '../stores/relational/documents';
import { documentIdFor, documentIdForExternal } from '../stores/ids';
import { isRunOpen } from '../temporal/runs';
import { startIngestRun } from './runs';

export interface AdmissionDependencies {
  documents: DocumentStore;
  versions: DocumentVersionStore;
  blobs: BlobStore;
  client: Client;
  workflowTaskQueue: string;
  maxUploadBytes: number;
  metrics: Metrics;
  logger: Logger;
}

export interface IntakeDetails {
  /** The caller's own key for the document (unique per mission); new bytes under it update it. */
  externalId?: string | null;
  title: string | null;
  metadata: Record<string, unknown>;
  declaredType: string | null;
  filename: string | null;
}

export interface Admitted {
  documentId: string;
  /** For a queued update, the run it will have once the current version's run has ended. */
  workflowId: string;
  status: DocumentStatus | 'queued';
  duplicate: boolean;
  mediaType: string;
}

/**
 * Accepting a document: bytes into the blob store (checked before commit: not empty, a type we can
 * parse, within the size limit), one row per (mission, sha256), and one ingest run per document.
 * Every part is idempotent, so duplicates (even concurrent ones) converge on one document and run.
 */
export class Admission {
  constructor(private readonly deps: AdmissionDependencies) {}

  maxBytesFor(cartridge: CartridgeVersion): number {
    return Math.min(this.deps.maxUploadBytes, cartridge.cartridge.limits.maxDocumentBytes);
  }

  /** The check every upload passes before its bytes are committed. */
  private inspector(hints: SniffHints, found: { mediaType?: string }) {
    return (head: Buffer, sizeBytes: number) => {
      if (sizeBytes === 0 || head.toString('utf8').trim().length === 0) {
        throw new MissionflowError('empty_document', 'the document has no content');
      }
      found.mediaType = sniffMediaType(head, hints);
    };
  }

  async storeStream(missionId: string, source: Readable, maxBytes: number, hints: SniffHints) {
    const found: { mediaType?: string } = {};
    const blob = await this.deps.blobs.putStream(source, {
      missionId,
      maxBytes,
      inspectBytes: sniffBytes,
      inspect: this.inspector(hints, found),
    });
    return { blob, mediaType: found.mediaType as string };
  }

  async storeBytes(missionId: string, bytes: Buffer, maxBytes: number, hints: SniffHints) {
    if (bytes.length > maxBytes)
      throw new MissionflowError('too_large', `the document exceeds ${maxBytes} bytes`);
    const found: { mediaType?: string } = {};
    this.inspector(hints, found)(bytes.subarray(0, sniffBytes), bytes.length);
    const blob = await this.deps.blobs.putBytes(bytes, missionId);
    return { blob, mediaType: found.mediaType as string };
  }

  async admit(
    cartridge: CartridgeVersion,
    stored: { blob: StoredBlob; mediaType: string },
    details: IntakeDetails,
  ): Promise<Admitted> {
    const missionId = cartridge.missionId;
    const documentId = details.externalId
      ? documentIdForExternal(missionId, details.externalId)
      : documentIdFor(missionId, stored.blob.sha256);
    const doc: NewDocument = {
      missionId,
      documentId,
      sha256: stored.blob.sha256,
      sizeBytes: stored.blob.sizeBytes,
      mediaType: stored.mediaType,
      title: details.title ?? details.filename,
      metadata: details.metadata,
      blobKey: stored.blob.key,
      cartridgeVersion: cartridge.version,
      workflowId: ingestWorkflowId(missionId, documentId),
      externalId: details.externalId ?? null,
    };
    const whileRunning = details.externalId ? await this.queueWhileRunning(doc) : null;
    const { created, document, queued } = whileRunning ?? (await this.deps.documents.admit(doc));
    if (queued) {
      this.deps.logger.info(
        { missionId, documentId, contentVersion: document.contentVersion + 1 },
        'update queued until the current version is processed',
      );
      return {
        documentId,
        workflowId: ingestWorkflowId(missionId, documentId, document.contentVersion + 1),
        status: 'queued',
        duplicate: false,
        mediaType: stored.mediaType,
      };
    }
    if (created) {
      this.deps.metrics.documentsAdmitted.inc({ mission: missionId });
      this.deps.logger.info(
        { missionId, documentId, mediaType: stored.mediaType, sizeBytes: stored.blob.sizeBytes },
        'document admitted',
      );
    }
    await this.startRun(document);
    return {
      documentId,
      workflowId: document.workflowId,
      status: document.status,
      duplicate: !created,
      mediaType: document.mediaType,
    };
  }

  /**
   * An update (new bytes under an external id) while the current version's run is still going,
   * clean-up included, is queued: that run removes versions other than its own, which must not
   * catch the next one half-written. The run hands the update over as it ends. The document's status
   * alone says `indexed` before the run has finished, so the run itself is asked.
   */
  private async queueWhileRunning(
    doc: NewDocument,
  ): Promise<{ created: boolean; document: DocumentRecord; queued: boolean } | null> {
    const current = await this.deps.documents.get(doc.missionId, doc.documentId);
    if (!current || current.status === 'deleted') return null;
    if (current.sha256 === doc.sha256) {
      // The current bytes again, after an update was queued: the last word wins, and it is these.
      if (current.queuedUpdate) await this.deps.versions.dropQueuedUpdate(doc.missionId, doc.documentId);
      return null;
    }
    if (!(await isRunOpen(this.deps.client.workflow, current.workflowId))) return null;
    return { created: false, document: await this.deps.versions.queueUpdate(doc), queued: true };
  }

  /**
   * Starts the document's run, or joins the one already running. A run that already finished is
   * left alone: re-running is an explicit reprocess, not a side effect of a duplicate submission.
   */
  async startRun(document: DocumentRecord): Promise<void> {
    await startIngestRun(this.deps.client, this.deps.workflowTaskQueue, document);
  }
}
