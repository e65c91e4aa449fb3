// Pure parts of search: fusing the strategies' rankings, and grouping chunks into documents.

/** The ways search finds candidates; each can run alone or in the fusion. */
export const retrievalStrategies = ['lexical', 'dense', 'graph'] as const;
export type RetrievalStrategy = (typeof retrievalStrategies)[number];

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
 * Reciprocal rank fusion: score = sum over lists of weight / (k + rank). Rank-based, so the
 * strategies' scores need no calibration against each other; a weight says how much a strategy's
 * ranking counts (1 when not given).
 */
export function reciprocalRankFusion(
  lists: ReadonlyArray<readonly RankedCandidate[]>,
  k: number,
  weights: readonly number[] = [],
): FusedCandidate[] {
  const fused = new Map<string, FusedCandidate>();
  lists.forEach((list, listIndex) => {
    const weight = weights[listIndex] ?? 1;
    list.forEach((candidate, position) => {
      const rank = position + 1;
      let entry = fused.get(candidate.chunkId);
      if (!entry) {
        entry = { chunkId: candidate.chunkId, score: 0, ranks: lists.map(() => null) };
        fused.set(candidate.chunkId, entry);
      }
      // A list naming a chunk twice counts its best rank only.
      if (entry.ranks[listIndex] !== null) return;
      entry.score += weight / (k + rank);
      entry.ranks[listIndex] = rank;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || compareIds(a.chunkId, b.chunkId));
}

export interface ScoredChunk {
  chunkId: string;
  documentId: string;
  score: number;
}

export interface DocumentGroup<T extends ScoredChunk> {
  documentId: string;
  /** The best passage's score: a document is as relevant as its most relevant part. */
  score: number;
  /** Its best passages, best first, at most `passagesPerDocument`. */
  passages: T[];
}

/** One entry per document, in the order of each document's best chunk, keeping its best passages. */
export function groupByDocument<T extends ScoredChunk>(
  ranked: readonly T[],
  passagesPerDocument: number,
): Array<DocumentGroup<T>> {
  const groups = new Map<string, DocumentGroup<T>>();
  for (const chunk of ranked) {
    const group = groups.get(chunk.documentId);
    if (!group)
      groups.set(chunk.documentId, { documentId: chunk.documentId, score: chunk.score, passages: [chunk] });
    else if (group.passages.length < passagesPerDocument) group.passages.push(chunk);
  }
  return [...groups.values()];
}

/** Code-unit order: ties break the same way on every machine. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a search may be narrowed to; every given field must hold (AND). */
export interface SearchFilters {
  /** The document's class, or any of several. */
  class?: string | string[];
  /** Every one of these reviewer labels. */
  labels?: string[];
  /** Metadata fields equal to these values (top-level fields of the document's metadata). */
  metadata?: Record<string, string | number | boolean>;
  contentVersion?: number;
  documentIds?: string[];
  /** ISO 8601 bounds on when the document was first received, and when it was last indexed. */
  createdAfter?: string;
  createdBefore?: string;
  indexedAfter?: string;
  indexedBefore?: string;
}

export function hasFilters(filters: SearchFilters | undefined): filters is SearchFilters {
  return filters !== undefined && Object.values(filters).some((value) => value !== undefined);
}
