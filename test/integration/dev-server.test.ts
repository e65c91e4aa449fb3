import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer } from '../../temporal/dev-server';
import { testEnv } from '../support/env';

let scratch: string;
let squatter: Server | null = null;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mf-devserver-'));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
  squatter = null;
  await rm(scratch, { recursive: true, force: true });
});

it('refuses a port something else holds, rather than talking to whatever answers there', async () => {
  const port = await freePort();
  squatter = createServer();
  await new Promise<void>((resolve) => squatter?.listen(port, '127.0.0.1', resolve));
  await expect(
    startDevServer({
      cliPath: testEnv.temporalCliPath,
      port,
      namespace: 'default',
      logFile: join(scratch, 'server.log'),
    }),
  ).rejects.toThrow(/in use/);
});

it('reports a CLI that cannot be run instead of crashing', async () => {
  await expect(
    startDevServer({
      cliPath: scratch,
      port: await freePort(),
      namespace: 'default',
      logFile: join(scratch, 'server.log'),
    }),
  ).rejects.toThrow(/could not run/);
});
