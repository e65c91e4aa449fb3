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
