import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Embedder } from './embedders';
import type { EmbedderThreadData, EmbedderThreadReply } from './local-embedder-thread';
import { embeddingModelSpec, type EmbeddingModelSpec } from './models/catalogue';

export interface LocalModelEmbedderOptions {
  /** A catalogue id (adapters/models/catalogue.ts): dimensions, dtype and max length come from it. */
  modelId: string;
  /** The model's folder: tokenizer files and `onnx/` (see ensureEmbeddingModel). */
  modelDir: string;
  /** Texts per forward pass: larger batches pad more; 16 keeps memory small on 2 cores. */
  batchSize?: number;
}

/** The model as loaded: the pipeline's tokenizer and ONNX session. */
interface LoadedModel {
  embedBatch(texts: string[]): Promise<number[][]>;
}

// One thread per model folder per process, shared by every embedder on it: the first call starts
// it and concurrent callers wait for the same promise.
const loads = new Map<string, Promise<LoadedModel>>();

/**
 * A sentence-embedding model run in this process by transformers.js on onnxruntime-node, in a
 * worker thread, from a local folder only (never a hub): mean pooling over the tokens, then unit
 * length, as sentence-transformers does for these models. Loaded on first use.
 */
export class LocalModelEmbedder implements Embedder {
  readonly semantic = true;
  readonly model: string;
  readonly dimensions: number;
  private readonly spec: EmbeddingModelSpec;
  private readonly modelDir: string;
  private readonly batchSize: number;

  constructor(options: LocalModelEmbedderOptions) {
    this.spec = embeddingModelSpec(options.modelId);
    this.model = `local:${this.spec.id}`;
    this.dimensions = this.spec.dimensions;
    this.modelDir = resolve(options.modelDir);
    this.batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`batch size must be a positive whole number, got ${options.batchSize}`);
    }
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    signal?.throwIfAborted();
    const loaded = await this.loaded();
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      // A forward pass cannot be interrupted; between two is where a cancelled activity stops.
      signal?.throwIfAborted();
      vectors.push(...(await loaded.embedBatch(texts.slice(start, start + this.batchSize))));
    }
    return vectors;
  }

  /** Loads the model now rather than on the first embed: a start-up that fails early, not a first request. */
  async warmUp(): Promise<void> {
    await this.loaded();
  }

  private loaded(): Promise<LoadedModel> {
    const key = `${this.spec.id}@${this.modelDir}`;
    let loading = loads.get(key);
    if (!loading) {
      // A failed load, or a thread that died, is not remembered: a later call loads again.
      loading = loadModel(this.spec, this.modelDir, () => {
        if (loads.get(key) === loading) loads.delete(key);
      });
      loads.set(key, loading);
    }
    return loading;
  }
}

/**
 * The compiled thread entry. Running from TypeScript sources (the test suite), the build output is
 * used: a worker thread runs plain JavaScript.
 */
function threadScript(): string {
  const candidates = [
    join(__dirname, 'local-embedder-thread.js'),
    join(__dirname, '..', 'dist', 'adapters', 'local-embedder-thread.js'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error(`embedder thread script not found (run npm run build): ${candidates.join(', ')}`);
  return found;
}

/**
 * Loads the model in a worker thread of its own (local-embedder-thread.ts says why) and answers
 * once it is ready. An idle thread does not keep the process alive; if it dies, every request
 * waiting on it fails and the next call loads the model again.
 */
function loadModel(spec: EmbeddingModelSpec, modelDir: string, forget: () => void): Promise<LoadedModel> {
  return new Promise((resolveLoaded, rejectLoaded) => {
    const thread = new Worker(threadScript(), {
      workerData: { spec, modelDir } satisfies EmbedderThreadData,
    });
    const waiting = new Map<number, { resolve(vectors: number[][]): void; reject(error: Error): void }>();
    let nextId = 0;
    let ready = false;
    const fail = (error: Error) => {
      forget();
      if (!ready) rejectLoaded(error);
      for (const request of waiting.values()) request.reject(error);
      waiting.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`the embedding model's thread stopped (exit code ${code})`)));
    thread.on('message', (reply: EmbedderThreadReply) => {
      if ('ready' in reply) {
        ready = true;
        thread.unref();
        resolveLoaded(loaded);
      } else if ('loadError' in reply) {
        void thread.terminate();
        fail(new Error(reply.loadError));
      } else {
        const request = waiting.get(reply.id);
        waiting.delete(reply.id);
        if (waiting.size === 0) thread.unref();
        if ('error' in reply) request?.reject(new Error(reply.error));
        else request?.resolve(rowsOf(reply.vectors, reply.dimensions));
      }
    });
    const loaded: LoadedModel = {
      embedBatch: (texts) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          // Held while it works, so a process waiting for vectors is not ended under it; an idle
          // thread keeps no process alive (listeners ref a worker: unref comes after them).
          thread.ref();
          thread.postMessage({ id, texts });
        }),
    };
  });
}

function rowsOf(flat: Float32Array, dimensions: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < flat.length; start += dimensions) {
    rows.push(Array.from(flat.subarray(start, start + dimensions)));
  }
  return rows;
}
