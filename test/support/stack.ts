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
import { startFakeQdrant } from './fake-qdrant';
import { createScratchDatabase } from './services/postgres';

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

/** Which store profile test stacks use: the Jest project `services` runs the end-to-end tests again on it. */
export const testProfile = process.env.MF_TEST_PROFILE === 'services' ? 'services' : 'embedded';

/**
 * The services profile on the test run's real servers, private to one stack: its own database (the
 * app connecting as the RLS-bound role, migrations as the owner), its own Redis key prefix and bucket.
 * Neo4j community has one database, so stacks share it: tests that read the graph use missions of
 * their own (test/support/missions.ts).
 */
export async function servicesProfileEnv(
  namespace: string,
  onStop: (stop: () => Promise<void>) => void,
): Promise<Record<string, string>> {
  const database = await createScratchDatabase(testEnv.postgresAdminUrl);
  // No registry ships Qdrant: the real adapter talks HTTP to the fake (test/support/fake-qdrant.ts),
  // unless QDRANT_URL names a real server.
  let qdrantUrl = process.env.QDRANT_URL;
  if (!qdrantUrl) {
    const fake = await startFakeQdrant();
    onStop(() => fake.close());
    qdrantUrl = fake.url;
  }
  return {
    QDRANT_URL: qdrantUrl,
    DATABASE_URL: database.appUrl,
    DATABASE_MIGRATION_URL: database.ownerUrl,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: testEnv.redisUrl,
    NEO4J_URL: testEnv.neo4j.url,
    NEO4J_USER: testEnv.neo4j.user,
    NEO4J_PASSWORD: testEnv.neo4j.password,
    REDIS_KEY_PREFIX: `${namespace}:`,
    S3_ENDPOINT: testEnv.s3.endpoint,
    S3_ACCESS_KEY_ID: testEnv.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: testEnv.s3.secretAccessKey,
    S3_REGION: testEnv.s3.region,
    S3_BUCKET: namespace,
  };
}

/** The platform exactly as `npm start` composes it, in this process, on the shared dev server. */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mf-test-'));
  const namespace = await freshNamespace();
  const stops: Array<() => Promise<void>> = [];
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MISSIONS_DIR: join(repoRoot, 'missions'),
    TEMPORAL_NAMESPACE: namespace,
    LOG_LEVEL: 'silent',
    // Lexical until a test chooses the local model (EMBEDDER=local, MISSIONFLOW_MODEL_DIR).
    EMBEDDER: 'lexical',
    ...(testProfile === 'services' ? await servicesProfileEnv(namespace, (stop) => stops.push(stop)) : {}),
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
      for (const stop of stops) await stop();
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
