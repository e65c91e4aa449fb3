import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../domain/config';
import { createLogger } from '../observability/logger';
import { startScratchDevServer, type DevServer } from '../temporal/dev-server';
import { startPlatform, type Platform } from '../workers/platform';

/**
 * A whole platform as `npm start` runs it on the embedded default (a SQLite-backed Temporal dev
 * server, PGlite, local blobs), in this process, on a scratch folder removed afterwards. `settings`
 * override the process's environment (EMBEDDER, LANE_CONCURRENCY... still reach the configuration).
 */
export async function withScratchPlatform<T>(
  name: string,
  settings: Record<string, string>,
  say: (message: string) => void,
  work: (apiBase: string, platform: Platform, config: Config, server: DevServer) => Promise<T>,
): Promise<T> {
  const repoRoot = join(__dirname, '..', '..');
  const scratch = await mkdtemp(join(tmpdir(), `mf-bench-${name}-`));
  const server = await startScratchDevServer({
    dbFilename: join(scratch, 'temporal.db'),
    logFile: join(scratch, 'temporal.log'),
    say,
  });
  try {
    const config = loadConfig({
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(scratch, 'data'),
      MISSIONS_DIR: join(repoRoot, 'missions'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      ...settings,
    });
    const platform = await startPlatform({
      config,
      temporalAddress: server.address,
      logger: createLogger(config.LOG_LEVEL),
    });
    try {
      return await work(`http://127.0.0.1:${platform.apiPort}`, platform, config, server);
    } finally {
      await platform.stop();
    }
  } finally {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
