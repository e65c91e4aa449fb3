import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest CLI tag whose go.mod has no `replace` directive, so `go install` can build it. */
export const pinnedCliVersion = 'v1.5.1';

export interface CliResolution {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'download' | 'go install';
}

type Say = (message: string) => void;

export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'missionflow', 'temporal-cli', pinnedCliVersion);
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return null;
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

  await goInstall(cacheDir, env, say);
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

/** Builds the pinned CLI with the machine's Go toolchain into a temporary GOBIN, then moves it in place. */
async function goInstall(cacheDir: string, env: NodeJS.ProcessEnv, say: Say): Promise<void> {
  const go = await onPath('go', env);
  if (!go) {
    throw new Error(
      'no Temporal CLI found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install Go so it can be built',
    );
  }
  const gobin = await mkdtemp(join(cacheDir, 'build-'));
  const started = Date.now();
  say(`building the Temporal CLI ${pinnedCliVersion} with go install (a few minutes, once per machine)`);
  try {
    await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@${pinnedCliVersion}`], {
      env: { ...env, GOBIN: gobin, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 40 * 60_000,
    });
    await rename(join(gobin, 'temporal'), join(cacheDir, 'temporal'));
    say(`built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}
