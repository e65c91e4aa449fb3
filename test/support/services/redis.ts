import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import {
  ensureDebianPackages,
  firstExecutable,
  freePort,
  spawnLogged,
  stopProcess,
  waitForPort,
  which,
  type RunningService,
  type Say,
} from './service';

// Debian puts redis-server in /usr/bin, but a PATH without the sbin/bin dirs (sudo, CI images) can miss it.
const searchDirs = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];

/**
 * Starts a private Redis on loopback: no persistence (`--save ''`, no AOF) and its files in
 * `dataDir`, so runs never share state with a system Redis or with each other. Installs the Debian
 * package first when the binary is missing.
 */
export async function startRedis(options: {
  dataDir: string;
  logFile: string;
  say: Say;
}): Promise<RunningService> {
  const { dataDir, logFile, say } = options;
  await ensureDebianPackages([{ binary: 'redis-server', packageName: 'redis-server', searchDirs }], say);
  const binary =
    (await which('redis-server')) ?? (await firstExecutable(searchDirs.map((dir) => `${dir}/redis-server`)));
  if (!binary) throw new Error('redis-server is not installed and could not be installed with apt-get');
  await mkdir(dataDir, { recursive: true });

  // freePort only finds a port that was free a moment ago: another process may take it before Redis
  // binds, and Redis then exits at once, so try a few ports.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const child = spawnLogged(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--protected-mode',
        'yes',
        '--dir',
        dataDir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { logFile },
    );
    try {
      await waitForPort(port, 15_000, child);
      await waitForPong(port, 15_000);
    } catch (error) {
      lastError = error;
      await stopProcess(child, 2_000);
      say(`redis-server on port ${port} did not start (${(error as Error).message}); see ${logFile}`);
      continue;
    }
    const url = `redis://127.0.0.1:${port}`;
    return { name: 'redis', url, stop: () => stopProcess(child) };
  }
  throw new Error(`redis-server did not start: ${(lastError as Error).message}; see ${logFile}`);
}

/** An open port is not yet a ready Redis: wait for the first PING answered with PONG. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await ping(port);
    if (last === '+PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `Redis on port ${port} did not answer PING within ${timeoutMs} ms (last reply: ${last || 'none'})`,
  );
}

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(reply.trim()));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (reply.includes('\r\n')) done(reply.trim());
    });
    socket.once('error', () => done(''));
  });
}
