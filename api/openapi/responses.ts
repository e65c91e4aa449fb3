import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import { errorCatalog, type ErrorCode } from '../../domain/errors';
import { problemSchema, retryAfterSeconds, saysRetryAfter } from '../problems';

export type Responses = RouteConfig['responses'];

/** A JSON answer described by its schema. */
export function json(description: string, schema: ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** The JSON body of a request. */
export function jsonBody(schema: ZodType): NonNullable<RouteConfig['request']>['body'] {
  return { required: true, content: { 'application/json': { schema } } };
}

const retryAfter = z.object({
  'Retry-After': z
    .string()
    .meta({ description: `Seconds to wait before sending the request again (${retryAfterSeconds})` }),
});

function problemResponse(codes: readonly ErrorCode[]): ResponseConfig {
  return {
    description: codes.map((code) => `\`${code}\`: ${errorCatalog[code].title}`).join('; '),
    ...(codes.some(saysRetryAfter) ? { headers: retryAfter } : {}),
    content: {
      'application/problem+json': {
        // The Problem, its code narrowed to these.
        schema: problemSchema.and(z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) })),
      },
    },
  };
}

/**
 * The error answers of an operation, from the codes it can give: one response per HTTP status (the
 * catalog's), whose problem document's `code` is one of those codes; and, for every operation,
 * any other error.
 */
export function problems(...codes: ErrorCode[]): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Responses = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = problemResponse(group);
  }
  responses.default = {
    description: 'Any other error; an unexpected one is `internal` (500)',
    content: { 'application/problem+json': { schema: problemSchema } },
  };
  return responses;
}
