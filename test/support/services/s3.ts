import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { goInstallCached } from '../../../adapters/executables';
import {
  freePort,
  isExecutable,
  spawnLogged,
  stopProcess,
  userCacheDir,
  waitForPort,
  which,
  type RunningService,
  type Say,
} from './service';

/**
 * The newest versitygw tag on the Go module proxy, built with the machine's Go (1.26) and tested
 * with `@aws-sdk/client-s3` 3.1173.0. Its go.mod asks for Go 1.25 or newer.
 */
export const pinnedVersitygwVersion = 'v1.8.0';

export interface RunningS3 extends RunningService {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/**
 * Finds versitygw, in this order: VERSITYGW_PATH; `versitygw` on PATH; the copy cached in the
 * user cache folder (shared by every clone); finally builds the pinned tag with `go install` and
 * caches it (about 3 minutes on 2 cores with a cold Go build cache, once per machine). No registry ships a binary we can reach offline.
 */
export async function resolveVersitygw(say: Say): Promise<string> {
  const env = process.env;
  if (env.VERSITYGW_PATH) {
    if (await isExecutable(env.VERSITYGW_PATH)) return env.VERSITYGW_PATH;
    throw new Error(`VERSITYGW_PATH=${env.VERSITYGW_PATH} is not an executable file`);
  }
  const fromPath = await which('versitygw');
  if (fromPath) return fromPath;

  const cacheDir = userCacheDir('versitygw', pinnedVersitygwVersion);
  const cached = join(cacheDir, 'versitygw');
  if (await isExecutable(cached)) return cached;

  return goInstallCached({
    module: 'github.com/versity/versitygw/cmd/versitygw',
    version: pinnedVersitygwVersion,
    binary: 'versitygw',
    cacheDir,
    env,
    say,
    withoutGo:
      'no versitygw found: set VERSITYGW_PATH, put `versitygw` on PATH, or install Go so it can be built',
  });
}

/**
 * Starts versitygw serving `dataDir` (each sub-folder is a bucket) on a free loopback port, with
 * root credentials made up for this run.
 */
export async function startS3Server(options: {
  dataDir: string;
  logFile: string;
  say: Say;
}): Promise<RunningS3> {
  const binary = await resolveVersitygw(options.say);
  await mkdir(options.dataDir, { recursive: true });
  const port = await freePort();
  const accessKeyId = 'missionflow-test';
  const secretAccessKey = randomBytes(20).toString('hex');
  const region = 'us-east-1';
  const child = spawnLogged(
    binary,
    [
      '--access',
      accessKeyId,
      '--secret',
      secretAccessKey,
      '--region',
      region,
      '--port',
      `127.0.0.1:${port}`,
      'posix',
      options.dataDir,
    ],
    { logFile: options.logFile },
  );
  try {
    await waitForPort(port, 30_000, child);
  } catch (error) {
    await stopProcess(child);
    throw new Error(`versitygw did not start (${(error as Error).message}); see ${options.logFile}`);
  }
  return {
    name: 'versitygw',
    url: `http://127.0.0.1:${port}`,
    accessKeyId,
    secretAccessKey,
    region,
    stop: () => stopProcess(child),
  };
}
