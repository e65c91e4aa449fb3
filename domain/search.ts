/** A ranked candidate from one retrieval path (lexical or vector). */
export interface RankedCandidate {
  chunkId: string;
}

export interface FusedCandidate {
  chunkId: string;
  score: number;
  /** 1-based rank in each input list where the chunk appeared. */
  ranks: Array<number | null>;
}

/**
 * Reciprocal rank fusion: score = sum over lists of 1 / (k + rank). Rank-based, so the lexical
 * and vector scores need no calibration against each other.
 */
export function reciprocalRankFusion(
  lists: ReadonlyArray<readonly RankedCandidate[]>,
  k: number,
): FusedCandidate[] {
  const fused = new Map<string, FusedCandidate>();
  lists.forEach((list, listIndex) => {
    list.forEach((candidate, position) => {
      const rank = position + 1;
      let entry = fused.get(candidate.chunkId);
      if (!entry) {
        entry = { chunkId: candidate.chunkId, score: 0, ranks: lists.map(() => null) };
        fused.set(candidate.chunkId, entry);
      }
      entry.score += 1 / (k + rank);
      entry.ranks[listIndex] = rank;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
}
