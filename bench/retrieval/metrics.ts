/**
 * Page-level retrieval figures. A result list may name one page several times (one entry per
 * chunk); it is reduced to its pages, first occurrence kept, before anything is scored.
 */

/** How deep a ranking is read: MRR@10 looks no further, and neither does any other figure. */
export const rankingDepth = 10;

/** The distinct entries of a ranking, each at the place it first appears. */
export function distinctInOrder(ranking: readonly string[]): string[] {
  return [...new Set(ranking)];
}

/** 1-based rank of the first relevant page within the depth, or null when none is found there. */
export function firstRelevantRank(
  pages: readonly string[],
  relevant: ReadonlySet<string>,
  depth: number = rankingDepth,
): number | null {
  const distinct = distinctInOrder(pages).slice(0, depth);
  const index = distinct.findIndex((page) => relevant.has(page));
  return index === -1 ? null : index + 1;
}

export interface RankFigures {
  questions: number;
  /** Share of questions whose first result is a correct page. */
  hitAt1: number;
  /** Share of questions with a correct page among the first five. */
  hitAt5: number;
  /** Mean of 1/rank of the first correct page, 0 when it is not in the first ten. */
  mrrAt10: number;
}

export function rankFigures(ranks: ReadonlyArray<number | null>): RankFigures {
  const count = ranks.length;
  if (count === 0) return { questions: 0, hitAt1: 0, hitAt5: 0, mrrAt10: 0 };
  const share = (test: (rank: number) => boolean) =>
    ranks.filter((rank) => rank !== null && test(rank)).length / count;
  const reciprocal = ranks.reduce<number>(
    (sum, rank) => sum + (rank !== null && rank <= rankingDepth ? 1 / rank : 0),
    0,
  );
  return {
    questions: count,
    hitAt1: share((rank) => rank === 1),
    hitAt5: share((rank) => rank <= 5),
    mrrAt10: reciprocal / count,
  };
}

/** The nearest-rank percentile (p in 0..100) of a sample; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
