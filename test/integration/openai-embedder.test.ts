import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { LexicalEmbedder, OpenAiEmbedder } from '../../adapters/embedders';
import { lexicalEmbedding } from '../../domain/lexical-embedding';
import { startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';

const dimensions = 32;
let server: EmbeddingServer;

beforeEach(async () => {
  server = await startEmbeddingServer(dimensions);
});
afterEach(async () => {
  await server?.close();
});

const embedderFor = (
  baseUrl: string,
  overrides: { dimensions?: number; apiKey?: string; timeoutMs?: number } = {},
) => new OpenAiEmbedder({ baseUrl, model: 'test-model', dimensions, timeoutMs: 10_000, ...overrides });

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    // Not instanceof Error: fetch's DOMException comes from another realm than Jest's Error.
    expect(typeof (error as Error).message).toBe('string');
    return error as Error;
  }
  throw new Error('the call succeeded');
}

/** A one-off endpoint that records request headers and answers with `respond`. */
async function startRecordingServer(
  respond: (input: string[]) => unknown,
): Promise<{ url: string; headers: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const http: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (piece: Buffer) => (raw += piece.toString()));
    req.on('end', () => {
      headers.push(req.headers);
      const body = JSON.parse(raw) as { input: string[] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(respond(body.input)));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    headers,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

it('returns one vector per input, in input order, of the configured dimension', async () => {
  const texts = ['copper harbour', 'meadow lantern', 'quarry summit', 'river ledger'];
  const vectors = await embedderFor(server.url).embed(texts);
  expect(vectors).toHaveLength(texts.length);
  for (const vector of vectors) expect(vector).toHaveLength(dimensions);
  expect(vectors).toEqual(texts.map((text) => lexicalEmbedding(text, dimensions)));
});

it('sends the model name and the inputs, and names its vector space after the model', async () => {
  const embedder = embedderFor(`${server.url}/`);
  expect(embedder.model).toBe('openai:test-model');
  expect(embedder.dimensions).toBe(dimensions);
  await embedder.embed(['one', 'two']);
  expect(server.requests).toEqual([{ model: 'test-model', input: ['one', 'two'] }]);
});

it('makes no request for no texts', async () => {
  expect(await embedderFor(server.url).embed([])).toEqual([]);
  expect(server.requests).toHaveLength(0);
});

it('puts vectors back in input order when the endpoint answers out of order', async () => {
  const shuffled = await startRecordingServer((input) => ({
    data: input.map((text, index) => ({ index, embedding: lexicalEmbedding(text, dimensions) })).reverse(),
  }));
  try {
    const texts = ['first text', 'second text', 'third text'];
    expect(await embedderFor(shuffled.url).embed(texts)).toEqual(
      texts.map((t) => lexicalEmbedding(t, dimensions)),
    );
  } finally {
    await shuffled.close();
  }
});

it('sends a bearer token when an API key is set, and none otherwise', async () => {
  const recording = await startRecordingServer((input) => ({
    data: input.map((text, index) => ({ index, embedding: lexicalEmbedding(text, dimensions) })),
  }));
  try {
    await embedderFor(recording.url, { apiKey: 'sk-test-123' }).embed(['with key']);
    await embedderFor(recording.url).embed(['without key']);
    expect(recording.headers[0]?.authorization).toBe('Bearer sk-test-123');
    expect(recording.headers[0]?.['content-type']).toBe('application/json');
    expect(recording.headers[1]?.authorization).toBeUndefined();
  } finally {
    await recording.close();
  }
});

it.each([400, 401, 403, 404, 422])(
  'a %i answer is a non-retryable embedding_rejected failure',
  async (status) => {
    server.behaviour = () => status;
    const failure = await failureOf(embedderFor(server.url).embed(['text']));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'embedding_rejected' });
    expect(failure.message).toContain(String(status));
    expect(failure.message).toContain('scripted');
  },
);

it.each([408, 429, 500, 502, 503])('a %i answer is a plain, retryable error', async (status) => {
  server.behaviour = () => status;
  const failure = await failureOf(embedderFor(server.url).embed(['text']));
  expect(failure).not.toBeInstanceOf(ApplicationFailure);
  expect(failure.message).toContain(`answered ${status}`);
});

it('recovers on the next call once the endpoint answers again', async () => {
  server.behaviour = (index) => (index === 0 ? 503 : 'answer');
  const embedder = embedderFor(server.url);
  await expect(embedder.embed(['text'])).rejects.toThrow(/503/);
  await expect(embedder.embed(['text'])).resolves.toHaveLength(1);
});

it('refuses vectors of the wrong dimension as non-retryable', async () => {
  const failure = await failureOf(embedderFor(server.url, { dimensions: dimensions * 2 }).embed(['text']));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ nonRetryable: true, type: 'embedding_rejected' });
  expect(failure.message).toContain(`${dimensions} dimensions, expected ${dimensions * 2}`);
});

it('refuses an answer with a different number of vectors than inputs', async () => {
  const short = await startRecordingServer(() => ({
    data: [{ index: 0, embedding: new Array(dimensions).fill(0) }],
  }));
  try {
    await expect(embedderFor(short.url).embed(['a', 'b'])).rejects.toThrow(/1 vectors for 2 inputs/);
  } finally {
    await short.close();
  }
});

it('gives up on an endpoint that does not answer within the timeout, retryably', async () => {
  server.behaviour = () => 'hang';
  const failure = await failureOf(embedderFor(server.url, { timeoutMs: 300 }).embed(['text']));
  expect(failure).not.toBeInstanceOf(ApplicationFailure);
  expect(failure.name).toMatch(/TimeoutError|AbortError/);
});

describe('LexicalEmbedder', () => {
  it('names its model with the dimension, so spaces of different sizes never mix', () => {
    expect(new LexicalEmbedder().model).toBe('lexical-hash-v1-384');
    expect(new LexicalEmbedder(64).model).toBe('lexical-hash-v1-64');
    expect(new LexicalEmbedder(64).dimensions).toBe(64);
  });

  it('embeds like the domain function', async () => {
    const vectors = await new LexicalEmbedder(48).embed(['alpha beta', 'gamma']);
    expect(vectors).toEqual([lexicalEmbedding('alpha beta', 48), lexicalEmbedding('gamma', 48)]);
  });
});
