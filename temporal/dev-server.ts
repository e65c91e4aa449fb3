import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { customSearchAttributes } from '../domain/search-attributes';
import { resolveTemporalCli } from './cli';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps workflow state across restarts; omit for an in-memory server. */
  dbFilename?: string;
  ip?: string;
  port: number;
  /** Web UI port; omit to run headless. */
  uiPort?: number;
  namespace: string;
  /** Where the server's own log goes. */
  logFile: string;
  /** Remembers the server's pid so a start after a crash can stop an orphaned server first. */
  pidFile?: string;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

/** A free loopback port, for test servers that must not collide. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts `temporal server start-dev` with missionflow's search attributes registered, and waits
 * until its frontend answers.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  if (options.pidFile) await stopOrphan(options.pidFile);
  // Another server on the port would answer our readiness probe: refuse instead of using it.
  for (const port of [options.port, options.uiPort].filter((p): p is number => p !== undefined)) {
    if (!(await isPortFree(ip, port))) {
      throw new Error(
        `port ${ip}:${port} is in use; stop what holds it or set TEMPORAL_PORT / TEMPORAL_UI_PORT`,
      );
    }
  }
  if (options.dbFilename) await mkdir(dirname(options.dbFilename), { recursive: true });
  await mkdir(dirname(options.logFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
  ];
  args.push('--log-format', 'json', '--log-level', 'warn');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  for (const key of customSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);

  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.cliPath, args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`could not run ${options.cliPath}: ${error.message}`)));
  });
  const pid = child.pid as number;
  if (options.pidFile) await writeFile(options.pidFile, String(pid));

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `the Temporal dev server exited (${signal ?? code}) before answering; see ${options.logFile}`,
        ),
      ),
    );
  });
  try {
    await Promise.race([waitUntilServing(address, options.startTimeoutMs ?? 60_000), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  exited.catch(() => undefined);

  return {
    address,
    uiUrl: options.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${options.uiPort}` : null,
    pid,
    stop: async () => {
      await stopChild(child);
      if (options.pidFile) await rm(options.pidFile, { force: true });
    },
  };
}

async function waitUntilServing(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `the Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/** Asks a child to stop (SIGTERM unless told), kills it after `graceMs`; resolves once it exited. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A server left behind by a crashed launcher still holds the port and the database file. */
async function stopOrphan(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !(await isTemporalServer(pid))) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await isTemporalServer(pid))) await new Promise((r) => setTimeout(r, 100));
  if (await isTemporalServer(pid)) process.kill(pid, 'SIGKILL');
  await rm(pidFile, { force: true });
}

async function isTemporalServer(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('start-dev');
  } catch {
    return false;
  }
}

/**
 * A headless dev server for tools and tests: resolves the CLI, takes a free loopback port, logs to
 * `logFile`; in memory unless `dbFilename` is given.
 */
export async function startScratchDevServer(options: {
  logFile: string;
  dbFilename?: string;
  say?: (message: string) => void;
}): Promise<DevServer & { cliPath: string }> {
  const cli = await resolveTemporalCli(process.env, options.say);
  const server = await startDevServer({
    cliPath: cli.path,
    dbFilename: options.dbFilename,
    port: await freePort(),
    namespace: 'default',
    logFile: options.logFile,
  });
  return { ...server, cliPath: cli.path };
}
