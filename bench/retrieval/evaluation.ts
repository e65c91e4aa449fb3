import type { Bm25Index } from './bm25';
import {
  distinctInOrder,
  firstRelevantRank,
  percentile,
  rankFigures,
  rankingDepth,
  type RankFigures,
} from './metrics';
import type { QuestionSet } from './questions';
import type { SearchClient, SearchConfiguration } from './search-client';

/**
 * Scores one way of ranking (an API configuration or the BM25 reference) on every question set:
 * each question is asked once, its ranking reduced to distinct pages, and the rank of its first
 * correct page recorded.
 */

export interface SetFigures extends RankFigures {
  /** Latency per question in milliseconds: the client's round trip (BM25: its own compute time). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Answers the API says came from its cache (should be 0: each question is asked once). */
  cached: number;
  /** Questions the API failed to answer (counted as misses). */
  errors: number;
}

export interface ConfigurationResult {
  name: string;
  /** Null when supported; otherwise what the API answered to the first question. */
  notSupported: string | null;
  sets: Record<string, SetFigures>;
}

/** One question's outcome under one configuration, for the JSON report. */
export interface QuestionOutcome {
  set: string;
  question: string;
  pages: string[];
  rank: number | null;
  /** The first three distinct pages returned, to see what came instead. */
  top: string[];
}

interface Ranked {
  pages: string[];
  latencyMs: number;
  cached: boolean;
  failed: boolean;
}

async function evaluate(
  name: string,
  sets: readonly QuestionSet[],
  rank: (query: string) => Promise<Ranked>,
): Promise<{ result: ConfigurationResult; outcomes: QuestionOutcome[] }> {
  const result: ConfigurationResult = { name, notSupported: null, sets: {} };
  const outcomes: QuestionOutcome[] = [];
  for (const set of sets) {
    const ranks: Array<number | null> = [];
    const latencies: number[] = [];
    let cached = 0;
    let errors = 0;
    for (const { question, pages } of set.questions) {
      const ranked = await rank(question);
      const found = firstRelevantRank(ranked.pages, new Set(pages));
      ranks.push(found);
      latencies.push(ranked.latencyMs);
      if (ranked.cached) cached++;
      if (ranked.failed) errors++;
      const top = distinctInOrder(ranked.pages).slice(0, 3);
      outcomes.push({ set: set.name, question, pages, rank: found, top });
    }
    result.sets[set.name] = {
      ...rankFigures(ranks),
      latencyP50Ms: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      cached,
      errors,
    };
  }
  return { result, outcomes };
}

/**
 * One API configuration. If the API refuses it with 400 (a field it does not know yet), it is
 * reported as not supported instead of being scored.
 */
export async function evaluateApiConfiguration(
  client: SearchClient,
  configuration: SearchConfiguration,
  sets: readonly QuestionSet[],
  pageOf: (documentId: string) => string,
): Promise<{ result: ConfigurationResult; outcomes: QuestionOutcome[] }> {
  // Probed with a query that is none of the questions, so each question is still asked only once.
  const probe = await client.ask(configuration, 'configuration probe');
  if (probe.kind === 'refused' && probe.status === 400) {
    return {
      result: { name: configuration.name, notSupported: `400 ${probe.detail}`, sets: {} },
      outcomes: [],
    };
  }
  return evaluate(configuration.name, sets, async (query) => {
    const outcome = await client.ask(configuration, query);
    if (outcome.kind === 'refused') return { pages: [], latencyMs: 0, cached: false, failed: true };
    const { answer } = outcome;
    return {
      pages: answer.documentIds.map(pageOf),
      latencyMs: answer.latencyMs,
      cached: answer.cached,
      failed: false,
    };
  });
}

/** The BM25 reference over whole pages, scored exactly as the API's answers are. */
export function evaluateBm25(
  index: Bm25Index,
  sets: readonly QuestionSet[],
): Promise<{ result: ConfigurationResult; outcomes: QuestionOutcome[] }> {
  return evaluate('bm25 (reference)', sets, async (query) => {
    const started = performance.now();
    const pages = index.search(query, rankingDepth).map((hit) => hit.id);
    return { pages, latencyMs: performance.now() - started, cached: false, failed: false };
  });
}
