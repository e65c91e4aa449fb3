import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applicationRole } from '../../../stores/relational/migrations';
import {
  ensureDebianPackages,
  firstExecutable,
  freePort,
  run,
  spawnLogged,
  stopProcess,
  which,
  type RunningService,
  type Say,
} from './service';

/** The roles a missionflow database has in production: an owner that migrates, an app role under RLS. */
export const ownerRole = 'missionflow_owner';
export const appRole = applicationRole;

export interface PostgresServer extends RunningService {
  /** Superuser connection to the `postgres` database, for creating scratch databases. */
  adminUrl: string;
}

/**
 * Starts a private PostgreSQL cluster on a free loopback port: initdb into a fresh folder, trust
 * authentication on loopback only, durability off (tests only). PostgreSQL refuses to run as root,
 * so as root the cluster runs as the `postgres` user the Debian package creates.
 */
export async function startPostgres(options: { logFile: string; say: Say }): Promise<PostgresServer> {
  const binDir = await postgresBinDir(options.say);
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? await systemUser('postgres') : null;
  // Under /tmp rather than the checkout: the postgres user must be able to reach the folder.
  const dataDir = await mkdtemp(join(tmpdir(), 'mf-postgres-'));
  if (user) await chown(dataDir, user.uid, user.gid);
  const spawnAs = user ? { uid: user.uid, gid: user.gid } : {};

  await run(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    spawnAs,
  );
  const port = await freePort();
  const child = spawnLogged(
    join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    { logFile: options.logFile, ...spawnAs },
  );
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForPostgres(adminUrl, 30_000, () => child.exitCode);
  await adminQuery(adminUrl, [
    `CREATE ROLE ${ownerRole} LOGIN NOSUPERUSER CREATEDB`,
    `CREATE ROLE ${appRole} LOGIN NOSUPERUSER NOBYPASSRLS`,
  ]);
  return {
    name: 'postgresql',
    url: adminUrl,
    adminUrl,
    async stop() {
      // SIGINT is PostgreSQL's "fast" shutdown: no waiting for clients a test left open.
      await stopProcess(child, 10_000, 'SIGINT');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh database owned by the owner role: `ownerUrl` runs migrations, `appUrl` is what the
 * platform connects with (row-level security applies to it).
 */
export async function createScratchDatabase(
  adminUrl: string,
): Promise<{ ownerUrl: string; appUrl: string; name: string }> {
  const name = `mf_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, [`CREATE DATABASE ${name} OWNER ${ownerRole}`]);
  const base = new URL(adminUrl);
  const urlFor = (role: string) => {
    const url = new URL(base);
    url.username = role;
    url.pathname = `/${name}`;
    return url.toString();
  };
  return { ownerUrl: urlFor(ownerRole), appUrl: urlFor(appRole), name };
}

async function adminQuery(url: string, statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

async function waitForPostgres(url: string, timeoutMs: number, exitCode: () => number | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exitCode() !== null) throw new Error(`postgres exited with code ${exitCode()}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`PostgreSQL did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/** The newest installed server's bin folder (Debian keeps them off PATH, one folder per major). */
async function postgresBinDir(say: Say): Promise<string> {
  const find = async () => {
    const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
    const candidates = versions
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join('/usr/lib/postgresql', version, 'bin', 'initdb'));
    const onPath = await which('initdb');
    const initdb = await firstExecutable(onPath ? [...candidates, onPath] : candidates);
    return initdb ? join(initdb, '..') : null;
  };
  const found = await find();
  if (found) return found;
  await ensureDebianPackages([{ binary: 'initdb', packageName: 'postgresql' }], say);
  const installed = await find();
  if (!installed)
    throw new Error('PostgreSQL was installed but no initdb was found under /usr/lib/postgresql');
  return installed;
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
