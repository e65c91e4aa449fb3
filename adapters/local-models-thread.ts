/**
 * Entry point of the thread that runs one local ONNX model (model-thread.ts starts it): the
 * embedding model, or the cross-encoder that re-ranks search results. ONNX Runtime's forward pass is
 * synchronous in the calling thread: seconds for a batch of long texts on 2 cores. Run on the main
 * thread it would stall the process's event loop (the API's requests, activity heartbeats, workflow
 * tasks of a worker in the same process) for as long, so it runs here.
 *
 * Messages in: `{ id, request }`. Out: `{ ready: true }` once the model is loaded, or
 * `{ loadError }`; then per request `{ id, reply }` or `{ id, error }`. Vectors and scores travel
 * as transferred Float32Arrays.
 */
import { basename, dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureExtractionPipeline, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import type { CrossEncoderModelSpec, EmbeddingModelSpec } from './models/catalogue';
import { onnxFileByDtype } from './models/catalogue';

export type ModelThreadData =
  | { kind: 'embedder'; spec: EmbeddingModelSpec; modelDir: string }
  | { kind: 'cross-encoder'; spec: CrossEncoderModelSpec; modelDir: string };

export type ModelRequest = { texts: string[] } | { query: string; passages: string[] };
export type ModelReply =
  { vectors: Float32Array<ArrayBuffer>; dimensions: number } | { scores: Float32Array<ArrayBuffer> };

export type ModelThreadMessage =
  { ready: true } | { loadError: string } | { id: number; reply: ModelReply } | { id: number; error: string };

type Answer = (request: ModelRequest) => Promise<ModelReply>;

/** transformers.js finds local models by a setting of its own: the folder's parent, remote off. */
async function transformersFor(modelDir: string) {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = `${dirname(modelDir)}/`;
  return transformers;
}

async function loadEmbedder(spec: EmbeddingModelSpec, modelDir: string): Promise<Answer> {
  const transformers = await transformersFor(modelDir);
  const extractor: FeatureExtractionPipeline = await transformers.pipeline(
    'feature-extraction',
    basename(modelDir),
    { dtype: spec.dtype, local_files_only: true },
  );
  const outputName = spec.tokenEmbeddingsOutput ?? 'last_hidden_state';
  return async (request) => {
    if (!('texts' in request)) throw new Error('an embedding model is asked for texts only');
    // The pipeline's own call would truncate at the tokenizer's 512 tokens and read only
    // `last_hidden_state`: the same steps here, at the model's trained length and named output.
    const inputs = extractor.tokenizer(request.texts, {
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
    const pooled = transformers.mean_pooling(tokenEmbeddings, inputs.attention_mask).normalize(2, -1);
    return { vectors: Float32Array.from(pooled.data as Float32Array), dimensions: pooled.dims[1] as number };
  };
}

/**
 * A BERT cross-encoder run by ONNX Runtime itself (the package ships no config.json for
 * transformers.js's model classes), with transformers.js's tokenizer making the question–passage
 * pairs: `[CLS] question [SEP] passage [SEP]`, the passage cut first when the pair is too long.
 */
async function loadCrossEncoder(spec: CrossEncoderModelSpec, modelDir: string): Promise<Answer> {
  const transformers = await transformersFor(modelDir);
  const ort = await import('onnxruntime-node');
  const tokenizer: PreTrainedTokenizer = await transformers.AutoTokenizer.from_pretrained(
    basename(modelDir),
    {
      local_files_only: true,
    },
  );
  const session = await ort.InferenceSession.create(join(modelDir, onnxFileByDtype[spec.dtype]));
  return async (request) => {
    if (!('query' in request)) throw new Error('a cross-encoder is asked for a query and passages only');
    if (request.passages.length === 0) return { scores: new Float32Array(0) };
    const encoded = tokenizer(
      request.passages.map(() => request.query),
      { text_pair: request.passages, padding: true, truncation: true, max_length: spec.maxTokens },
    ) as Record<'input_ids' | 'attention_mask' | 'token_type_ids', Tensor>;
    const feeds = Object.fromEntries(
      session.inputNames.map((name) => {
        const tensor = encoded[name as keyof typeof encoded];
        if (!tensor)
          throw new Error(`model ${spec.id} wants input '${name}', which the tokenizer does not make`);
        return [name, new ort.Tensor('int64', tensor.data as BigInt64Array, tensor.dims)];
      }),
    );
    const outputs = await session.run(feeds);
    const logits = outputs[session.outputNames[0] as string];
    if (!logits) throw new Error(`model ${spec.id} gave no output`);
    return { scores: Float32Array.from(logits.data as Float32Array) };
  };
}

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('local-models-thread runs as a worker thread only');
  const data = workerData as ModelThreadData;
  const loading =
    data.kind === 'embedder'
      ? loadEmbedder(data.spec, data.modelDir)
      : loadCrossEncoder(data.spec, data.modelDir);
  loading.then(
    () => port.postMessage({ ready: true } satisfies ModelThreadMessage),
    (error: unknown) =>
      port.postMessage({ loadError: (error as Error).message } satisfies ModelThreadMessage),
  );
  // One request at a time, in order: a forward pass already uses every core ONNX Runtime is given.
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', ({ id, request }: { id: number; request: ModelRequest }) => {
    queue = queue.then(async () => {
      try {
        const reply = await (await loading)(request);
        const buffer = 'vectors' in reply ? reply.vectors.buffer : reply.scores.buffer;
        port.postMessage({ id, reply } satisfies ModelThreadMessage, [buffer]);
      } catch (error) {
        port.postMessage({ id, error: (error as Error).message } satisfies ModelThreadMessage);
      }
    });
  });
}

serve();
