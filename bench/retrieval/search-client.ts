import { fetchWithRetry } from './http';
/**
 * Asks the platform's search API every question, once per configuration. The API is being extended
 * (strategies, grouping by document): a configuration today's API refuses with 400 is reported as
 * not supported, and the run goes on with the others.
 */

export type Strategy = 'lexical' | 'dense' | 'graph';

export interface SearchConfiguration {
  name: string;
  /** Absent: the API's default, every strategy fused. */
  strategies?: Strategy[];
  /** Re-rank the first results with the cross-encoder (a platform started with RERANKER=local). */
  rerank?: boolean;
}

export const searchConfigurations: SearchConfiguration[] = [
  { name: 'fusion' },
  { name: 'lexical', strategies: ['lexical'] },
  { name: 'dense', strategies: ['dense'] },
  { name: 'graph', strategies: ['graph'] },
];

/** The fusion re-ranked by the cross-encoder, measured when the platform runs with RERANKER=local. */
export const rerankedConfiguration: SearchConfiguration = { name: 'fusion+rerank', rerank: true };

/** Pages scored per question. */
const pagesWanted = 10;
/**
 * Without grouping by document, one page may fill several places with its chunks: ask for more
 * (the cartridge's maximum) so that ten distinct pages usually remain after removing repeats.
 */
const chunksWantedUngrouped = 50;

export interface SearchAnswer {
  /** Result document ids in the API's order (repeats included when results are chunks). */
  documentIds: string[];
  /** Round trip seen by the client, in milliseconds. */
  latencyMs: number;
  /** The API's own `tookMs`. */
  tookMs: number;
  cached: boolean;
}

export type AskOutcome =
  { kind: 'answer'; answer: SearchAnswer } | { kind: 'refused'; status: number; detail: string };

export class SearchClient {
  constructor(
    private readonly apiBase: string,
    /** Whether the API takes `groupBy: "document"`; see `probeGroupBy`. */
    private readonly groupByDocument: boolean,
  ) {}

  /** Whether the API accepts `groupBy: "document"` (today's refuses unknown fields with 400). */
  static async probeGroupBy(apiBase: string): Promise<boolean> {
    const response = await post(apiBase, { query: 'probe', limit: 1, groupBy: 'document' });
    await response.body?.cancel();
    return response.status !== 400;
  }

  async ask(configuration: SearchConfiguration, query: string): Promise<AskOutcome> {
    const body: Record<string, unknown> = {
      query,
      limit: this.groupByDocument ? pagesWanted : chunksWantedUngrouped,
      ...(this.groupByDocument ? { groupBy: 'document' } : {}),
      ...(configuration.strategies ? { strategies: configuration.strategies } : {}),
      ...(configuration.rerank ? { rerank: true } : {}),
    };
    const started = performance.now();
    const response = await post(this.apiBase, body);
    const text = await response.text();
    const latencyMs = performance.now() - started;
    if (!response.ok) return { kind: 'refused', status: response.status, detail: text.slice(0, 300) };
    const parsed = JSON.parse(text) as {
      results: Array<{ documentId: string }>;
      tookMs: number;
      cached: boolean;
    };
    return {
      kind: 'answer',
      answer: {
        documentIds: parsed.results.map((result) => result.documentId),
        latencyMs,
        tookMs: parsed.tookMs,
        cached: parsed.cached,
      },
    };
  }
}

function post(apiBase: string, body: unknown): Promise<Response> {
  return fetchWithRetry(`${apiBase}/v1/missions/default/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
