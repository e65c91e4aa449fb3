import type { Embedder } from '../adapters/embedders';
import type { Cartridge } from '../domain/cartridge';
import { retrievalStrategies, type RetrievalStrategy } from '../domain/search';
import type { SearchRequest } from './search';

export interface SearchPlan {
  strategies: RetrievalStrategy[];
  weights: Record<RetrievalStrategy, number>;
  groupBy: 'document' | 'chunk';
  /** How many of the first results the cross-encoder re-reads; 0: none. */
  rerank: number;
}

/** How many results a request that asks for re-ranking has re-read, where the cartridge says none. */
const defaultRerankCandidates = 10;

/** The strategies to run and their weights: the request's choice, else every one the cartridge weighs. */
export function planSearch(cartridge: Cartridge, request: SearchRequest, embedder: Embedder): SearchPlan {
  const shares = cartridge.search.strategies;
  // The shares are meant for vectors that carry meaning; the lexical fallback's only repeat the
  // words, so there they count no more than BM25 does.
  const configured = embedder.semantic
    ? shares
    : { ...shares, dense: Math.min(shares.dense, shares.lexical) };
  const strategies = request.strategies
    ? retrievalStrategies.filter((strategy) => request.strategies?.includes(strategy))
    : retrievalStrategies.filter((strategy) => configured[strategy] > 0);
  // A strategy the cartridge leaves out of the fusion joins it, when a request asks for it, with the
  // smallest share any strategy has: present, never dominant.
  const smallest = Math.min(
    ...retrievalStrategies.map((strategy) => configured[strategy]).filter((w) => w > 0),
    1,
  );
  const weights = Object.fromEntries(
    retrievalStrategies.map((strategy) => [
      strategy,
      configured[strategy] > 0 ? configured[strategy] : smallest,
    ]),
  ) as Record<RetrievalStrategy, number>;
  const rerankCandidates = cartridge.search.rerankCandidates;
  const rerank =
    request.rerank === undefined
      ? rerankCandidates
      : request.rerank
        ? rerankCandidates || defaultRerankCandidates
        : 0;
  return { strategies, weights, groupBy: request.groupBy ?? cartridge.search.groupBy, rerank };
}
