import { createServer } from 'node:http';
import Ajv from 'ajv';
import express from 'express';
import { Registry } from 'prom-client';
import { openApiDocument } from '../../api/openapi';
import { healthRoutes, type ReadinessCheck } from '../../api/routes/health';
import { request } from '../support/http';
import { listenOnLoopback } from '../support/loopback';

// The readiness route over real HTTP, with probes that answer, fail or never answer as a
// dependency would. Its wiring to the real stores is in test/e2e/readiness.test.ts.

const answers = async () => undefined;
const fails = (message: string) => async () => {
  throw new Error(message);
};

/** The answer's shape as the OpenAPI document promises it. */
const matchesOpenApi = new Ajv({ allErrors: true, strict: false }).compile(
  openApiDocument.components.schemas.Readiness as object,
);

async function ready(checks: Record<string, ReadinessCheck>) {
  const app = express().use(healthRoutes({ checks, startedAt: new Date(), registry: new Registry() }));
  const server = await listenOnLoopback(createServer(app));
  try {
    const answer = await request(server.origin, 'GET', '/health/ready');
    expect(matchesOpenApi(answer.body)).toBe(true);
    return answer;
  } finally {
    await server.close();
  }
}

it('answers 200 ok when every check answers; optional checks say they are optional', async () => {
  const answer = await ready({ database: answers, cache: { probe: answers, required: false } });
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({
    status: 'ok',
    checks: { database: { status: 'ok' }, cache: { status: 'ok', required: false } },
  });
});

it('answers 200 degraded, showing the failure, when only an optional check fails', async () => {
  const answer = await ready({
    database: answers,
    cache: { probe: fails('Redis is not connected (reconnecting)'), required: false },
  });
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({
    status: 'degraded',
    checks: {
      database: { status: 'ok' },
      cache: { status: 'failing', detail: 'Redis is not connected (reconnecting)', required: false },
    },
  });
});

it('answers 503 failing when a required check fails, optional failures or not', async () => {
  const answer = await ready({
    database: answers,
    graph: fails('Neo4j could not run RETURN 1: connection refused'),
    blobs: { probe: answers, required: true },
    cache: { probe: fails('down'), required: false },
  });
  expect(answer.status).toBe(503);
  expect(answer.body).toEqual({
    status: 'failing',
    checks: {
      database: { status: 'ok' },
      graph: { status: 'failing', detail: 'Neo4j could not run RETURN 1: connection refused' },
      blobs: { status: 'ok' },
      cache: { status: 'failing', detail: 'down', required: false },
    },
  });
});

it('counts a check that never answers as failing after 3 s, without holding up the others', async () => {
  const answer = await ready({ database: answers, temporal: () => new Promise<void>(() => undefined) });
  expect(answer.status).toBe(503);
  expect(answer.body.checks).toEqual({
    database: { status: 'ok' },
    temporal: { status: 'failing', detail: 'temporal did not answer within 3000 ms' },
  });
});

it('counts a probe that throws before returning a promise as failing', async () => {
  const answer = await ready({
    vectors: () => {
      throw new Error('no client');
    },
  });
  expect(answer.status).toBe(503);
  expect(answer.body.checks).toEqual({ vectors: { status: 'failing', detail: 'no client' } });
});
