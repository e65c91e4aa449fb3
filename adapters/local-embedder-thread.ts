/**
 * Entry point of the thread that runs a local embedding model (see local-embedder.ts). ONNX
 * Runtime's forward pass is synchronous in the calling thread: seconds for a batch of long chunks on
 * 2 cores. Run on the main thread it would stall the process's event loop (the API's requests,
 * activity heartbeats, workflow tasks of a worker in the same process) for as long, so it runs here.
 *
 * Messages in: `{ id, texts }`. Out: `{ ready: true }` once the model is loaded, or `{ loadError }`;
 * then per request `{ id, vectors, dimensions }` (a transferred Float32Array, row after row) or
 * `{ id, error }`.
 */
import { basename, dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureExtractionPipeline, Tensor } from '@huggingface/transformers';
import type { EmbeddingModelSpec } from './models/catalogue';

export interface EmbedderThreadData {
  spec: EmbeddingModelSpec;
  modelDir: string;
}

export type EmbedderThreadReply =
  | { ready: true }
  | { loadError: string }
  | { id: number; vectors: Float32Array; dimensions: number }
  | { id: number; error: string };

type EmbedBatch = (texts: string[]) => Promise<{ data: Float32Array<ArrayBuffer>; dimensions: number }>;

async function loadModel({ spec, modelDir }: EmbedderThreadData): Promise<EmbedBatch> {
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
  return async (texts) => {
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
    const pooled = mean_pooling(tokenEmbeddings, inputs.attention_mask).normalize(2, -1);
    return { data: Float32Array.from(pooled.data as Float32Array), dimensions: pooled.dims[1] as number };
  };
}

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('local-embedder-thread runs as a worker thread only');
  const loading = loadModel(workerData as EmbedderThreadData);
  loading.then(
    () => port.postMessage({ ready: true } satisfies EmbedderThreadReply),
    (error: unknown) =>
      port.postMessage({ loadError: (error as Error).message } satisfies EmbedderThreadReply),
  );
  // One request at a time, in order: a forward pass already uses every core ONNX Runtime is given.
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', ({ id, texts }: { id: number; texts: string[] }) => {
    queue = queue.then(async () => {
      try {
        const { data, dimensions } = await (await loading)(texts);
        port.postMessage({ id, vectors: data, dimensions } satisfies EmbedderThreadReply, [data.buffer]);
      } catch (error) {
        port.postMessage({ id, error: (error as Error).message } satisfies EmbedderThreadReply);
      }
    });
  });
}

serve();
