import { resolve } from 'node:path';
import { modelThread } from './model-thread';
import { crossEncoderModel, type CrossEncoderModelSpec } from './models/catalogue';

/** Scores how well each passage answers a question (higher is better), for re-ranking. */
export interface Reranker {
  readonly model: string;
  score(query: string, passages: readonly string[]): Promise<number[]>;
}

/**
 * The cross-encoder of the catalogue (ms-marco-MiniLM-L-12-v2), run from a local folder in a thread
 * of its own: the question and each passage are read together (a forward pass per passage), rather
 * than compared as two separately made vectors. Trained on web questions: measure it on the
 * mission's documents before relying on it (README: Re-ranking).
 */
export class LocalCrossEncoder implements Reranker {
  readonly model: string;
  private readonly spec: CrossEncoderModelSpec = crossEncoderModel;
  private readonly modelDir: string;

  constructor(modelDir: string) {
    this.model = `local:${this.spec.id}`;
    this.modelDir = resolve(modelDir);
  }

  async score(query: string, passages: readonly string[]): Promise<number[]> {
    if (passages.length === 0) return [];
    const thread = await modelThread({ kind: 'cross-encoder', spec: this.spec, modelDir: this.modelDir });
    const reply = await thread.ask({ query, passages: [...passages] });
    if (!('scores' in reply)) throw new Error(`model ${this.spec.id} answered no scores`);
    return Array.from(reply.scores);
  }

  /** Loads the model now: a start-up that fails early, not a first search. */
  async warmUp(): Promise<void> {
    await modelThread({ kind: 'cross-encoder', spec: this.spec, modelDir: this.modelDir });
  }
}
