/**
 * fetch, sent again when the connection fails before any answer. The embedded platform runs its
 * activities in the API's process, so a long synchronous step (parsing a large page, extracting its
 * entities) can hold the event loop long enough for the server to drop a waiting or kept-alive
 * connection (ECONNRESET). Safe for every request the bench makes: reads, searches, and uploads
 * (the same bytes are the same document, so a second send answers the first one's document).
 */
export async function fetchWithRetry(url: string | URL, init?: RequestInit, attempts = 4): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}
