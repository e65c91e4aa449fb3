import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../temporal/dev-server';
import { repoRoot, testEnv } from '../support/env';
import { request } from '../support/http';
import { spawnStack } from '../support/stack';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mf-startup-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'workers', 'embedded.js')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (piece: Buffer) => (output += piece.toString()));
    child.stderr.on('data', (piece: Buffer) => (output += piece.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('refuses to start on an invalid cartridge, naming each bad field', async () => {
  const missions = join(scratch, 'missions');
  await cp(join(repoRoot, 'missions'), missions, { recursive: true });
  const file = join(missions, 'default', 'cartridge.yaml');
  const broken = (await readFile(file, 'utf8'))
    .replace('overlap: 150', 'overlap: 900')
    .replace('defaultLane: standard', 'defaultLane: turbo');
  await writeFile(file, broken);
  const result = await runToExit({
    MISSIONS_DIR: missions,
    DATA_DIR: join(scratch, 'data'),
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
  });
  expect(result.code).toBe(1);
  expect(result.output).toContain('missionflow refused to start');
  expect(result.output).toMatch(/chunking\.overlap: overlap must be less than half the chunk size/);
  expect(result.output).toMatch(/routing\.defaultLane: lane is not enabled/);
});

it('refuses to start on invalid configuration', async () => {
  const result = await runToExit({ PORT: 'not-a-port', DATA_DIR: join(scratch, 'data') });
  expect(result.code).toBe(2);
  expect(result.output).toMatch(/configuration is not valid: PORT/);
});

it('starts its own Temporal server with nothing configured, and Ctrl-C stops every process it started', async () => {
  const dataDir = join(scratch, 'data');
  const stack = await spawnStack({
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_CLI_PATH: testEnv.temporalCliPath,
  });
  const ready = stack
    .output()
    .split('\n')
    .find((line) => line.includes('missionflow ready'));
  const webUiUrl = (JSON.parse(ready as string) as { webUiUrl: string }).webUiUrl;
  expect(webUiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect((await fetch(webUiUrl)).status).toBe(200);
  expect((await request(stack.baseUrl, 'GET', '/health/ready')).status).toBe(200);
  const temporalPid = Number(await readFile(join(dataDir, 'temporal', 'server.pid'), 'utf8'));
  expect(isRunning(temporalPid)).toBe(true);

  stack.process.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => stack.process.once('exit', resolve));
  expect(code).toBe(0);
  expect(isRunning(temporalPid)).toBe(false);
  expect(stack.output()).toContain('"msg":"stopped"');
});

it('a signal during start-up stops what was already started', async () => {
  const dataDir = join(scratch, 'data');
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'workers', 'embedded.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_HEADLESS: 'true',
      TEMPORAL_CLI_PATH: testEnv.temporalCliPath,
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // The pid file appears as soon as the Temporal server is spawned, well before the stack is ready.
  const pidFile = join(dataDir, 'temporal', 'server.pid');
  let temporalPid = 0;
  for (let i = 0; i < 400 && !temporalPid; i++) {
    temporalPid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
    if (!temporalPid) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(temporalPid).toBeGreaterThan(0);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(isRunning(temporalPid)).toBe(false);
});
