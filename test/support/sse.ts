/** A server-sent event as a client sees it. */
export interface ServerSentEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface EventStream {
  status: number;
  contentType: string | null;
  /** The next event, or null when the stream ended; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ServerSentEvent | null>;
  close(): void;
}

/**
 * Opens a server-sent event stream over real HTTP and parses it as the EventSource specification
 * says (fields per line, events ending at a blank line, comment lines ignored).
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const pending: ServerSentEvent[] = [];

  const parseBuffer = () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) return;
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: ServerSentEvent = { id: null, event: 'message', data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data') {
          event.data = hasData ? `${event.data}\n${value}` : value;
          hasData = true;
        }
      }
      if (hasData) pending.push(event);
    }
  };

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    async next(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.length === 0 && !ended) {
        if (!reader) return null;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no server-sent event within ${timeoutMs} ms`);
        let timer: NodeJS.Timeout | undefined;
        const read = await Promise.race([
          reader.read(),
          new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), remaining);
          }),
        ]).finally(() => clearTimeout(timer));
        if (read === 'timeout') throw new Error(`no server-sent event within ${timeoutMs} ms`);
        if (read.done) ended = true;
        else buffer += decoder.decode(read.value, { stream: true });
        parseBuffer();
      }
      return pending.shift() ?? null;
    },
    close() {
      abort.abort();
    },
  };
}
