import { NativeConnection } from '@temporalio/worker';
import { ingestWorkflowId } from '../../domain/documents';
import { defaultLaneConcurrency } from '../../domain/lanes';
import { verificationTaskId } from '../../domain/verification';
import { createLaneWorkers } from '../../workers/ingest';
import { startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';
import { testEnv } from '../support/env';
import { request, waitForDocument, type DocumentView } from '../support/http';
import { openEventStream, type ServerSentEvent } from '../support/sse';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Live progress from the run itself, lanes that fail independently, and the event stream. The stack
 * runs workers for every lane but `fast`, as if that lane's pool were down.
 */

let stack: TestStack;
let embeddings: EmbeddingServer;

beforeAll(async () => {
  embeddings = await startEmbeddingServer(16);
  stack = await startTestStack({ ...embeddings.env, LANES: 'standard,deep,ocr' });
});
afterAll(async () => {
  await stack?.stop();
  await embeddings?.close();
});

async function ingest(body: Record<string, unknown>): Promise<string> {
  const admitted = await request(stack.baseUrl, 'POST', '/v1/missions/default/documents', body);
  expect(admitted.status).toBe(202);
  return admitted.body.documentId as string;
}

/** Polls the document's detail until `done` holds; answers that detail. */
async function detailUntil(documentId: string, done: (document: DocumentView) => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  let last: DocumentView | null = null;
  while (Date.now() < deadline) {
    last = (await request<DocumentView>(stack.baseUrl, 'GET', `/v1/missions/default/documents/${documentId}`))
      .body;
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`document ${documentId} never showed ${what}; last: ${JSON.stringify(last?.progress)}`);
}

const html = (words: string) => `<!doctype html><html><body><h1>Note</h1><p>${words}</p></body></html>`;

it('a decision for a run that is not (yet) waiting for one is refused after a few tries, recording nothing', async () => {
  const documentId = await ingest({ text: 'A short note on tarred rope, for a lane with no worker.' });
  const workflowId = ingestWorkflowId('default', documentId);
  await detailUntil(documentId, (d) => d.progress?.state === 'waiting_for_worker', 'waiting_for_worker');
  // A task listed for the run while the run is elsewhere: what a reviewer sees in the instant
  // between a task being opened and its run taking up the wait.
  const { taskId } = await stack.platform.stores.verification.open({
    missionId: 'default',
    taskId: verificationTaskId(documentId, 1),
    documentId,
    contentVersion: 1,
    workflowId,
    reasons: ['pii'],
    deadlineAt: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const task = `/v1/missions/default/verification/${taskId}`;
  expect((await request(stack.baseUrl, 'POST', `${task}/claim`, { reviewer: 'ada' })).status).toBe(200);
  const started = Date.now();
  const decided = await request(stack.baseUrl, 'POST', `${task}/decision`, {
    reviewer: 'ada',
    decision: 'approve',
  });
  expect(decided.status).toBe(404);
  expect(decided.body).toMatchObject({ code: 'task_not_found' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // it was asked again before giving up
  expect((await request(stack.baseUrl, 'GET', task)).body).toMatchObject({
    state: 'claimed',
    decision: null,
  });
});

it('a lane with no worker: its documents wait as waiting_for_worker on it, other lanes keep indexing', async () => {
  const waiting = await ingest({ text: 'A short plain note about lantern wicks, for the fast lane.' });
  const queued = await detailUntil(
    waiting,
    (d) => d.progress?.state === 'waiting_for_worker' && (d.progress.queuedMs ?? 0) > 0,
    'waiting_for_worker',
  );
  expect(queued.progress).toMatchObject({
    state: 'waiting_for_worker',
    lane: 'fast',
    step: 'parse',
    attempt: 1,
  });
  expect(queued.status).toBe('processing');
  expect(queued.lane).toBe('fast');

  // The standard lane is not held up by the fast lane's queue.
  const other = await ingest({ text: html('An HTML page about harbour cranes.'), mediaType: 'text/html' });
  expect((await waitForDocument(stack.baseUrl, 'default', other)).status).toBe('indexed');
  expect(
    (await request<DocumentView>(stack.baseUrl, 'GET', `/v1/missions/default/documents/${waiting}`)).body
      .status,
  ).toBe('processing');

  // A worker for the lane comes up (here, in this process): the waiting document finishes.
  const connection = await NativeConnection.connect({ address: testEnv.temporalAddress });
  const [worker] = await createLaneWorkers(
    {
      connection,
      namespace: stack.namespace,
      taskQueuePrefix: 'missionflow',
      activities: stack.platform.activities,
      laneConcurrency: defaultLaneConcurrency,
    },
    ['fast'],
  );
  if (!worker) throw new Error('no worker');
  const running = worker.run();
  try {
    const finished = await waitForDocument(stack.baseUrl, 'default', waiting);
    expect(finished.status).toBe('indexed');
    expect(finished.progress).toBeNull();
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
});

it('a step that keeps failing shows as retrying, with its attempt and error; then recovers', async () => {
  embeddings.behaviour = () => 503;
  try {
    const documentId = await ingest({
      text: html('Retries of the lighthouse lamp.'),
      mediaType: 'text/html',
    });
    const retrying = await detailUntil(
      documentId,
      (d) => d.progress?.state === 'retrying' && (d.progress.attempt ?? 0) >= 2,
      'retrying',
    );
    expect(retrying.progress).toMatchObject({ state: 'retrying', step: 'embed', lane: 'standard' });
    expect(retrying.progress?.lastError).toMatch(/503/);
    embeddings.behaviour = () => 'answer';
    expect((await waitForDocument(stack.baseUrl, 'default', documentId)).status).toBe('indexed');
  } finally {
    embeddings.behaviour = () => 'answer';
  }
});

it('a step at work shows as running, with the time it has run', async () => {
  embeddings.delayMs = 4_000;
  try {
    const documentId = await ingest({
      text: html('Slow embeddings of rope ladders.'),
      mediaType: 'text/html',
    });
    const running = await detailUntil(
      documentId,
      (d) =>
        d.progress?.state === 'running' && d.progress.step === 'embed' && (d.progress.runningMs ?? 0) > 0,
      'running',
    );
    expect(running.progress).toMatchObject({ lane: 'standard', attempt: 1, lastError: null, queuedMs: null });
    expect((await waitForDocument(stack.baseUrl, 'default', documentId)).status).toBe('indexed');
  } finally {
    embeddings.delayMs = 0;
  }
});

describe('the event stream', () => {
  const eventsUrl = () => `${stack.baseUrl}/v1/missions/default/events`;

  async function eventsFor(stream: Awaited<ReturnType<typeof openEventStream>>, documentId: string) {
    const seen: ServerSentEvent[] = [];
    for (;;) {
      const event = await stream.next();
      if (!event) throw new Error('the stream ended');
      const data = JSON.parse(event.data) as {
        documentId: string;
        status: string;
        kind: string;
        step: string;
      };
      if (data.documentId !== documentId) continue;
      seen.push(event);
      if (data.kind === 'step' && data.step === 'index' && data.status === 'indexed') return seen;
    }
  }

  it('streams a document from received to indexed, in order, with increasing ids', async () => {
    const stream = await openEventStream(eventsUrl());
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      const documentId = await ingest({ text: html('Events of the tide clock.'), mediaType: 'text/html' });
      const events = await eventsFor(stream, documentId);
      const ids = events.map((event) => Number(event.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const story = events.map((event) => {
        const data = JSON.parse(event.data) as {
          kind: string;
          status: string;
          step: string | null;
          detail: { state?: string };
        };
        return data.kind === 'status' ? `status:${data.status}` : `${data.step}:${data.detail.state}`;
      });
      expect(story[0]).toBe('status:received');
      const order = [
        'classify:running',
        'status:processing',
        'parse:done',
        'pii:done',
        'chunk:done',
        'embed:done',
        'extract:done',
        'graph:done',
        'status:indexed',
        'index:done',
      ];
      const positions = order.map((entry) => story.indexOf(entry));
      expect(positions.every((position) => position > 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(events.every((event) => event.event === 'status' || event.event === 'step')).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID with exactly what was missed', async () => {
    const first = await openEventStream(eventsUrl());
    let all: ServerSentEvent[];
    let documentId: string;
    try {
      documentId = await ingest({ text: html('Resumed events of the bell buoy.'), mediaType: 'text/html' });
      all = await eventsFor(first, documentId);
    } finally {
      first.close();
    }
    const cut = all[2];
    if (!cut?.id) throw new Error('too few events');
    const resumed = await openEventStream(eventsUrl(), { 'last-event-id': cut.id });
    try {
      const rest = await eventsFor(resumed, documentId);
      expect(rest.map((event) => event.id)).toEqual(all.slice(3).map((event) => event.id));
      expect(rest.map((event) => event.data)).toEqual(all.slice(3).map((event) => event.data));
    } finally {
      resumed.close();
    }
    // ?after=0 replays what is kept from the start.
    const replay = await openEventStream(`${eventsUrl()}?after=0`);
    try {
      expect((await replay.next())?.id).toBe('1');
    } finally {
      replay.close();
    }
  });

  it('refuses a Last-Event-ID that is not an event id, and a mission that does not exist', async () => {
    const bad = await fetch(`${stack.baseUrl}/v1/missions/default/events`, {
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_request');
    expect((await fetch(`${stack.baseUrl}/v1/missions/nowhere/events`)).status).toBe(404);
  });
});
