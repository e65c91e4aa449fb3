import { Router } from 'express';
import type { z } from 'zod';
import { MissionflowError } from '../../domain/errors';
import { decodeCursor, type DocumentRecord, type DocumentStore } from '../../stores/relational/documents';
import type { Admission } from '../../services/admission';
import type { DocumentDeletion } from '../../services/deletion';
import type { DocumentView } from '../../services/document-view';
import type { Missions } from '../../services/missions';
import { admitFromRequest } from '../intake';
import { presentTask } from './verification';
import { documentParam, validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';
import {
  documentListQuery,
  type admittedSchema,
  type deletionAcceptedSchema,
  type documentPageSchema,
  type documentSchema,
  type documentSummarySchema,
} from './document-schemas';

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
    const admitted = await admitFromRequest(req, admission, cartridge);
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
