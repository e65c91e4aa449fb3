import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  goInstallCached,
  isExecutable,
  missionflowCacheDir,
  onPath,
  type Say,
} from '../adapters/executables';

export { isExecutable };

const run = promisify(execFile);

/** The newest CLI tag whose go.mod has no `replace` directive, so `go install` can build it. */
export const pinnedCliVersion = 'v1.5.1';

export interface CliResolution {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'download' | 'go install';
}

export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return missionflowCacheDir(env, 'temporal-cli', pinnedCliVersion);
}

/**
 * Finds a Temporal CLI, in this order: TEMPORAL_CLI_PATH; `temporal` on PATH; the copy cached in
 * the user cache folder (shared by every clone); Temporal's download service (machines with
 * internet); finally `go install` of the pinned tag, cached for next time.
 */
export async function resolveTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  say: Say = () => undefined,
): Promise<CliResolution> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH))
      return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
    throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
  }
  const fromPath = await onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'PATH' };

  const cacheDir = cliCacheDir(env);
  const cached = join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return { path: cached, source: 'cache' };
  await mkdir(cacheDir, { recursive: true });

  const downloadError = await download(cacheDir, say).then(
    () => null,
    (error: Error) => error,
  );
  if (!downloadError && (await isExecutable(cached))) return { path: cached, source: 'download' };
  say(
    `Temporal CLI download unavailable (${downloadError?.message ?? 'no binary'}); building it with go install`,
  );

  await goInstallCached({
    module: 'github.com/temporalio/cli/cmd/temporal',
    version: pinnedCliVersion,
    binary: 'temporal',
    cacheDir,
    env,
    say,
    withoutGo:
      'no Temporal CLI found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install Go so it can be built',
  });
  return { path: cached, source: 'go install' };
}

/** Temporal's own download service, as the SDK uses; fails fast on machines without internet. */
async function download(cacheDir: string, say: Say): Promise<void> {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const url = `https://temporal.download/cli/archive/${pinnedCliVersion}?platform=${process.platform}&arch=${arch}`;
  say(`downloading the Temporal CLI from ${url}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`download answered ${response.status}`);
  // Unpacked beside its final place: a rename across filesystems (e.g. a tmpfs /tmp) would fail.
  const work = await mkdtemp(join(cacheDir, 'download-'));
  try {
    const archive = join(work, 'cli.tar.gz');
    await writeFile(archive, Buffer.from(await response.arrayBuffer()));
    await run('tar', ['-xzf', archive, '-C', work]);
    await chmod(join(work, 'temporal'), 0o755);
    await rename(join(work, 'temporal'), join(cacheDir, 'temporal'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
