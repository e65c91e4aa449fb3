import type { Client } from '@temporalio/client';
import { inParallel } from './in-parallel';

/** The largest workflow history of the given runs: its events, and its size as JSON in KB. */
export async function largestHistory(
  client: Client,
  workflowIds: readonly string[],
  concurrency: number,
): Promise<{ events: number; kb: number }> {
  let largest = { events: 0, kb: 0 };
  await inParallel(workflowIds, concurrency, async (workflowId) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events?.length ?? 0;
    const kb = Buffer.byteLength(JSON.stringify(history)) / 1024;
    largest = { events: Math.max(largest.events, events), kb: Math.max(largest.kb, kb) };
  });
  return largest;
}
