/**
 * Ingest at size: `BENCH_DOCS` generated documents of about 10 KB (100,000 by default) through the
 * API of one platform on the embedded default, in windows of `BENCH_WINDOW` (1,000): each window is
 * sent (16 uploads in flight) and waited for before the next, so each window's documents/s says how
 * fast ingest is with that many documents already in the mission. Prints every window's rate, the
 * last window's as a share of the first's, the largest workflow history of the last window, and the
 * peak resident memory of this process (API, workers, PGlite) and of the Temporal dev server.
 *
 * `npm run bench:scale`. At about 4 documents/s on 2 cores, 100,000 documents take seven hours:
 * `BENCH_DOCS=10000` takes about forty minutes.
 */
import { readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ingestWorkflowId } from '../domain/documents';
import { wholeNumberFromEnv } from './env';
import { documentText, postDocument } from './generated-documents';
import { inParallel } from './in-parallel';
import { largestHistory } from './run-histories';
import { withScratchPlatform } from './scratch-platform';

const say = (message: string) => process.stdout.write(`${message}\n`);
const documents = wholeNumberFromEnv('BENCH_DOCS', 100_000) as number;
const window = wholeNumberFromEnv('BENCH_WINDOW', 1_000) as number;
const concurrency = wholeNumberFromEnv('BENCH_CONCURRENCY', 16) as number;

/** A process's peak resident memory in MB, from /proc (null where there is none). */
async function peakMemoryMb(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const match = status?.match(/^VmHWM:\s+(\d+) kB/m);
  return match ? Number(match[1]) / 1024 : null;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  say(`scale benchmark: ${documents} documents of ~10 KB in windows of ${window}, ${concurrency} in flight`);
  await withScratchPlatform('scale', { EMBEDDER: 'lexical' }, say, async (apiBase, platform, _, server) => {
    const rates: number[] = [];
    let lastWindow: string[] = [];
    for (let start = 0; start < documents; start += window) {
      const indexes = Array.from({ length: Math.min(window, documents - start) }, (_, i) => start + i);
      const began = performance.now();
      const ids: string[] = [];
      await inParallel(indexes, concurrency, async (i) => {
        ids.push(await postDocument(apiBase, documentText(i)));
      });
      lastWindow = ids.map((id) => ingestWorkflowId('default', id));
      await inParallel(lastWindow, concurrency, async (workflowId) => {
        await platform.client.workflow.getHandle(workflowId).result();
      });
      const rate = indexes.length / ((performance.now() - began) / 1000);
      rates.push(rate);
      say(`documents ${start + 1} to ${start + indexes.length}: ${rate.toFixed(2)} documents/s`);
    }
    const first = rates[0] ?? 0;
    const last = rates.at(-1) ?? 0;
    say(
      `last window / first window, documents/s: ${(last / first).toFixed(3)} (${last.toFixed(2)} / ${first.toFixed(2)})`,
    );
    const history = await largestHistory(platform.client, lastWindow, concurrency);
    say(`largest history of the last window: ${history.events} events, ${history.kb.toFixed(1)} KB`);
    const ours = process.resourceUsage().maxRSS / 1024;
    const temporal = await peakMemoryMb(server.pid);
    say(
      `peak resident memory: this process ${ours.toFixed(0)} MB, Temporal dev server ${temporal === null ? 'unknown' : `${temporal.toFixed(0)} MB`}`,
    );
  });
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
