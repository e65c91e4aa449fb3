import express, { Router, type Request } from 'express';
import type { z } from 'zod';
import { MissionflowError } from '../../domain/errors';
import { decodeCursor, type DocumentRecord, type DocumentStore } from '../../stores/relational/documents';
import type { Admission, Admitted, IntakeDetails } from '../../services/admission';
import type { DocumentDeletion } from '../../services/deletion';
import type { DocumentView } from '../../services/document-view';
import type { Missions } from '../../services/missions';
import { readMultipart } from '../uploads';
import { presentTask } from './verification';
import { documentParam, validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';
import {
  externalId,
  jsonIntake,
  multipartFields,
  documentListQuery,
  type admittedSchema,
  type deletionAcceptedSchema,
  type documentPageSchema,
  type documentSchema,
  type documentSummarySchema,
} from './document-schemas';

function parseMetadata(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MissionflowError('invalid_request', 'metadata must be a JSON object', [
      { path: 'metadata', message: 'must be a JSON object' },
    ]);
  }
  return parsed as Record<string, unknown>;
}

export function presentDocument(document: DocumentRecord): z.infer<typeof documentSummarySchema> {
  return {
    documentId: document.documentId,
    missionId: document.missionId,
    workflowId: document.workflowId,
    title: document.title,
    mediaType: document.mediaType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    status: document.status,
    lane: document.lane,
    documentClass: document.documentClass,
    routingRule: document.routingRule,
    classConfidence: document.classConfidence,
    pageCount: document.pageCount,
    language: document.language,
    labels: document.labels,
    consensusScore: consensusScore(document.consensus),
    cartridgeVersion: document.cartridgeVersion,
    contentVersion: document.contentVersion,
    externalId: document.externalId ?? null,
    chunkCount: document.chunkCount,
    textEncoding: document.textEncoding,
    metadata: document.metadata,
    error: document.error,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    indexedAt: document.indexedAt,
    purgedAt: document.purgedAt,
    // Bytes that wait for this version's run to end, then become the next version.
    queuedUpdate: document.queuedUpdate
      ? {
          sha256: document.queuedUpdate.sha256,
          sizeBytes: document.queuedUpdate.sizeBytes,
          mediaType: document.queuedUpdate.mediaType,
          queuedAt: document.queuedUpdate.queuedAt,
        }
      : null,
  };
}

function consensusScore(consensus: unknown): number | null {
  const score = (consensus as { score?: unknown } | null)?.score;
  return typeof score === 'number' ? score : null;
}

export function documentRoutes(deps: {
  missions: Missions;
  admission: Admission;
  deletion: DocumentDeletion;
  view: DocumentView;
  documents: DocumentStore;
}): Router {
  const router = scopeToMission(Router(), deps.missions);
  const { admission, documents } = deps;

  router.post('/v1/missions/:mission/documents', async (req, res) => {
    const cartridge = missionOf(res);
    const { missionId } = cartridge;
    const maxBytes = admission.maxBytesFor(cartridge);
    let admitted: Admitted;
    if (req.is('multipart/form-data')) {
      const upload = await readMultipart(req, maxBytes, (file, hints) =>
        admission.storeStream(missionId, file, maxBytes, hints),
      );
      const fields = validate(multipartFields, upload.fields, 'form');
      const details: IntakeDetails = {
        externalId: fields.externalId ?? null,
        title: fields.title ?? null,
        metadata: parseMetadata(fields.metadata),
        declaredType: fields.mediaType ?? upload.declaredType,
        filename: upload.filename,
      };
      admitted = await admission.admit(cartridge, upload.stored, details);
    } else if (req.is('application/json')) {
      // The JSON envelope may add escapes and fields, not a second document's worth of memory.
      await runParser(express.json({ limit: maxBytes + 1024 * 1024, strict: true }), req);
      const body = validate(jsonIntake, req.body, 'body');
      const bytes = Buffer.from(body.text, 'utf8');
      const details: IntakeDetails = {
        externalId: body.externalId ?? null,
        title: body.title ?? null,
        metadata: body.metadata ?? {},
        declaredType: body.mediaType ?? 'text/plain',
        filename: null,
      };
      const stored = await admission.storeBytes(missionId, bytes, maxBytes, {
        ...details,
        declaredTextIsAuthoritative: true,
      });
      admitted = await admission.admit(cartridge, stored, details);
    } else {
      // Any other content type: the body is the document itself (curl --data-binary @file).
      const title = typeof req.query.title === 'string' ? req.query.title.slice(0, 500) : null;
      const rawExternalId =
        req.query.externalId === undefined
          ? undefined
          : validate(externalId, req.query.externalId, 'externalId');
      const declaredType = req.headers['content-type'] ?? null;
      const stored = await admission.storeStream(missionId, req, maxBytes, { declaredType });
      admitted = await admission.admit(cartridge, stored, {
        externalId: rawExternalId ?? null,
        title,
        metadata: {},
        declaredType,
        filename: null,
      });
    }
    res
      .status(202)
      .location(`/v1/missions/${cartridge.missionId}/documents/${admitted.documentId}`)
      .json(admitted satisfies z.infer<typeof admittedSchema>);
  });

  router.get('/v1/missions/:mission/documents', async (req, res) => {
    const { missionId } = missionOf(res);
    const query = validate(documentListQuery, req.query, 'query');
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) {
      throw new MissionflowError('invalid_request', 'the cursor is not valid', [
        { path: 'cursor', message: 'not valid' },
      ]);
    }
    const page = await documents.list(missionId, { status: query.status, limit: query.limit, cursor });
    res.json({
      documents: page.documents.map((document) => presentDocument(document)),
      nextCursor: page.nextCursor,
    } satisfies z.infer<typeof documentPageSchema>);
  });

  router.get('/v1/missions/:mission/documents/:document', async (req, res) => {
    const { missionId } = missionOf(res);
    const detail = await deps.view.read(missionId, documentParam(req.params.document));
    res.json({
      ...presentDocument(detail.document),
      steps: detail.steps,
      consensus: detail.document.consensus,
      pii: detail.document.pii,
      progress: detail.progress,
      review: detail.review ? presentTask(detail.review) : null,
      corrections: detail.corrections,
      sections: detail.sections,
    } satisfies z.infer<typeof documentSchema>);
  });

  router.delete('/v1/missions/:mission/documents/:document', async (req, res) => {
    const { missionId } = missionOf(res);
    const documentId = documentParam(req.params.document);
    const { workflowId } = await deps.deletion.deleteDocument(missionId, documentId);
    res
      .status(202)
      .json({ documentId, workflowId, status: 'deleted' } satisfies z.infer<typeof deletionAcceptedSchema>);
  });

  return router;
}

function runParser(parser: express.RequestHandler, req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, req.res as express.Response, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
