/**
 * BM25 (lexical-index.ts) and the graph strategy (chunk-entities.ts) rank chunks by a sum over the
 * question's terms or entities, and answer in two passes so that a question costs about the same in
 * a mission of a thousand chunks and of a million:
 * 1. candidates: for each term or entity, its first `depth` rows in the order where it counts most,
 *    scored with only what was read;
 * 2. the best `shortlist` candidates scored exactly, every term or entity that was not read whole
 *    looked up in each.
 * A term or entity in fewer chunks than `depth` is read whole, so the ranking is exact unless one is
 * that common; then what can be missed is a chunk that only the common one would have lifted into
 * the shortlist.
 */
export interface RankingPasses {
  depth: number;
  shortlist: number;
}

/**
 * For BM25. A term's postings are read best first, so reading deeper finds more: at 100,000 chunks,
 * recall@10 against exhaustive BM25 was 0.87 at depth 1,000, 0.93 at 2,000, 0.955 at 3,000 and
 * 0.98 at 5,000, for 15, 19, 21 and 25 ms at the median (npm run bench:search).
 */
export function termPasses(limit: number): RankingPasses {
  return { depth: Math.max(3000, 10 * limit), shortlist: Math.max(200, 4 * limit) };
}

/**
 * For the graph strategy. Every mention of one entity weighs the same, so reading deeper into a
 * common entity's mentions only adds chunks that tie; the rarer entities beside it are read whole,
 * and the common one's weight is added to their chunks in the second pass.
 */
export function mentionPasses(limit: number): RankingPasses {
  return { depth: Math.max(1000, 10 * limit), shortlist: Math.max(200, 4 * limit) };
}
