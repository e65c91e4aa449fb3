import type { Reranker } from '../adapters/local-cross-encoder';
import type { Logger } from '../observability/logger';

/** What re-ranking needs of a result: the text the cross-encoder reads, and room for its score. */
interface Rerankable {
  title: string | null;
  heading: string | null;
  text: string;
  explain?: { rerank?: { score: number; rankBefore: number } };
}

/**
 * The first `candidates` results in the cross-encoder's order (each read with its title and
 * heading, which say what the passage is about), the rest after them as they were; with `explain`,
 * each re-read result says its score and where the fusion had put it. A reranker that fails leaves
 * the fusion's order (logged): re-ranking refines a search, it never fails one.
 */
export async function rerankResults<T extends Rerankable>(
  reranker: Reranker,
  query: string,
  results: readonly T[],
  candidates: number,
  options: { explain: boolean; logger?: Logger },
): Promise<{ results: T[]; reranked: boolean }> {
  const head = results.slice(0, candidates);
  if (head.length < 2) return { results: [...results], reranked: head.length === 1 };
  let scores: number[];
  try {
    scores = await reranker.score(
      query,
      head.map((hit) => [hit.title, hit.heading, hit.text].filter(Boolean).join('\n')),
    );
  } catch (error) {
    options.logger?.warn({ err: error }, 're-ranking failed; the fusion order is kept');
    return { results: [...results], reranked: false };
  }
  const reordered = head
    .map((hit, index) => ({ hit, index, score: scores[index] ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map(({ hit, index, score }) =>
      options.explain
        ? {
            ...hit,
            explain: { ...hit.explain, rerank: { score: Number(score.toFixed(4)), rankBefore: index + 1 } },
          }
        : hit,
    );
  return { results: [...reordered, ...results.slice(candidates)], reranked: true };
}
