/**
 * Ingest throughput against a popular in-process peer, on the same real pages in one run: the
 * PostgreSQL 15 manual (Debian's postgresql-doc-15, bench/retrieval/corpus.ts) sent through
 * missionflow's HTTP API on the embedded default (durable: Temporal, PGlite, every step of the
 * pipeline), then through a LlamaIndex IngestionPipeline (bench/peer/llamaindex_ingest.py, in a
 * virtual environment this script makes from PyPI: BeautifulSoup text, a SentenceSplitter at the
 * same chunk size, a feature-hashing embedder of the same kind; in memory, not durable). Prints
 * documents/s and chunks/s of both and their ratio.
 *
 * `npm run bench:peer`. BENCH_PAGES (the first N pages by name; all by default), BENCH_CONCURRENCY
 * (uploads in flight, 8), BENCH_STALL_SECONDS (300). missionflow embeds with the lexical embedder
 * here (the peer's kind); a semantic comparison needs the same model on both sides and is not here
 * yet.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readMissionCartridges } from '../stores/mission-files';
import { wholeNumberFromEnv } from './env';
import { pythonEnvironment } from './peer/python-env';
import { acquireCorpus } from './retrieval/corpus';
import { ingestThroughApi } from './retrieval/ingest-client';
import { withScratchPlatform } from './scratch-platform';

const repoRoot = join(__dirname, '..', '..');
const say = (message: string) => process.stdout.write(`${message}\n`);
const pageLimit = wholeNumberFromEnv('BENCH_PAGES', undefined);
const concurrency = wholeNumberFromEnv('BENCH_CONCURRENCY', 8) as number;
const stallSeconds = wholeNumberFromEnv('BENCH_STALL_SECONDS', 300) as number;

interface Throughput {
  documents: number;
  chunks: number;
  seconds: number;
}

const rate = (run: Throughput) =>
  `${(run.documents / run.seconds).toFixed(2)} documents/s, ${(run.chunks / run.seconds).toFixed(1)} chunks/s ` +
  `(${run.documents} documents, ${run.chunks} chunks in ${run.seconds.toFixed(1)} s)`;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const corpus = await acquireCorpus(process.env, say);
  const pages = corpus.pages.slice(0, pageLimit ?? corpus.pages.length);
  const [mission] = (await readMissionCartridges(join(repoRoot, 'missions'))).filter(
    ({ cartridge }) => cartridge.mission.id === 'default',
  );
  if (!mission) throw new Error('no default mission under missions/');
  const { size, overlap } = mission.cartridge.chunking;
  const dimensions = 384;
  const python = await pythonEnvironment(
    join(repoRoot, 'bench', 'peer', 'requirements.txt'),
    process.env,
    say,
  );
  say(
    `peer benchmark: ${pages.length} pages of postgresql-doc-15 ${corpus.version}, chunks of ${size} characters`,
  );

  const ours = await withScratchPlatform('peer', { EMBEDDER: 'lexical' }, say, async (apiBase) => {
    const run = await ingestThroughApi(apiBase, corpus.dir, pages, { concurrency, stallSeconds, say });
    if (run.notIndexed.length > 0 || run.refused.length > 0) {
      say(`missionflow: ${run.notIndexed.length} pages not indexed, ${run.refused.length} refused`);
    }
    return { documents: run.indexed, chunks: run.chunks, seconds: run.seconds };
  });
  say(`missionflow (durable, embedded default): ${rate(ours)}`);

  const scratch = await mkdtemp(join(tmpdir(), 'mf-bench-peer-'));
  const pageList = join(scratch, 'pages.txt');
  await writeFile(pageList, pages.join('\n'));
  const script = join(repoRoot, 'bench', 'peer', 'llamaindex_ingest.py');
  const { stdout } = await promisify(execFile)(
    python,
    [script, corpus.dir, pageList, String(size), String(overlap), String(dimensions)],
    { maxBuffer: 16 * 1024 * 1024, timeout: 60 * 60_000 },
  );
  await rm(scratch, { recursive: true, force: true });
  const peer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Throughput;
  say(`LlamaIndex IngestionPipeline (in process): ${rate(peer)}`);
  const ratio = ours.documents / ours.seconds / (peer.documents / peer.seconds);
  say(`ratio missionflow / LlamaIndex, documents/s: ${ratio.toFixed(3)}`);
}

void main().catch((error: unknown) => {
  const cause = error instanceof Error && error.cause ? `\ncaused by: ${String(error.cause)}` : '';
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}${cause}\n`);
  process.exit(1);
});
