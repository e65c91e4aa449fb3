import { documentStatuses } from '../domain/documents';
import { errorCatalog } from '../domain/errors';
import { reviewDecisions, reviewReasons, verificationTaskStates } from '../domain/verification';
import { readinessStatuses } from './routes/health';

const problem = { $ref: '#/components/responses/Problem' };
const missionParameter = {
  name: 'mission',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9_-]{1,48}$' },
};
const taskParameter = {
  name: 'task',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{32}-v[1-9][0-9]*$' },
};
const reviewer = { type: 'string', pattern: '^[\\p{L}\\p{N}._@+-]{1,128}$' };
const documentParameter = {
  name: 'document',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
};

/** The HTTP API v1 as OpenAPI 3.1, served at /openapi.json. Only endpoints that exist are listed. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'missionflow',
    version: '1.0.0',
    description: 'Durable multi-tenant document ingestion and search on Temporal.',
  },
  paths: {
    '/health/live': {
      get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } },
    },
    '/health/ready': {
      get: {
        summary: 'Readiness: every dependency answers',
        description:
          'Asks every dependency, each within 3 s: database, temporal, workers, vectors, graph, blobs, cache. A ' +
          'required check that fails answers 503 `failing` (take the replica out of rotation). The search cache is ' +
          'optional (`required: false`): search works without it, so its failure answers 200 `degraded`, the ' +
          'failing check shown with its detail.',
        responses: {
          '200': {
            description: 'Ready: `ok`, or `degraded` when only optional checks fail',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } },
          },
          '503': {
            description: 'A required dependency is failing: `failing`',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } },
          },
        },
      },
    },
    '/health/startup': {
      get: { summary: 'Start-up finished', responses: { '200': { description: 'Started' } } },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition' } } },
    },
    '/v1/missions': {
      get: {
        summary: 'List missions',
        responses: { '200': { description: 'Missions with their active cartridge version' } },
      },
    },
    '/v1/missions/{mission}': {
      get: {
        summary: 'One mission with its active cartridge',
        parameters: [missionParameter],
        responses: { '200': { description: 'The mission' }, '404': problem },
      },
    },
    '/v1/missions/{mission}/documents': {
      post: {
        summary: 'Ingest one document',
        description:
          'Multipart field `file`, a JSON body `{ text, title?, mediaType?, metadata? }`, or the raw bytes with their ' +
          'Content-Type. The type is sniffed from the bytes. The same bytes sent twice give the same document (duplicate: true).',
        parameters: [missionParameter],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary' },
                  title: { type: 'string' },
                  metadata: { type: 'string', description: 'a JSON object' },
                },
              },
            },
            'application/json': { schema: { $ref: '#/components/schemas/TextDocument' } },
          },
        },
        responses: {
          '202': {
            description: 'Accepted; processing continues in a durable workflow',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Admitted' } } },
          },
          '400': problem,
          '404': problem,
          '409': {
            ...problem,
            description: 'deletion_in_progress: send again after the Retry-After seconds',
          },
          '413': problem,
          '415': problem,
        },
      },
      get: {
        summary: 'List documents, newest first',
        parameters: [
          missionParameter,
          { name: 'status', in: 'query', schema: { type: 'string', enum: documentStatuses } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          {
            name: 'cursor',
            in: 'query',
            schema: { type: 'string' },
            description: 'nextCursor of the previous page',
          },
        ],
        responses: {
          '200': { description: 'A page of documents and nextCursor' },
          '400': problem,
          '404': problem,
        },
      },
    },
    '/v1/missions/{mission}/documents/{document}': {
      get: {
        summary:
          'One document: status, lane and routing, consensus, PII findings, step timings, the live progress ' +
          'of its run (waiting_for_worker on a lane, running, retrying with the error, awaiting_review), its ' +
          'review task and corrections, and the sections of a long PDF',
        parameters: [missionParameter, documentParameter],
        responses: {
          '200': {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Document' } } },
            description: 'The document',
          },
          '404': problem,
        },
      },
      delete: {
        summary:
          'Delete the document from every store: out of search at once, then a deletion workflow purges ' +
          'vectors, graph, chunks and blobs; the document stays as a `deleted` tombstone',
        parameters: [missionParameter, documentParameter],
        responses: { '202': { description: '{ documentId, workflowId, status }' }, '404': problem },
      },
    },
    '/v1/missions/{mission}/verification': {
      get: {
        summary: 'The review queue, oldest first',
        parameters: [
          missionParameter,
          { name: 'state', in: 'query', schema: { type: 'string', enum: verificationTaskStates } },
          { name: 'reason', in: 'query', schema: { type: 'string', enum: reviewReasons } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: '{ tasks, nextCursor }' }, '400': problem, '404': problem },
      },
    },
    '/v1/missions/{mission}/verification/{task}': {
      get: {
        summary: 'One verification task',
        parameters: [missionParameter, taskParameter],
        responses: { '200': { description: 'The task' }, '404': problem },
      },
    },
    '/v1/missions/{mission}/verification/{task}/claim': {
      post: {
        summary: "Claim the task for the mission cartridge's lease; claiming again renews your own lease",
        parameters: [missionParameter, taskParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['reviewer'], properties: { reviewer } },
            },
          },
        },
        responses: {
          '200': { description: 'The claimed task' },
          '404': problem,
          '409': { ...problem, description: 'already_claimed, already_decided or review_expired' },
        },
      },
    },
    '/v1/missions/{mission}/verification/{task}/decision': {
      post: {
        summary:
          'Decide a task you hold: approve (indexed), reject (with a reason: rejected) or correct ' +
          '(indexed with corrected class, labels and entities). Delivered to the waiting run as a ' +
          'Temporal Update, so the answer says whether the decision took',
        parameters: [missionParameter, taskParameter],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } },
        },
        responses: {
          '200': { description: '{ taskId, decision, outcome: indexing | rejected, task }' },
          '400': problem,
          '404': problem,
          '409': {
            ...problem,
            description: 'claim_required, already_claimed, already_decided or review_expired',
          },
        },
      },
    },
    '/v1/missions/{mission}/events': {
      get: {
        summary:
          "Server-sent events of the mission's document status and step changes, in commit order. Each id is " +
          'the event id: reconnect with Last-Event-ID to get exactly what was missed; ?after=N starts after N',
        parameters: [
          missionParameter,
          { name: 'Last-Event-ID', in: 'header', schema: { type: 'string', pattern: '^[0-9]+$' } },
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          '200': { description: 'text/event-stream; events `status` and `step`, data a JSON DocumentEvent' },
          '400': problem,
          '404': problem,
        },
      },
    },
    '/v1/missions/{mission}/search': {
      post: {
        summary: 'Hybrid search (full text and vectors, fused by reciprocal rank) within the mission',
        parameters: [missionParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['query'],
                additionalProperties: false,
                properties: {
                  query: { type: 'string', minLength: 1 },
                  limit: { type: 'integer', minimum: 1 },
                },
              },
            },
          },
        },
        responses: { '200': { description: '{ results, tookMs, cached }' }, '400': problem, '404': problem },
      },
    },
    '/v1/missions/{mission}/entities': {
      get: {
        summary: 'Entities of the mission graph: q matches part of the key, type one cartridge entity type',
        parameters: [
          missionParameter,
          { name: 'q', in: 'query', schema: { type: 'string', maxLength: 200 } },
          { name: 'type', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: {
          '200': { description: '{ entities: [{ entityId, type, key, name, mentions }] }' },
          '400': problem,
          '404': problem,
        },
      },
    },
    '/v1/missions/{mission}/entities/{entity}': {
      get: {
        summary: 'One entity',
        parameters: [
          missionParameter,
          { name: 'entity', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: { '200': { description: '{ entityId, type, key, name, mentions }' }, '404': problem },
      },
    },
    '/v1/missions/{mission}/entities/{entity}/neighbors': {
      get: {
        summary: 'Entities co-occurring within depth hops (depth capped at 3), nearest first',
        parameters: [
          missionParameter,
          { name: 'entity', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'depth', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: {
          '200': { description: '{ entity, depth, neighbors: [{ ..., depth }] }' },
          '400': problem,
          '404': problem,
        },
      },
    },
  },
  components: {
    schemas: {
      Readiness: {
        type: 'object',
        required: ['status', 'checks'],
        properties: {
          status: { type: 'string', enum: readinessStatuses },
          checks: {
            type: 'object',
            description: 'One entry per dependency',
            additionalProperties: {
              type: 'object',
              required: ['status'],
              properties: {
                status: { type: 'string', enum: ['ok', 'failing'] },
                detail: { type: 'string', description: 'Why the check fails' },
                required: {
                  type: 'boolean',
                  const: false,
                  description: 'Only on optional checks: their failure answers 200 `degraded`, not 503',
                },
              },
            },
          },
        },
      },
      TextDocument: {
        type: 'object',
        required: ['text'],
        additionalProperties: false,
        properties: {
          text: { type: 'string' },
          externalId: {
            type: 'string',
            maxLength: 256,
            description:
              'Your own key for the document, unique per mission: new text under it becomes the next content version',
          },
          title: { type: 'string' },
          mediaType: { type: 'string', description: 'text/plain (default), text/markdown or text/html' },
          metadata: { type: 'object' },
        },
      },
      Admitted: {
        type: 'object',
        properties: {
          documentId: { type: 'string' },
          workflowId: { type: 'string' },
          status: {
            type: 'string',
            enum: [...documentStatuses, 'queued'],
            description:
              'queued: an update sent while the previous version is still processed; it becomes the next ' +
              'version (workflowId) when that run ends, unless a later update replaces it',
          },
          duplicate: { type: 'boolean' },
          mediaType: { type: 'string' },
        },
      },
      Document: {
        type: 'object',
        properties: {
          documentId: { type: 'string' },
          status: { type: 'string', enum: documentStatuses },
          lane: { type: ['string', 'null'] },
          documentClass: { type: ['string', 'null'] },
          routingRule: { type: ['string', 'null'] },
          classConfidence: { type: ['number', 'null'] },
          labels: { type: 'array', items: { type: 'string' } },
          pageCount: { type: ['integer', 'null'] },
          consensusScore: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          consensus: {
            type: ['object', 'null'],
            description: 'Per entity, which extractors found it and its support; see missions/README.md',
          },
          pii: { type: ['object', 'null'], description: '{ found, redacted, review } counts per PII type' },
          progress: {
            type: ['object', 'null'],
            properties: {
              state: {
                type: 'string',
                enum: ['waiting_for_worker', 'running', 'retrying', 'awaiting_review', 'finished'],
              },
              step: { type: ['string', 'null'] },
              lane: { type: ['string', 'null'] },
              attempt: { type: ['integer', 'null'] },
              lastError: { type: ['string', 'null'] },
              queuedMs: { type: ['integer', 'null'] },
              runningMs: { type: ['integer', 'null'] },
            },
          },
          review: { type: ['object', 'null'], description: 'The verification task of this content version' },
          corrections: { type: 'array', items: { type: 'object' } },
          sections: { type: ['object', 'null'], description: '{ total, done, list } for a long PDF' },
          queuedUpdate: {
            type: ['object', 'null'],
            description:
              'An update waiting for this version to be processed: { sha256, sizeBytes, mediaType, queuedAt }',
          },
          cartridgeVersion: { type: 'integer' },
          chunkCount: { type: ['integer', 'null'] },
          error: {
            type: ['object', 'null'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
          steps: { type: 'array', items: { type: 'object' } },
        },
      },
      Decision: {
        type: 'object',
        required: ['reviewer', 'decision'],
        additionalProperties: false,
        properties: {
          reviewer,
          decision: { type: 'string', enum: reviewDecisions },
          reason: { type: 'string', maxLength: 2000, description: 'Required for reject' },
          corrections: {
            type: 'object',
            description:
              'Only for correct: documentClass, labels, entities { add: [{ type, name }], remove: [{ type, key }] }',
          },
        },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string', enum: Object.keys(errorCatalog) },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
    responses: {
      Problem: {
        description: 'An application/problem+json error with a machine-readable code',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  },
} as const;
