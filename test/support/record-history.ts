/**
 * Records real histories of the workflows into test/histories/, for the replay test: an indexed
 * and a failed ingest run, an indexed run with entity extraction and version clean-up, a deletion;
 * and since the verification queue: a run reviewed and corrected, one rejected at its deadline, a
 * long PDF read in sections on the deep lane, and an image read by OCR (needs Tesseract); a document
 * deleted while its ingest run was still going (both runs); a run handing over an update queued
 * while it ran; and since runs take their text steps in one activity, a second version cleaning up
 * after the first. Run after a deliberate, versioned workflow change: `npm run record:history`.
 * Histories already recorded are kept (they are what running workflows of that age look like); give
 * a new recording a new name. Never re-record to make a replay failure go away: that failure means
 * running workflows would break; use patched() instead (README: how a workflow changes).
 * Test tooling, not product code: it lives with the tests and builds its own copy into .build/.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../domain/config';
import { createLogger } from '../../observability/logger';
import { startScratchDevServer } from '../../temporal/dev-server';
import { parse, stringify } from 'yaml';
import { startPlatform } from '../../workers/platform';
import { filler, makePdf } from './fixtures';
import { makeTextImage } from './ocr';

// Run from the repository's root by `npm run record:history` (compiled into .build/, so not __dirname).
const repoRoot = process.cwd();

/**
 * The newest patch of the workflows (workflows/ingest.ts): recordings are named after it, so the
 * runs of each workflow shape keep their own files. Change it with the next patch.
 */
const shape = 'lean-text-steps';

async function post(
  baseUrl: string,
  body: string | Blob,
  contentType: string,
  mission = 'default',
): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/missions/${mission}/documents`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const answer = (await response.json()) as { workflowId: string };
  return answer.workflowId;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = await mkdtemp(join(tmpdir(), 'mf-record-'));
  const server = await startScratchDevServer({ logFile: join(dataDir, 'temporal.log') });
  const missionsDir = await reviewMissions(dataDir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MISSIONS_DIR: missionsDir,
    LOG_LEVEL: 'warn',
    EMBEDDER: 'lexical',
  });
  const platform = await startPlatform({
    config,
    temporalAddress: server.address,
    logger: createLogger('warn'),
  });
  try {
    const baseUrl = `http://127.0.0.1:${platform.apiPort}`;
    const historiesDir = join(repoRoot, 'test', 'histories');
    await mkdir(historiesDir, { recursive: true });
    const fileOf = (name: string) => join(historiesDir, `${name}.${shape}.json`);
    const recorded = (name: string) =>
      access(fileOf(name)).then(
        () => true,
        () => false,
      );
    const recorders: Record<string, () => Promise<string>> = {
      'ingest-indexed': () =>
        post(
          baseUrl,
          JSON.stringify({
            text: '# Recorded\n\nA document recorded for the replay test.',
            mediaType: 'text/markdown',
          }),
          'application/json',
        ),
      'ingest-failed': () => post(baseUrl, '%PDF-1.7 not really a PDF', 'application/pdf'),
      'ingest-indexed-with-entities': () =>
        post(
          baseUrl,
          JSON.stringify({
            text: 'A second recording, updated under its external id.',
            externalId: 'recorded-1',
          }),
          'application/json',
        ),
      deletion: async () => {
        const ingest = await post(
          baseUrl,
          JSON.stringify({ text: 'A recording that is then deleted.' }),
          'application/json',
        );
        await platform.client.workflow.getHandle(ingest).result();
        const documentId = ingest.split(':')[2] as string;
        const response = await fetch(`${baseUrl}/v1/missions/default/documents/${documentId}`, {
          method: 'DELETE',
        });
        return ((await response.json()) as { workflowId: string }).workflowId;
      },
    };
    // Both runs of one document deleted while it is still being ingested.
    let deletedWhileRunning: Promise<{ ingest: string; deletion: string }> | null = null;
    const deleteWhileRunning = () =>
      (deletedWhileRunning ??= (async () => {
        const ingest = await post(
          baseUrl,
          JSON.stringify({ text: 'A recording deleted while its run is still going.' }),
          'application/json',
        );
        const documentId = ingest.split(':')[2] as string;
        const response = await fetch(`${baseUrl}/v1/missions/default/documents/${documentId}`, {
          method: 'DELETE',
        });
        return { ingest, deletion: ((await response.json()) as { workflowId: string }).workflowId };
      })());
    recorders['ingest-cancelled-by-deletion'] = async () => (await deleteWhileRunning()).ingest;
    recorders['deletion-during-ingest'] = async () => (await deleteWhileRunning()).deletion;
    recorders['ingest-handing-over-update'] = async () => {
      const send = (text: string) =>
        post(baseUrl, JSON.stringify({ text, externalId: 'recorded-queue' }), 'application/json');
      const first = await send('A first version, still running when the second arrives.');
      await send('A second version, queued until the first has run.');
      return first;
    };
    // A second version: older chunks are left when it is indexed, so its run cleans them up.
    recorders['ingest-update-cleaned-up'] = async () => {
      const send = (text: string) =>
        post(baseUrl, JSON.stringify({ text, externalId: 'recorded-update' }), 'application/json');
      await platform.client.workflow.getHandle(await send('A first version, to be replaced.')).result();
      return send('A second version, which replaces the first.');
    };
    const reviewed = async (text: string, decide: boolean) => {
      const workflowId = await post(
        baseUrl,
        JSON.stringify({ text }),
        'application/json',
        decide ? 'review' : 'expire',
      );
      if (!decide) return workflowId;
      const documentId = workflowId.split(':')[2] as string;
      const taskId = `${documentId}-v1`;
      const task = `${baseUrl}/v1/missions/review/verification/${taskId}`;
      for (;;) {
        const claim = await fetch(`${task}/claim`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ reviewer: 'recorder' }),
        });
        if (claim.ok) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await fetch(`${task}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          reviewer: 'recorder',
          decision: 'correct',
          corrections: {
            documentClass: 'memo',
            entities: { add: [{ type: 'Person', name: 'Grace Hopper' }] },
          },
        }),
      });
      return workflowId;
    };
    recorders['ingest-reviewed-corrected'] = () =>
      reviewed('Grace Hopper asked that the notes go to notes.desk@example.org.', true);
    recorders['ingest-rejected-at-deadline'] = () =>
      reviewed('Nobody decided about the list sent to quiet.desk@example.org.', false);
    recorders['ingest-deep-sections'] = async () =>
      post(
        baseUrl,
        new Blob([await makePdf('A long recorded report', filler(3, 330_000))]),
        'application/pdf',
      );
    recorders['ingest-scanned-image'] = async () =>
      post(baseUrl, new Blob([await makeTextImage(['A recorded scan of a tide table'])]), 'image/png');
    const runs: Record<string, string> = {};
    for (const [name, record] of Object.entries(recorders)) {
      if (await recorded(name)) continue;
      runs[name] = await record();
    }
    for (const [name, workflowId] of Object.entries(runs)) {
      await platform.client.workflow
        .getHandle(workflowId)
        .result()
        .catch(() => undefined);
      // The CLI's JSON export is the format the Web UI downloads and the replayer reads.
      const { stdout } = await promisify(execFile)(
        server.cliPath,
        ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json'],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      const file = fileOf(name);
      // Stack traces name this machine's paths and play no part in replay.
      const scrubbed = JSON.stringify(
        JSON.parse(stdout),
        (key, value: unknown) => (key === 'stackTrace' ? '' : value),
        1,
      );
      await writeFile(file, `${scrubbed}\n`);
      process.stdout.write(`recorded ${workflowId} -> ${file}\n`);
    }
  } finally {
    await platform.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The shipped missions, plus `review` (e-mail addresses go to a person) and `expire` (the same, with
 * a deadline of two seconds that rejects), for the recordings of the verification queue.
 */
async function reviewMissions(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'missions');
  const base = parse(
    await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8'),
  ) as Record<string, unknown>;
  const missions: Record<string, Record<string, unknown>> = {
    default: {},
    review: {
      entities: [{ type: 'Person', terms: ['Ada Lovelace'] }],
      pii: { policy: { email: 'review' } },
    },
    expire: {
      pii: { policy: { email: 'review' } },
      verification: { deadlineSeconds: 2, onDeadline: 'reject' },
    },
  };
  for (const [id, overrides] of Object.entries(missions)) {
    await mkdir(join(dir, id), { recursive: true });
    const cartridge = { ...base, mission: { id, name: id }, ...overrides };
    await writeFile(join(dir, id, 'cartridge.yaml'), stringify(cartridge));
  }
  return dir;
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
