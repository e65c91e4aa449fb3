/**
 * The ingest benchmarks' documents: about 10 KB of Markdown each, from a fixed vocabulary and a
 * seeded generator, so every run sends the same bytes; each has words of its own (`token<i>x<n>`),
 * so no two are duplicates.
 */
const words = 'harbour ledger signal copper meadow lantern quarry orchard summit river falcon amber'.split(
  ' ',
);

export function documentText(i: number): string {
  const parts: string[] = [`# Bench document ${i}`];
  let n = i + 1;
  while (parts.join('\n\n').length < 10_000) {
    const sentence: string[] = [];
    for (let w = 0; w < 80; w++) {
      n = (n * 1103515245 + 12345) % 2147483648;
      sentence.push(words[n % words.length] as string);
    }
    parts.push(`${sentence.join(' ')} token${i}x${parts.length}.`);
  }
  return parts.join('\n\n');
}

/** Sends one document's text through the API (as JSON, Markdown); answers its id. */
export async function postDocument(apiBase: string, text: string): Promise<string> {
  const response = await fetch(`${apiBase}/v1/missions/default/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, mediaType: 'text/markdown' }),
  });
  if (response.status !== 202)
    throw new Error(`the API answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { documentId: string }).documentId;
}
