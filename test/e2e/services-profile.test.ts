import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../support/env';
import { request, search, waitForDocument } from '../support/http';
import { freshNamespace, servicesProfileEnv, spawnStack, type SpawnedStack } from '../support/stack';
import { until } from '../support/wait';

// `npm start` on the services profile: PostgreSQL, Redis, S3 and Qdrant's adapter from their
// variables, the API in the launcher and each task queue's worker in a process of its own.

let stack: SpawnedStack;
let dataDir: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-services-'));
  const namespace = await freshNamespace();
  const env = await servicesProfileEnv(namespace, (stop) => stops.push(stop));
  stack = await spawnStack({
    ...env,
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
  });
});

afterAll(async () => {
  await stack?.stop();
  for (const stop of stops) await stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Command lines of the launcher's child processes (Linux /proc). */
async function workerProcesses(parentPid: number): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (cmdline.includes('workers/run.js')) found.set(Number(entry), cmdline.trim());
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

it('runs the workflow worker, the embedding worker and each lane worker as processes of their own, and ingests through them', async () => {
  const pid = stack.process.pid as number;
  await until(async () => (await workerProcesses(pid)).size === 6, 60_000, 'six worker processes');
  const roles = [...(await workerProcesses(pid)).values()].map((cmd) => cmd.split('run.js ')[1]).sort();
  expect(roles).toEqual(['embed', 'lane deep', 'lane fast', 'lane ocr', 'lane standard', 'workflows']);

  await until(
    async () => (await request(stack.baseUrl, 'GET', '/health/ready')).status === 200,
    60_000,
    'ready',
  );
  const accepted = await request<{ documentId: string }>(
    stack.baseUrl,
    'POST',
    '/v1/missions/default/documents',
    {
      text: 'The cartographer of the services profile drew every harbour twice.',
      title: 'services profile',
    },
  );
  expect(accepted.status).toBe(202);
  const document = await waitForDocument(stack.baseUrl, 'default', accepted.body.documentId);
  expect(document.status).toBe('indexed');
  const found = await search(stack.baseUrl, 'default', 'cartographer harbour');
  expect(found.body.results[0]?.documentId).toBe(accepted.body.documentId);
});

it('a lane worker process that dies is started again, and documents keep being indexed', async () => {
  // Short text takes the fast lane: its worker is the one that dies.
  const pid = stack.process.pid as number;
  const [lanePid] =
    [...(await workerProcesses(pid)).entries()].find(([, cmd]) => cmd.endsWith('lane fast')) ?? [];
  expect(lanePid).toBeDefined();
  process.kill(lanePid as number, 'SIGKILL');
  await until(
    async () => {
      const lane = [...(await workerProcesses(pid)).entries()].find(([, cmd]) => cmd.endsWith('lane fast'));
      return lane !== undefined && lane[0] !== lanePid;
    },
    60_000,
    'a new lane worker process',
  );
  await until(
    async () => (await request(stack.baseUrl, 'GET', '/health/ready')).status === 200,
    90_000,
    'ready again',
  );
  const accepted = await request<{ documentId: string }>(
    stack.baseUrl,
    'POST',
    '/v1/missions/default/documents',
    {
      text: 'After the restart the lighthouse keeper logged the second freighter.',
    },
  );
  expect((await waitForDocument(stack.baseUrl, 'default', accepted.body.documentId)).status).toBe('indexed');
});
