/** Small helpers over real HTTP (global fetch) for the API tests. */
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
}

const terminal = new Set(['indexed', 'failed', 'rejected', 'cancelled', 'deleted']);

/**
 * Polls a document until it reaches a terminal status; an indexed one also until its step log is
 * closed (the index step makes the document `indexed` inside its work, then records itself done).
 */
export async function waitForDocument(
  baseUrl: string,
  mission: string,
  documentId: string,
  timeoutMs = 60_000,
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
      const stepsClosed =
        last.status !== 'indexed' || (last.steps ?? []).every((step) => step.status !== 'running');
      if (terminal.has(last.status) && stepsClosed) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `document ${documentId} did not finish within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
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
