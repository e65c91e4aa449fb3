import { ApplicationFailure } from '@temporalio/common';
import { lexicalEmbedding, lexicalEmbeddingModel } from '../domain/lexical-embedding';
import { postOpenAiJson } from './openai-http';

/** Turns texts into vectors. `model` names the vector space, so vectors of two models never mix. */
export interface Embedder {
  readonly model: string;
  readonly dimensions: number;
  /** Whether its vectors carry meaning (a trained model), or only the words (lexical hashing). */
  readonly semantic: boolean;
  /** `signal` aborts a request in flight (activity cancelled, worker shutting down). */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/** The model-free default: lexical feature hashing (see domain/lexical-embedding.ts). */
export class LexicalEmbedder implements Embedder {
  readonly model: string;
  readonly semantic = false;

  constructor(readonly dimensions = 384) {
    this.model = `${lexicalEmbeddingModel}-${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => lexicalEmbedding(text, this.dimensions));
  }
}

export interface OpenAiEmbedderOptions {
  /** Base URL up to and including the API version, e.g. https://api.example.com/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  dimensions: number;
  timeoutMs?: number;
}

/** Any OpenAI-compatible `/embeddings` endpoint (errors classified by postOpenAiJson). */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  readonly semantic = true;
  readonly dimensions: number;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.model = `openai:${options.model}`;
    this.dimensions = options.dimensions;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    const body = await postOpenAiJson<{ data?: Array<{ index: number; embedding: number[] }> }>({
      baseUrl: this.options.baseUrl,
      path: '/embeddings',
      apiKey: this.options.apiKey,
      body: { model: this.options.model, input: texts },
      signal,
      timeoutMs: this.options.timeoutMs ?? 120_000,
      what: 'embeddings endpoint',
      rejectedCode: 'embedding_rejected',
    });
    const data = body.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new Error(
        `embeddings endpoint returned ${data?.length ?? 'no'} vectors for ${texts.length} inputs`,
      );
    }
    const vectors = [...data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
    for (const vector of vectors) {
      if (!Array.isArray(vector) || vector.length !== this.dimensions) {
        throw ApplicationFailure.nonRetryable(
          `embeddings endpoint returned a vector of ${Array.isArray(vector) ? vector.length : 'no'} dimensions, expected ${this.dimensions}`,
          'embedding_rejected',
        );
      }
    }
    return vectors;
  }
}
