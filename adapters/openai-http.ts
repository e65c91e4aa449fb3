import { ApplicationFailure } from '@temporalio/common';

/**
 * One JSON request to an OpenAI-compatible endpoint (embeddings, chat completions). Client errors
 * (bad key, unknown model) fail with `rejectedCode` and are not retried: repeating the request
 * cannot fix them. Timeouts, 408, 429 and 5xx are plain errors, retried with Temporal's backoff.
 */
export async function postOpenAiJson<T>(options: {
  /** Base URL up to and including the API version, e.g. https://api.example.com/v1 */
  baseUrl: string;
  path: string;
  apiKey?: string;
  body: unknown;
  signal?: AbortSignal;
  timeoutMs: number;
  /** What the endpoint is, for messages: "embeddings endpoint". */
  what: string;
  rejectedCode: string;
}): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const response = await fetch(`${options.baseUrl.replace(/\/+$/, '')}${options.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    },
    body: JSON.stringify(options.body),
    signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
  });
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 500);
    const message = `${options.what} answered ${response.status}: ${detail}`;
    const status = response.status;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      throw ApplicationFailure.nonRetryable(message, options.rejectedCode);
    }
    throw new Error(message);
  }
  return (await response.json()) as T;
}

/**
 * One chat completion asked for a JSON object holding a list under `key` (temperature 0): a system
 * instruction and the user's text in, that list out; null when the answer is not such JSON (a model
 * may answer anything). What the list holds is the caller's to check.
 */
export async function askChatForList(options: {
  key: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  system: string;
  user: string;
  signal?: AbortSignal;
  timeoutMs: number;
  rejectedCode: string;
}): Promise<unknown[] | null> {
  const body = await postOpenAiJson<{ choices?: Array<{ message?: { content?: unknown } }> }>({
    baseUrl: options.baseUrl,
    path: '/chat/completions',
    apiKey: options.apiKey,
    body: {
      model: options.model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: options.system },
        { role: 'user', content: options.user },
      ],
    },
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    what: 'chat completions endpoint',
    rejectedCode: options.rejectedCode,
  });
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') return null;
  let answer: unknown;
  try {
    answer = JSON.parse(content);
  } catch {
    return null;
  }
  const listed = (answer as Record<string, unknown> | null)?.[options.key];
  return Array.isArray(listed) ? (listed as unknown[]) : null;
}
