import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { errorCatalog, MissionflowError, type ErrorCode } from '../domain/errors';
import type { Logger } from '../observability/logger';

const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

/** Every error answer: application/problem+json (RFC 9457) with a machine-readable code. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(errorCodes),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Field-level problems of an invalid request' }),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;

export function problemFor(error: MissionflowError): Problem {
  return {
    type: `https://missionflow.dev/problems/${error.code}`,
    title: errorCatalog[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
  };
}

/** Errors thrown by body parsers carry a `type`; map the ones that are the client's fault. */
function fromBodyParser(error: { type?: string; message?: string }): MissionflowError | null {
  if (error.type === 'entity.too.large')
    return new MissionflowError('too_large', 'the request body exceeds the size limit');
  if (error.type === 'entity.parse.failed')
    return new MissionflowError('invalid_request', 'the body is not valid JSON');
  if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
    return new MissionflowError('invalid_request', error.message);
  }
  return null;
}

/** What `Retry-After` says on answers that are worth sending again. */
export const retryAfterSeconds = 5;

/**
 * A conflict that clears by itself (a run or deletion still going) or a dependency not ready yet:
 * the answer tells clients when to ask again, rather than leave each to guess or hammer.
 */
export function saysRetryAfter(code: ErrorCode): boolean {
  const { status, retryable } = errorCatalog[code];
  return retryable && (status === 409 || status === 503);
}

/** The one place errors become HTTP answers: application/problem+json with a machine-readable code. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known =
      error instanceof MissionflowError
        ? error
        : (fromBodyParser(error as { type?: string }) ??
          new MissionflowError('internal', 'an unexpected error occurred; it has been logged'));
    if (known.code === 'internal')
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    if (known.code === 'too_large') {
      // The client may still be sending. Stop reading (TCP backpressure halts it: the upload is
      // cut), answer, and close a moment later. Closing at once would reset the connection while
      // the client is still writing, which can discard the answer before it reads it.
      req.unpipe();
      req.pause();
      // Said in the answer, so a client's connection pool never sends its next request on a
      // connection about to be closed (seen as 'other side closed' on an unrelated request).
      res.setHeader('Connection', 'close');
      // Node closes a `Connection: close` socket as soon as the answer is written (destroySoon).
      // With the client's upload still arriving unread, that close is a reset, which can make the
      // client's system drop the answer before the client reads it (seen in CI). A lingering
      // close instead: end our side after the answer, destroy a second later.
      const socket = req.socket;
      socket.destroySoon = () => {
        socket.end();
        setTimeout(() => socket.destroy(), 1_000).unref();
      };
    }
    if (saysRetryAfter(known.code)) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
    }
    res.status(known.status).type('application/problem+json').json(problemFor(known));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new MissionflowError('not_found', `no route for ${req.method} ${req.path}`));
};
