/**
 * Records real histories of the ingest workflow (one indexed run, one failed run) into
 * test/histories/, for the replay test. Run after a deliberate, versioned workflow change:
 * `npm run record:history`. Never re-record to make a replay failure go away: that failure means
 * running workflows would break; use patched() instead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    const runs = {
      'ingest-indexed': await post(
        baseUrl,
        JSON.stringify({
          text: '# Recorded\n\nA document recorded for the replay test.',
          mediaType: 'text/markdown',
        }),
        'application/json',
      ),
      'ingest-failed': await post(baseUrl, '%PDF-1.7 not really a PDF', 'application/pdf'),
    };
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
      const file = join(repoRoot, 'test', 'histories', `${name}.json`);
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
