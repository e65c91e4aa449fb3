import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  admittedSchema,
  deletionAcceptedSchema,
  documentListQuery,
  documentPageSchema,
  documentSchema,
  externalId,
  jsonIntake,
  multipartFields,
} from '../routes/document-schemas';
import { documentPath, missionPath } from '../validation';
import { json, problems } from './responses';

const binary = { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream' } as const;

/** The multipart form: the document in `file` (read as a stream), the other fields as validated. */
const multipartIntake = multipartFields.extend({
  file: z.string().meta({ ...binary, description: 'The document' }),
});

/** Only read when the body is the document itself. */
const rawIntakeQuery = z.object({
  externalId: externalId.optional(),
  title: z.string().optional().meta({ description: 'The title (cut to 500 characters)' }),
});

const ingest: RouteConfig = {
  method: 'post',
  path: '/v1/missions/{mission}/documents',
  operationId: 'ingestDocument',
  tags: ['documents'],
  summary: 'Ingest one document',
  description:
    'Multipart field `file`, a JSON body `{ text, externalId?, title?, mediaType?, metadata? }`, or the raw ' +
    'bytes with their Content-Type (then `externalId` and `title` come from the query). The type is sniffed ' +
    'from the bytes. The same bytes sent twice give the same document (`duplicate: true`); new content under ' +
    'an `externalId` becomes its next content version.',
  request: {
    params: missionPath,
    query: rawIntakeQuery,
    body: {
      required: true,
      content: {
        'multipart/form-data': { schema: multipartIntake },
        'application/json': { schema: jsonIntake },
        '*/*': { schema: z.string().meta({ ...binary, description: 'The document itself' }) },
      },
    },
  },
  responses: {
    '202': {
      ...json('Accepted; processing continues in a durable workflow', admittedSchema),
      headers: z.object({ Location: z.string().meta({ description: 'The document' }) }),
    },
    ...problems(
      'invalid_request',
      'empty_document',
      'mission_not_found',
      'deletion_in_progress',
      'too_large',
      'unsupported_media_type',
    ),
  },
};

export const documentOperations: RouteConfig[] = [
  ingest,
  {
    method: 'get',
    path: '/v1/missions/{mission}/documents',
    operationId: 'listDocuments',
    tags: ['documents'],
    summary: 'List documents, newest first',
    request: { params: missionPath, query: documentListQuery },
    responses: {
      '200': json('A page of documents, and the cursor of the next', documentPageSchema),
      ...problems('invalid_request', 'mission_not_found'),
    },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}/documents/{document}',
    operationId: 'getDocument',
    tags: ['documents'],
    summary: 'One document',
    description:
      'Status, lane and routing, consensus, PII findings, step timings, the live progress of its run ' +
      '(waiting_for_worker on a lane, running, retrying with the error, awaiting_review), its review task ' +
      'and corrections, and the sections of a long PDF.',
    request: { params: documentPath },
    responses: {
      '200': json('The document', documentSchema),
      ...problems('mission_not_found', 'document_not_found'),
    },
  },
  {
    method: 'delete',
    path: '/v1/missions/{mission}/documents/{document}',
    operationId: 'deleteDocument',
    tags: ['documents'],
    summary: 'Delete the document from every store',
    description:
      'Out of search at once, then a deletion workflow purges vectors, graph, chunks and blobs; the document ' +
      'stays as a `deleted` tombstone.',
    request: { params: documentPath },
    responses: {
      '202': json('The deletion has begun', deletionAcceptedSchema),
      ...problems('mission_not_found', 'document_not_found'),
    },
  },
];
