/**
 * BM25 (lexical-index.ts) and the graph strategy (chunk-entities.ts) rank chunks by a sum over the
 * question's terms or entities, and answer in two passes so that a question costs about the same in
 * a mission of a thousand chunks and of a million:
 * 1. candidates: for each term or entity, its first `depth` rows in the order where it counts most,
 *    scored with only what was read;
 * 2. the best `shortlist` candidates scored exactly, every term or entity looked up in each.
 * A term or entity in fewer chunks than `depth` is read whole, so the ranking is exact unless one is
 * that common; then what can be missed is a chunk that only the common one would have lifted into
 * the shortlist.
 */
export function rankingPasses(limit: number): { depth: number; shortlist: number } {
  return { depth: Math.max(1000, 10 * limit), shortlist: Math.max(200, 4 * limit) };
}
