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

/**
 * Each chunk ranking as a ranking of documents: a document takes the rank of its best chunk in that
 * list (its first appearance). Fusing these, rather than chunks, lets two strategies that found
 * different passages of one document agree on the document.
 */
export function documentRankings<T extends RankedCandidate>(
  lists: ReadonlyArray<readonly T[]>,
  documentOf: (chunkId: string) => string | undefined,
): T[][] {
  return lists.map((list) => {
    const seen = new Set<string>();
    const documents: T[] = [];
    for (const candidate of list) {
      const documentId = documentOf(candidate.chunkId);
      if (documentId === undefined || seen.has(documentId)) continue;
      seen.add(documentId);
      // The document takes its best chunk's place (and score, where the list has scores).
      documents.push({ ...candidate, chunkId: documentId });
    }
    return documents;
  });
}

export interface ScoredChunk {
  chunkId: string;
  documentId: string;
  score: number;
}

export interface DocumentGroup<T extends ScoredChunk> {
  documentId: string;
  score: number;
  /** Its best passages, best first, at most `passagesPerDocument`. */
  passages: T[];
}

/**
 * One entry per document of `documents` (in that order, with its score), holding its best passages
 * from `ranked` (chunks, best first).
 */
export function groupByDocument<T extends ScoredChunk>(
  documents: ReadonlyArray<{ documentId: string; score: number }>,
  ranked: readonly T[],
  passagesPerDocument: number,
): Array<DocumentGroup<T>> {
  const passages = new Map<string, T[]>();
  for (const chunk of ranked) {
    const list = passages.get(chunk.documentId) ?? [];
    if (list.length < passagesPerDocument) list.push(chunk);
    passages.set(chunk.documentId, list);
  }
  return documents.flatMap(({ documentId, score }) => {
    const best = passages.get(documentId);
    return best && best.length > 0 ? [{ documentId, score, passages: best }] : [];
  });
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

/** One strategy's candidates with its own scores (BM25, cosine similarity, entity weight), best first. */
export interface ScoredList {
  candidates: ReadonlyArray<{ chunkId: string; score: number }>;
  /** The strategy's share in the fusion (the cartridge's weight). */
  weight: number;
}

/**
 * Score fusion: each list's scores divided by its best (so each strategy's top is 1), then a
 * weighted sum. The weights are the cartridge's, normalised, and shifted towards the strategies
 * whose first result stands out from their second (`confidenceShift` times the difference between a
 * list's margin and the lists' mean margin): a question in the documents' own words gives BM25 a
 * clear winner and leans on it; one in other words gives it a flat list and leans on the vectors.
 * Ranks alone (reciprocal rank fusion) cannot see that difference.
 */
export function scoreFusion(lists: readonly ScoredList[], confidenceShift: number): FusedCandidate[] {
  const active = lists.filter((list) => list.candidates.length > 0 && list.weight > 0);
  const total = active.reduce((sum, list) => sum + list.weight, 0);
  const margins = active.map((list) => margin(list.candidates));
  const meanMargin = margins.reduce((sum, value) => sum + value, 0) / Math.max(1, margins.length);
  const fused = new Map<string, FusedCandidate>();
  lists.forEach((list, listIndex) => {
    const activeIndex = active.indexOf(list);
    if (activeIndex < 0) return;
    const weight = Math.max(
      0,
      list.weight / total + confidenceShift * ((margins[activeIndex] as number) - meanMargin),
    );
    const best = list.candidates[0]?.score ?? 0;
    list.candidates.forEach((candidate, position) => {
      let entry = fused.get(candidate.chunkId);
      if (!entry) {
        entry = { chunkId: candidate.chunkId, score: 0, ranks: lists.map(() => null) };
        fused.set(candidate.chunkId, entry);
      }
      if (entry.ranks[listIndex] !== null) return;
      entry.score += best > 0 ? (weight * candidate.score) / best : 0;
      entry.ranks[listIndex] = position + 1;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || compareIds(a.chunkId, b.chunkId));
}

/** How far the first score stands above the second, as a share of the first (1 with one candidate). */
function margin(candidates: ScoredList['candidates']): number {
  const [first, second] = candidates;
  if (!first || first.score <= 0) return 0;
  return second ? Math.max(0, (first.score - second.score) / first.score) : 1;
}
