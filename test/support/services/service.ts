import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { isExecutable, missionflowCacheDir, onPath, type Say } from '../../../adapters/executables';

export { freePort, stopChild as stopProcess } from '../../../temporal/dev-server';
export { isExecutable };
export type { Say };

const execFileAsync = promisify(execFile);

/** A server the test harness started on loopback, in a private data directory and port. */
export interface RunningService {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** `$XDG_CACHE_HOME/missionflow/<parts>`: built or downloaded tools shared by every clone. */
export function userCacheDir(...parts: string[]): string {
  return missionflowCacheDir(process.env, ...parts);
}

/** The absolute path of a command on PATH, or null. */
export const which = (command: string): Promise<string | null> => onPath(command);

/**
 * Installs Debian packages whose binaries are missing. CI machines reach Debian's mirrors but start
 * without these servers, so the harness installs them itself (as root, or through passwordless sudo).
 */
export async function ensureDebianPackages(
  binaries: Array<{ binary: string; packageName: string; searchDirs?: string[] }>,
  say: Say,
): Promise<void> {
  const missing: string[] = [];
  for (const { binary, packageName, searchDirs = [] } of binaries) {
    const found =
      (await which(binary)) ?? (await firstExecutable(searchDirs.map((dir) => join(dir, binary))));
    if (!found) missing.push(packageName);
  }
  if (missing.length === 0) return;
  const packages = [...new Set(missing)];
  say(`installing Debian packages: ${packages.join(' ')}`);
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    asRoot
      ? execFileAsync('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      : execFileAsync('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]);
  try {
    await run(['install', '-y', '--no-install-recommends', ...packages]);
  } catch {
    // A fresh machine may have no package lists yet.
    await run(['update']);
    await run(['install', '-y', '--no-install-recommends', ...packages]);
  }
}

export async function firstExecutable(paths: string[]): Promise<string | null> {
  for (const path of paths) if (await isExecutable(path)) return path;
  return null;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port, or rejects at the deadline. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Starts a long-running server with its output appended to `logFile`. The child is killed when the
 * test process exits, so a crashed run never leaves a server holding a port.
 */
export function spawnLogged(
  command: string,
  args: string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number },
): ChildProcess {
  const log = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
  });
  closeSync(log);
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return child;
}

/** Runs a command to completion (optionally as another user); rejects with its output on failure. */
export async function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {},
) {
  return execFileAsync(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    maxBuffer: 16 * 1024 * 1024,
  });
}
