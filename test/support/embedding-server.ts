import type { ServerResponse } from 'node:http';
import { lexicalEmbedding } from '../../domain/lexical-embedding';
import { jsonPostServer, listenOnLoopback } from './loopback';

export interface EmbeddingRequestLog {
  model: string;
  input: string[];
}

export interface EmbeddingServer {
  url: string;
  /** The platform settings that make it use this server. */
  env: Record<string, string>;
  requests: EmbeddingRequestLog[];
  /** Decides per request (0-based): answer, hang until released, or fail with a status. */
  behaviour: (index: number) => 'answer' | 'hang' | number;
  delayMs: number;
  /** Answers every request held by 'hang' so far. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A real OpenAI-compatible `/v1/embeddings` endpoint on loopback, answering lexical vectors of the
 * requested dimension, whose behaviour a test can script (hang to hold a step, fail, be slow).
 */
export async function startEmbeddingServer(dimensions: number): Promise<EmbeddingServer> {
  const hanging: Array<{ res: ServerResponse; body: { model: string; input: string[] } }> = [];
  const answer = (res: ServerResponse, body: { model: string; input: string[] }) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: body.input.map((text, i) => ({
          object: 'embedding',
          index: i,
          embedding: lexicalEmbedding(text, dimensions),
        })),
      }),
    );
  };
  const state: EmbeddingServer = {
    url: '',
    env: {},
    requests: [],
    behaviour: () => 'answer',
    delayMs: 0,
    release: () => {
      for (const held of hanging.splice(0)) if (!held.res.destroyed) answer(held.res, held.body);
    },
    close: async () => undefined,
  };
  const server = jsonPostServer<{ model: string; input: string[] }>('/v1/embeddings', (body, req, res) => {
    const index = state.requests.length;
    state.requests.push({ model: body.model, input: body.input });
    const action = state.behaviour(index);
    if (action === 'hang') {
      hanging.push({ res, body });
      return;
    }
    if (typeof action === 'number') {
      res
        .writeHead(action, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'scripted' } }));
      return;
    }
    setTimeout(() => answer(res, body), state.delayMs);
  });
  const listening = await listenOnLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.env = {
    // The platform's embedder for missions that leave the choice to it (cartridge: auto).
    EMBEDDER: 'openai',
    EMBEDDINGS_URL: state.url,
    EMBEDDINGS_MODEL: 'test-embedder',
    EMBEDDINGS_DIMENSIONS: String(dimensions),
  };
  state.close = async () => {
    for (const held of hanging) held.res.destroy();
    await listening.close();
  };
  return state;
}

/**
 * One scripted embeddings server for a test file, started before its stack (pass
 * `() => ({ env: embeddings().env })` to withMissionStack) and closed after it. The default
 * dimension gives the same vectors as the platform's default embedder.
 */
export function withEmbeddingServer(dimensions = 384): () => EmbeddingServer {
  let server: EmbeddingServer | undefined;
  beforeAll(async () => {
    server = await startEmbeddingServer(dimensions);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the embeddings server did not start');
    return server;
  };
}
