import { resolve } from 'node:path';
import type { Embedder } from './embedders';
import { modelThread, type ModelThread } from './model-thread';
import { embeddingModelSpec, type EmbeddingModelSpec } from './models/catalogue';

export interface LocalModelEmbedderOptions {
  /** A catalogue id (adapters/models/catalogue.ts): dimensions, dtype and max length come from it. */
  modelId: string;
  /** The model's folder: tokenizer files and `onnx/` (see ensureEmbeddingModel). */
  modelDir: string;
  /** Texts per forward pass: larger batches pad more; 16 keeps memory small on 2 cores. */
  batchSize?: number;
}

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
    const thread = await this.thread();
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      // A forward pass cannot be interrupted; between two is where a cancelled activity stops.
      signal?.throwIfAborted();
      const reply = await thread.ask({ texts: texts.slice(start, start + this.batchSize) });
      if (!('vectors' in reply)) throw new Error(`model ${this.spec.id} answered no vectors`);
      vectors.push(...rowsOf(reply.vectors, reply.dimensions));
    }
    return vectors;
  }

  /** Loads the model now rather than on the first embed: a start-up that fails early, not a first request. */
  async warmUp(): Promise<void> {
    await this.thread();
  }

  private thread(): Promise<ModelThread> {
    return modelThread({ kind: 'embedder', spec: this.spec, modelDir: this.modelDir });
  }
}

function rowsOf(flat: Float32Array, dimensions: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < flat.length; start += dimensions) {
    rows.push(Array.from(flat.subarray(start, start + dimensions)));
  }
  return rows;
}
