import { z } from 'zod';
import { documentStatuses } from '../../domain/documents';
import { reviewDecisions, reviewReasons } from '../../domain/verification';
import { documentIdSchema, missionIdSchema } from '../validation';
import { taskSchema } from './verification';

/**
 * What the document routes (documents.ts) read and answer. The routes validate requests with these
 * schemas and type their answers with them; the OpenAPI document is generated from them.
 */

/** Printable, no control characters: it is a key, shown back and used in logs. */
const printable = /^[^\p{Cc}]+$/u;
export const externalId = z.string().min(1).max(256).regex(printable, 'no control characters').meta({
  pattern: printable.source,
  description:
    'Your own key for the document, unique per mission: new content under it becomes the next content version',
});

const title = z.string().trim().min(1).max(500);
const mediaType = z.string().max(200);

export const jsonIntake = z
  .object({
    text: z.string(),
    externalId: externalId.optional(),
    title: title.optional(),
    mediaType: mediaType.optional().meta({ description: 'text/plain (default), text/markdown or text/html' }),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'TextDocument' });

export const multipartFields = z.object({
  externalId: externalId.optional(),
  title: title.optional(),
  mediaType: mediaType.optional().meta({ description: 'Overrides the type the file part declares' }),
  metadata: z.string().optional().meta({ description: 'A JSON object' }),
});

export const documentListQuery = z
  .object({
    status: z.enum(documentStatuses).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional().meta({ description: 'nextCursor of the previous page' }),
  })
  .strict();

const isoTime = z.iso.datetime();

export const admittedSchema = z
  .object({
    documentId: documentIdSchema,
    workflowId: z.string().meta({ description: 'For a queued update, the run it will have' }),
    status: z.enum([...documentStatuses, 'queued']).meta({
      description:
        'queued: an update sent while the previous version is still processed; it becomes the next ' +
        'version when that run ends, unless a later update replaces it',
    }),
    duplicate: z.boolean().meta({ description: 'The same content was already admitted' }),
    mediaType: z.string().meta({ description: 'The type sniffed from the bytes' }),
  })
  .meta({ id: 'Admitted' });

export const documentSummarySchema = z
  .object({
    documentId: documentIdSchema,
    missionId: missionIdSchema,
    workflowId: z.string(),
    title: z.string().nullable(),
    mediaType: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    status: z.enum(documentStatuses),
    lane: z.string().nullable(),
    documentClass: z.string().nullable(),
    routingRule: z.string().nullable(),
    classConfidence: z.number().nullable(),
    pageCount: z.number().int().nullable(),
    language: z.string().nullable().meta({ description: 'ISO 639-1, detected when routed' }),
    labels: z.array(z.string()),
    consensusScore: z.number().min(0).max(1).nullable(),
    cartridgeVersion: z.number().int(),
    contentVersion: z.number().int(),
    externalId: z.string().nullable(),
    chunkCount: z.number().int().nullable(),
    textEncoding: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
    indexedAt: isoTime.nullable(),
    purgedAt: isoTime.nullable().meta({ description: 'When a deleted document left every store' }),
    queuedUpdate: z
      .object({ sha256: z.string(), sizeBytes: z.number().int(), mediaType: z.string(), queuedAt: isoTime })
      .nullable()
      .meta({ description: "Bytes that wait for this version's run to end, then become the next version" }),
  })
  .meta({ id: 'DocumentSummary' });

export const documentPageSchema = z
  .object({ documents: z.array(documentSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DocumentPage' });

const runProgress = z
  .object({
    state: z.enum(['waiting_for_worker', 'running', 'retrying', 'awaiting_review', 'finished']),
    runStatus: z.string().meta({ description: "Temporal's status of the run" }),
    step: z.string().nullable(),
    lane: z.string().nullable(),
    attempt: z.number().int().nullable(),
    lastError: z.string().nullable(),
    queuedMs: z.number().nullable(),
    runningMs: z.number().nullable(),
    review: z
      .object({
        taskId: z.string(),
        reasons: z.array(z.enum(reviewReasons)),
        deadlineAt: isoTime,
        escalations: z.number().int(),
        decision: z.enum(reviewDecisions).nullable(),
      })
      .nullable(),
  })
  .nullable()
  .meta({ description: 'What the run is doing now, read from Temporal (while the run is unfinished)' });

export const documentSchema = documentSummarySchema
  .extend({
    steps: z.array(
      z.object({
        step: z.string(),
        status: z.enum(['running', 'done', 'failed']),
        executions: z.number().int(),
        durationMs: z.number().nullable(),
        startedAt: isoTime.nullable(),
        finishedAt: isoTime.nullable(),
        lastError: z.string().nullable(),
      }),
    ),
    consensus: z.unknown().meta({ description: 'Per entity, which extractors found it and its support' }),
    pii: z.unknown().meta({ description: 'What the PII scan found and did, per PII type' }),
    progress: runProgress,
    review: taskSchema.nullable().meta({ description: 'The verification task of this content version' }),
    corrections: z.array(
      z.object({
        taskId: z.string(),
        contentVersion: z.number().int(),
        reviewer: z.string(),
        correctedAt: isoTime,
        corrections: z.unknown(),
      }),
    ),
    sections: z
      .object({
        total: z.number().int(),
        done: z.number().int(),
        list: z.array(
          z.object({
            index: z.number().int(),
            firstPage: z.number().int(),
            lastPage: z.number().int(),
            status: z.enum(['running', 'done']),
            executions: z.number().int(),
            completions: z.number().int(),
          }),
        ),
      })
      .nullable()
      .meta({ description: 'The sections of a long PDF (deep lane)' }),
  })
  .meta({ id: 'Document' });

export const deletionAcceptedSchema = z
  .object({ documentId: documentIdSchema, workflowId: z.string(), status: z.literal('deleted') })
  .meta({ id: 'DeletionAccepted' });
