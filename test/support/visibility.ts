import type { Client } from '@temporalio/client';
import { until } from './wait';

/** How many runs Temporal's visibility store lists for `query`. */
export async function countRuns(client: Client, query: string): Promise<number> {
  let runs = 0;
  for await (const _run of client.workflow.list({ query })) runs++;
  return runs;
}

/**
 * Waits until visibility lists exactly `expected` runs for `query`. Visibility is eventually
 * consistent: a run started, or a search attribute upserted, a moment ago may not be listed yet,
 * so a count read once is a race (seen in CI for a just-cancelled run).
 */
export async function runsSettle(
  client: Client,
  query: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<void> {
  await until(
    async () => (await countRuns(client, query)) === expected,
    timeoutMs,
    `${expected} runs for ${query}`,
  );
}
