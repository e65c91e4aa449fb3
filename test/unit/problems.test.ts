import { createServer } from 'node:http';
import express from 'express';
import { problemHandler, retryAfterSeconds } from '../../api/problems';
import { MissionflowError, type ErrorCode } from '../../domain/errors';
import { createLogger } from '../../observability/logger';
import { request } from '../support/http';
import { listenOnLoopback } from '../support/loopback';

// The central error handler over real HTTP: which answers tell the client to ask again, and when.

async function answerFor(code: ErrorCode) {
  const app = express();
  app.get('/fails', () => {
    throw new MissionflowError(code);
  });
  app.use(problemHandler(createLogger('silent')));
  const server = await listenOnLoopback(createServer(app));
  try {
    return await request<{ code: string }>(server.origin, 'GET', '/fails');
  } finally {
    await server.close();
  }
}

it.each(['deletion_in_progress', 'not_ready'] as const)(
  '%s, a state that clears by itself, says when to send again (Retry-After)',
  async (code) => {
    const answer = await answerFor(code);
    expect(answer.body.code).toBe(code);
    expect(answer.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  },
);

it.each(['already_claimed', 'already_decided', 'invalid_request', 'document_not_found'] as const)(
  '%s, which sending again cannot fix, carries no Retry-After',
  async (code) => {
    const answer = await answerFor(code);
    expect(answer.body.code).toBe(code);
    expect(answer.headers.get('retry-after')).toBeNull();
  },
);
