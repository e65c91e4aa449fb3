import { basename, dirname, resolve } from 'node:path';
import type { FeatureExtractionPipeline, Tensor } from '@huggingface/transformers';
import type { Embedder } from './embedders';
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

// One load per model folder per process, shared by every embedder on it: the first call starts it
// and concurrent callers wait for the same promise.
const loads = new Map<string, Promise<LoadedModel>>();
// transformers.js finds local models through a process-wide setting; loads are run one at a time
// so two folders under different parents cannot swap it under each other.
let loadQueue: Promise<unknown> = Promise.resolve();

/**
 * A sentence-embedding model run in this process by transformers.js on onnxruntime-node, from a
 * local folder only (never a hub): mean pooling over the tokens, then unit length, as
 * sentence-transformers does for these models. Loaded on first use.
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
      loading = loadModel(this.spec, this.modelDir);
      loads.set(key, loading);
      // A failed load is not remembered: a later call tries again (the folder may be fixed by then).
      loading.catch(() => loads.delete(key));
    }
    return loading;
  }
}

function loadModel(spec: EmbeddingModelSpec, modelDir: string): Promise<LoadedModel> {
  const loaded = loadQueue.then(async () => {
    // Imported here: onnxruntime's native library is loaded only by processes that embed locally.
    const transformers = await import('@huggingface/transformers');
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.localModelPath = `${dirname(modelDir)}/`;
    const extractor: FeatureExtractionPipeline = await transformers.pipeline(
      'feature-extraction',
      basename(modelDir),
      { dtype: spec.dtype, local_files_only: true },
    );
    const { mean_pooling } = transformers;
    const outputName = spec.tokenEmbeddingsOutput ?? 'last_hidden_state';
    return {
      async embedBatch(texts: string[]): Promise<number[][]> {
        // The pipeline's own call would truncate at the tokenizer's 512 tokens and read only
        // `last_hidden_state`: the same steps here, at the model's trained length and named output.
        const inputs = extractor.tokenizer(texts, {
          padding: true,
          truncation: true,
          max_length: spec.maxTokens,
        }) as { attention_mask: Tensor };
        const outputs = (await extractor.model(inputs)) as Record<string, Tensor | undefined>;
        const tokenEmbeddings = outputs[outputName];
        if (!tokenEmbeddings) {
          throw new Error(
            `model ${spec.id} has no output '${outputName}' (it has ${Object.keys(outputs).join(', ')})`,
          );
        }
        return mean_pooling(tokenEmbeddings, inputs.attention_mask).normalize(2, -1).tolist() as number[][];
      },
    } satisfies LoadedModel;
  });
  loadQueue = loaded.catch(() => undefined);
  return loaded;
}
