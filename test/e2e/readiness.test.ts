import { request, search } from '../support/http';
import { withMissionStack } from '../support/missions';
import { freePort } from '../support/services/service';
import type { TestStack } from '../support/stack';

// /health/ready of a whole stack, started as `npm start` composes it, with one dependency pointed at
// a loopback port where nothing listens. Embedded profile otherwise: it needs nothing but loopback.

interface Readiness {
  status: string;
  checks: Record<string, { status: string; detail?: string; required?: boolean }>;
}

const allChecks = ['blobs', 'cache', 'database', 'graph', 'temporal', 'vectors', 'workers'];

/** The readiness answer, after checking that every dependency but `failing` answered. */
async function readiness(stack: TestStack, failing: string) {
  const ready = await request<Readiness>(stack.baseUrl, 'GET', '/health/ready');
  expect(Object.keys(ready.body.checks).sort()).toEqual(allChecks);
  for (const name of allChecks.filter((check) => check !== failing)) {
    expect([name, ready.body.checks[name]?.status]).toEqual([name, 'ok']);
  }
  return ready;
}

interface DeadServiceStack {
  stack: TestStack;
  /** The stack's one mission (test/support/missions.ts). */
  missionId: string;
}

/**
 * One stack for the describe block, with `variable` pointing at a loopback port nothing listens on,
 * and any `more` settings.
 */
function stackWithDeadService(
  variable: string,
  url: (port: number) => string,
  more: Record<string, string> = {},
): () => DeadServiceStack {
  let port = 0;
  let started: DeadServiceStack | undefined;
  beforeAll(async () => {
    port = await freePort();
  });
  withMissionStack(
    ['readiness'],
    () => ({ env: { ...more, [variable]: url(port) } }),
    (stack, [missionId]) => {
      started = { stack, missionId: missionId as string };
    },
  );
  return () => {
    if (!started) throw new Error('the stack did not start; see the first error');
    return started;
  };
}

describe('a stack whose Neo4j does not answer', () => {
  const started = stackWithDeadService('NEO4J_URL', (port) => `bolt://127.0.0.1:${port}`);

  it('is not ready: 503 failing, with the graph failing and every other check ok', async () => {
    const ready = await readiness(started().stack, 'graph');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('failing');
    expect(ready.body.checks.graph).toEqual({
      status: 'failing',
      detail: expect.stringMatching(/^Neo4j could not run RETURN 1: .*ECONNREFUSED/s),
    });
  });
});

describe('a stack whose Redis does not answer', () => {
  // No worker for the fast lane: a short text's run waits for one instead of retrying its index step
  // (which invalidates the cache) inside the workflow worker, which would hold up the stack's stop.
  const started = stackWithDeadService('REDIS_URL', (port) => `redis://127.0.0.1:${port}`, {
    LANES: 'standard,deep,ocr',
  });

  it('stays in rotation: 200 degraded, with the optional cache failing and every other check ok', async () => {
    const ready = await readiness(started().stack, 'cache');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.cache).toEqual({
      status: 'failing',
      detail: expect.stringMatching(/^Redis /),
      required: false,
    });
  });

  it('still searches, without the cache', async () => {
    const { stack, missionId } = started();
    const found = await search(stack.baseUrl, missionId, 'lighthouse keeper');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ results: [], cached: false });
  });

  it('accepts a deletion: the document is deleted at once, its purge waits for the cache', async () => {
    const { stack, missionId } = started();
    const accepted = await request<{ documentId: string }>(
      stack.baseUrl,
      'POST',
      `/v1/missions/${missionId}/documents`,
      { text: 'A note about the harbour crane, sent while the search cache was down.' },
    );
    expect(accepted.status).toBe(202);
    const documents = `/v1/missions/${missionId}/documents/${accepted.body.documentId}`;
    const deleted = await request<{ status: string }>(stack.baseUrl, 'DELETE', documents);
    expect(deleted.status).toBe(202);
    expect(deleted.body.status).toBe('deleted');
    const document = await request<{ status: string; purgedAt: string | null }>(
      stack.baseUrl,
      'GET',
      documents,
    );
    expect(document.body).toMatchObject({ status: 'deleted', purgedAt: null });
  });
});
