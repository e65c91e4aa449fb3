/** Small helpers over real HTTP (global fetch) for the API tests. */
import type { RunProgress } from '../../services/progress';

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export async function uploadFile(
  baseUrl: string,
  mission: string,
  bytes: Uint8Array,
  filename: string,
  fields: Record<string, string> = {},
): Promise<JsonResponse> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), filename);
  const response = await fetch(`${baseUrl}/v1/missions/${mission}/documents`, { method: 'POST', body: form });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

export interface DocumentView {
  documentId: string;
  status: string;
  lane: string | null;
  chunkCount: number | null;
  cartridgeVersion: number;
  error: { code: string; message: string } | null;
  steps: Array<{ step: string; status: string; executions: number; durationMs: number | null }>;
  documentClass?: string | null;
  labels?: string[];
  consensusScore?: number | null;
  consensus?: {
    score: number;
    extractors: Array<{ name: string; weight: number; entities: number }>;
    entities: Array<{ type: string; key: string; name: string; extractors: string[]; support: number }>;
  } | null;
  pii?: { found: Record<string, number>; redacted: Record<string, number>; review: string[] } | null;
  progress?: RunProgress | null;
  review?: {
    taskId: string;
    state: string;
    reasons: string[];
    claimant: string | null;
    escalations: number;
  } | null;
  corrections?: Array<{ taskId: string; reviewer: string; correctedAt: string; corrections: unknown }>;
}

const terminal = new Set(['indexed', 'failed', 'rejected', 'cancelled', 'deleted']);

/**
 * Polls a document until it reaches a terminal status; an indexed one also until its step log is
 * closed (the index step makes the document `indexed` inside its work, then records itself done).
 */
export function waitForDocument(
  baseUrl: string,
  mission: string,
  documentId: string,
  timeoutMs = 60_000,
): Promise<DocumentView> {
  return pollDocument(baseUrl, mission, documentId, timeoutMs, 'finish', (document) => {
    // An indexed document's run still removes older versions after the index step (`cleanup`, the
    // last step its log records): the log is closed once that is recorded and nothing runs.
    const steps = document.steps ?? [];
    const stepsClosed =
      document.status !== 'indexed' ||
      (steps.every((step) => step.status !== 'running') && steps.some((step) => step.step === 'cleanup'));
    return terminal.has(document.status) && stepsClosed;
  });
}

/** Polls a document until it has `status` (e.g. `awaiting_review`, which is not terminal). */
export function waitForStatus(
  baseUrl: string,
  mission: string,
  documentId: string,
  status: string,
  timeoutMs = 60_000,
): Promise<DocumentView> {
  return pollDocument(baseUrl, mission, documentId, timeoutMs, `reach ${status}`, (d) => d.status === status);
}

async function pollDocument(
  baseUrl: string,
  mission: string,
  documentId: string,
  timeoutMs: number,
  what: string,
  done: (document: DocumentView) => boolean,
): Promise<DocumentView> {
  const deadline = Date.now() + timeoutMs;
  let last: DocumentView | null = null;
  while (Date.now() < deadline) {
    const response = await request<DocumentView>(
      baseUrl,
      'GET',
      `/v1/missions/${mission}/documents/${documentId}`,
    );
    if (response.status === 200) {
      last = response.body;
      if (done(last)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `document ${documentId} did not ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
  );
}

export interface SearchResponse {
  results: Array<{ documentId: string; chunkId: string; score: number; text: string; title: string | null }>;
  tookMs: number;
  cached: boolean;
}

export async function search(baseUrl: string, mission: string, query: string, limit?: number) {
  return request<SearchResponse>(baseUrl, 'POST', `/v1/missions/${mission}/search`, { query, limit });
}

/**
 * Posts each text to the mission under its name as title (all first, so they are ingested together),
 * with the fields `more` adds, waits until every one is indexed, and answers their ids by name.
 */
export async function ingestNamedDocuments<Name extends string>(
  baseUrl: string,
  missionId: string,
  texts: Record<Name, string>,
  more: (name: Name) => Record<string, unknown> = () => ({}),
): Promise<Record<Name, string>> {
  const names = Object.keys(texts) as Name[];
  const ids = {} as Record<Name, string>;
  for (const name of names) {
    const accepted = await request<{ documentId: string }>(
      baseUrl,
      'POST',
      `/v1/missions/${missionId}/documents`,
      { text: texts[name], title: name, ...more(name) },
    );
    ids[name] = accepted.body.documentId;
  }
  for (const name of names) {
    const document = await waitForDocument(baseUrl, missionId, ids[name]);
    if (document.status !== 'indexed')
      throw new Error(`document ${name} ended ${document.status}, not indexed`);
  }
  return ids;
}
