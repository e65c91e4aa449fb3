import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../domain/config';
import { createLogger } from '../../observability/logger';
import { ensureNamespace } from '../../temporal/namespace';
import { startPlatform, type Platform } from '../../workers/platform';
import { repoRoot, testEnv } from './env';

// The SDK's own log at ERROR: tests provoke failures on purpose, and their warnings would bury the
// output; a failing assertion says what went wrong.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this Jest worker process
}

/** A namespace of its own per stack, so test files sharing the dev server never see each other's runs. */
export async function freshNamespace(): Promise<string> {
  const namespace = `mf-test-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address: testEnv.temporalAddress });
  try {
    await ensureNamespace(connection, namespace, 1);
  } finally {
    await connection.close();
  }
  return namespace;
}

export interface TestStack {
  baseUrl: string;
  dataDir: string;
  namespace: string;
  platform: Platform;
  stop(): Promise<void>;
}

/** The platform exactly as `npm start` composes it, in this process, on the shared dev server. */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mf-test-'));
  const namespace = await freshNamespace();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MISSIONS_DIR: join(repoRoot, 'missions'),
    TEMPORAL_NAMESPACE: namespace,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const platform = await startPlatform({
    config,
    temporalAddress: testEnv.temporalAddress,
    logger: createLogger(config.LOG_LEVEL),
    workflowBundlePath: testEnv.workflowBundlePath,
  });
  return {
    baseUrl: `http://127.0.0.1:${platform.apiPort}`,
    dataDir,
    namespace,
    platform,
    stop: async () => {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SpawnedStack {
  process: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** SIGKILL of the whole process group: the Node process and any Temporal server it started. */
  killHard(): Promise<void>;
  stop(): Promise<number | null>;
}

/** `node dist/workers/embedded.js` (what `npm start` runs) as a separate process group. */
export async function spawnStack(
  env: Record<string, string>,
  readyTimeoutMs = 120_000,
): Promise<SpawnedStack> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'workers', 'embedded.js')], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout?.on('data', (piece: Buffer) => (log += piece.toString()));
  child.stderr?.on('data', (piece: Buffer) => (log += piece.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack not ready in ${readyTimeoutMs} ms:\n${log}`)),
      readyTimeoutMs,
    );
    const onData = () => {
      for (const line of log.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; apiUrl?: string };
          if (entry.msg === 'missionflow ready' && entry.apiUrl) {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            resolve(entry.apiUrl.replace('localhost', '127.0.0.1'));
            return;
          }
        } catch {
          // a partial line; wait for the rest
        }
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}) before ready:\n${log}`));
    });
  });

  return {
    process: child,
    baseUrl,
    output: () => log,
    killHard: async () => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
