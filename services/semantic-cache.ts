import type { CacheGeneration, CacheLookup, SearchCache } from '../stores/cache/search-cache';

/** A remembered question: its text (the exact key of its answer) and its embedding. */
interface RememberedQuestion {
  question: string;
  vector: number[];
}

/** Questions remembered per mission and search settings; the oldest go first. */
const maxRemembered = 200;

/**
 * Answers by question, exactly or by meaning, on top of the search cache (so per mission, and
 * invalidated with the mission's index by its generation, in Redis or in process alike). Besides
 * each answer under its exact question, the cache keeps, per mission and settings, the embeddings of
 * the last questions answered; a new question whose embedding is at least `threshold` similar
 * (cosine) to one of them reuses that answer.
 */
export class SemanticCache {
  constructor(
    private readonly cache: SearchCache,
    private readonly ttlSeconds: number,
  ) {}

  exact<T>(missionId: string, settings: string, question: string): Promise<CacheLookup<T>> {
    return this.cache.lookup<T>(missionId, answerKey(settings, question));
  }

  async closest<T>(
    missionId: string,
    settings: string,
    vector: readonly number[],
    threshold: number,
  ): Promise<T | null> {
    const remembered = (await this.cache.get<RememberedQuestion[]>(missionId, indexKey(settings))) ?? [];
    let best: RememberedQuestion | null = null;
    let bestSimilarity = threshold;
    for (const entry of remembered) {
      const similarity = cosine(vector, entry.vector);
      if (similarity >= bestSimilarity) {
        best = entry;
        bestSimilarity = similarity;
      }
    }
    return best ? this.cache.get<T>(missionId, answerKey(settings, best.question)) : null;
  }

  /** Stores the answer, and the question's embedding beside the others; dropped if the index changed. */
  async remember<T>(
    missionId: string,
    settings: string,
    question: string,
    vector: readonly number[] | null,
    answer: T,
    generation: CacheGeneration,
  ): Promise<void> {
    await this.cache.set(missionId, answerKey(settings, question), answer, this.ttlSeconds, { generation });
    if (!vector) return;
    const remembered = (await this.cache.get<RememberedQuestion[]>(missionId, indexKey(settings))) ?? [];
    const kept = remembered.filter((entry) => entry.question !== question).slice(-(maxRemembered - 1));
    // Four decimals keep the entry small and change a cosine by far less than any useful threshold.
    kept.push({ question, vector: vector.map((value) => Math.round(value * 10_000) / 10_000) });
    await this.cache.set(missionId, indexKey(settings), kept, this.ttlSeconds, { generation });
  }
}

function answerKey(settings: string, question: string): string {
  return JSON.stringify(['answer', settings, question]);
}

function indexKey(settings: string): string {
  return JSON.stringify(['questions', settings]);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
