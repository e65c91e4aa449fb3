import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Say } from '../../adapters/executables';
import { inParallel } from '../in-parallel';
import { fetchWithRetry } from './http';

/**
 * Sends the corpus through the HTTP API as a user would (one multipart upload per page, with its
 * file name) and waits until every document has settled, reading statuses from the document list.
 */

export interface Submission {
  /** documentId -> page file name. */
  pageByDocument: Map<string, string>;
  /** Pages the API refused outright, with its answer. */
  refused: Array<{ page: string; status: number; detail: string }>;
  /** Pages whose bytes equal an earlier page's, so the API answered with the same document. */
  duplicates: string[];
}

export async function submitPages(
  apiBase: string,
  corpusDir: string,
  pages: readonly string[],
  concurrency: number,
): Promise<Submission> {
  const submission: Submission = { pageByDocument: new Map(), refused: [], duplicates: [] };
  await inParallel(pages, concurrency, async (page) => {
    const form = new FormData();
    const html = await readFile(join(corpusDir, page));
    form.append('file', new Blob([html], { type: 'text/html' }), page);
    const response = await fetchWithRetry(`${apiBase}/v1/missions/default/documents`, {
      method: 'POST',
      body: form,
    });
    if (response.status !== 202) {
      submission.refused.push({
        page,
        status: response.status,
        detail: (await response.text()).slice(0, 300),
      });
      return;
    }
    const { documentId } = (await response.json()) as { documentId: string };
    if (submission.pageByDocument.has(documentId)) submission.duplicates.push(page);
    else submission.pageByDocument.set(documentId, page);
  });
  return submission;
}

/** Where a document's run has come to rest: nothing more will happen to it without a person. */
const settledStatuses = new Set(['indexed', 'failed', 'rejected', 'cancelled', 'deleted', 'awaiting_review']);

export interface DocumentState {
  status: string;
  chunkCount: number | null;
  error: unknown;
}

export interface Settlement {
  states: Map<string, DocumentState>;
  /** Documents still not settled when the wait gave up. */
  unsettled: string[];
}

/**
 * Polls the document list until every submitted document has settled, saying how far it got every
 * ten seconds. Gives up when nothing has moved for `stallSeconds`, rather than hang for ever on a
 * run that will never end. Documents advance together, step by step (each lane serves its queue in
 * order), so few settle before most are nearly done: progress is also read from the pipeline steps
 * completed, which the API's Prometheus metrics count.
 */
export async function waitUntilSettled(
  apiBase: string,
  documentIds: ReadonlySet<string>,
  stallSeconds: number,
  say: Say,
): Promise<Settlement> {
  let progressBefore = '';
  let lastChange = Date.now();
  let lastReport = Date.now();
  for (;;) {
    const states = await listStates(apiBase, documentIds);
    const settled = [...states.values()].filter((state) => settledStatuses.has(state.status)).length;
    if (settled === documentIds.size) return { states, unsettled: [] };
    const steps = await stepsCompleted(apiBase);
    if (`${settled}/${steps}` !== progressBefore) {
      progressBefore = `${settled}/${steps}`;
      lastChange = Date.now();
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      const indexed = [...states.values()].filter((state) => state.status === 'indexed').length;
      say(
        `ingest: ${settled}/${documentIds.size} settled (${indexed} indexed), ${steps} pipeline steps done`,
      );
    }
    if (Date.now() - lastChange > stallSeconds * 1000) {
      const unsettled = [...documentIds].filter((id) => !settledStatuses.has(states.get(id)?.status ?? ''));
      return { states, unsettled };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Pipeline steps finished so far: the sum of the step-duration histogram's counts. */
async function stepsCompleted(apiBase: string): Promise<number> {
  const response = await fetchWithRetry(`${apiBase}/metrics`);
  if (!response.ok) return 0;
  let total = 0;
  for (const match of (await response.text()).matchAll(
    /^missionflow_step_duration_seconds_count\{[^}]*\} (\d+)/gm,
  )) {
    total += Number(match[1]);
  }
  return total;
}

async function listStates(
  apiBase: string,
  documentIds: ReadonlySet<string>,
): Promise<Map<string, DocumentState>> {
  const states = new Map<string, DocumentState>();
  let cursor: string | null = null;
  do {
    const url = new URL(`${apiBase}/v1/missions/default/documents`);
    url.searchParams.set('limit', '200');
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await fetchWithRetry(url);
    if (!response.ok)
      throw new Error(`listing documents answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as {
      documents: Array<{ documentId: string; status: string; chunkCount: number | null; error: unknown }>;
      nextCursor: string | null;
    };
    for (const document of page.documents) {
      if (documentIds.has(document.documentId)) {
        states.set(document.documentId, {
          status: document.status,
          chunkCount: document.chunkCount,
          error: document.error,
        });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return states;
}

/** What a run through the API achieved: the report's figures, and each document's final state. */
export interface ApiIngest {
  submitted: number;
  indexed: number;
  notIndexed: Array<{ page: string; status: string; error: unknown }>;
  refused: Submission['refused'];
  duplicates: string[];
  chunks: number;
  seconds: number;
  documentsPerSecond: number;
  chunksPerSecond: number;
  /** Each indexed document's page and its state. */
  indexedPages: Array<{ page: string; state: DocumentState }>;
  pageOf(documentId: string): string;
}

/**
 * Sends `pages` through the API (`concurrency` uploads in flight) and waits until every one has
 * settled: documents and chunks per second from the first upload to the last document settled.
 */
export async function ingestThroughApi(
  apiBase: string,
  corpusDir: string,
  pages: readonly string[],
  options: { concurrency: number; stallSeconds: number; say: Say },
): Promise<ApiIngest> {
  const started = performance.now();
  const submission = await submitPages(apiBase, corpusDir, pages, options.concurrency);
  const ids = new Set(submission.pageByDocument.keys());
  const settlement = await waitUntilSettled(apiBase, ids, options.stallSeconds, options.say);
  const seconds = (performance.now() - started) / 1000;
  const pageOf = (documentId: string) => submission.pageByDocument.get(documentId) ?? `unknown:${documentId}`;
  const notIndexed: ApiIngest['notIndexed'] = [];
  const indexedPages: ApiIngest['indexedPages'] = [];
  for (const id of ids) {
    const state = settlement.states.get(id);
    if (state?.status === 'indexed') indexedPages.push({ page: pageOf(id), state });
    else
      notIndexed.push({ page: pageOf(id), status: state?.status ?? 'missing', error: state?.error ?? null });
  }
  const chunks = indexedPages.reduce((sum, { state }) => sum + (state.chunkCount ?? 0), 0);
  return {
    submitted: pages.length,
    indexed: indexedPages.length,
    notIndexed,
    refused: submission.refused,
    duplicates: submission.duplicates,
    chunks,
    seconds,
    documentsPerSecond: indexedPages.length / seconds,
    chunksPerSecond: chunks / seconds,
    indexedPages,
    pageOf,
  };
}
