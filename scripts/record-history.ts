/**
 * Records real histories of the workflows into test/histories/, for the replay test: an indexed
 * and a failed ingest run, an indexed run with entity extraction and version clean-up, and a
 * deletion. Run after a deliberate, versioned workflow change: `npm run record:history`. Histories
 * already recorded are kept (they are what running workflows of that age look like); give a new
 * recording a new name. Never re-record to make a replay failure go away: that failure means
 * running workflows would break; use patched() instead.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../domain/config';
import { createLogger } from '../observability/logger';
import { startScratchDevServer } from '../temporal/dev-server';
import { startPlatform } from '../workers/platform';

const repoRoot = join(__dirname, '..', '..');

async function post(baseUrl: string, body: string, contentType: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/missions/default/documents`, {
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
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MISSIONS_DIR: join(repoRoot, 'missions'),
    LOG_LEVEL: 'warn',
  });
  const platform = await startPlatform({
    config,
    temporalAddress: server.address,
    logger: createLogger('warn'),
  });
  try {
    const baseUrl = `http://127.0.0.1:${platform.apiPort}`;
    const historiesDir = join(repoRoot, 'test', 'histories');
    const recorded = (name: string) =>
      access(join(historiesDir, `${name}.json`)).then(
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
      const file = join(historiesDir, `${name}.json`);
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

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
