import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Finding and building the external programs missionflow runs (the Temporal CLI here; test servers
 * such as versitygw in the test harness): one way to look on PATH, one cache folder shared by every
 * clone, one way to build a Go program the machine cannot download.
 */

const execFileAsync = promisify(execFile);

export type Say = (message: string) => void;

/** `$XDG_CACHE_HOME/missionflow/<parts>` (default `~/.cache/missionflow/<parts>`). */
export function missionflowCacheDir(env: NodeJS.ProcessEnv, ...parts: string[]): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'missionflow', ...parts);
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `name` on the PATH of `env`, or null. */
export async function onPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return null;
}

/**
 * Builds `module@version` with the machine's Go toolchain and caches the binary as
 * `<cacheDir>/<binary>`. It is built into a temporary GOBIN beside its final place, so the rename is
 * atomic and a concurrent build never exposes a half-written file. Without cgo, no C compiler is needed.
 */
export async function goInstallCached(options: {
  module: string;
  version: string;
  binary: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  say: Say;
  /** What to tell the user when there is no Go toolchain. */
  withoutGo: string;
}): Promise<string> {
  const { module, version, binary, cacheDir, env, say } = options;
  const go = await onPath('go', env);
  if (!go) throw new Error(options.withoutGo);
  await mkdir(cacheDir, { recursive: true });
  const gobin = await mkdtemp(join(cacheDir, 'build-'));
  const started = Date.now();
  say(`building ${binary} ${version} with go install (a few minutes, once per machine)`);
  try {
    await execFileAsync(go, ['install', `${module}@${version}`], {
      env: { ...env, GOBIN: gobin, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 40 * 60_000,
    });
    await rename(join(gobin, binary), join(cacheDir, binary));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    throw new Error(`go install of ${module}@${version} failed: ${stderr || String(error)}`);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
  say(`built ${binary} in ${Math.round((Date.now() - started) / 1000)} s`);
  return join(cacheDir, binary);
}
