import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './env';
import { startTestStack, type TestStack } from './stack';

/** Entity definitions the graph tests share: a gazetteer of places and people, and ship codes. */
export const testEntities = [
  { type: 'Person', terms: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'] },
  { type: 'Place', terms: ['Lisbon', 'Reykjavik', 'Valparaiso'] },
  { type: 'Vessel', patterns: ['\\bMV-\\d{3}\\b'] },
];

/**
 * A missions folder with the default cartridge under new mission ids (unique per call, so stacks
 * that share a Neo4j or a Redis never meet), each with `testEntities` and then its entry of
 * `overrides`, by name (top-level cartridge sections replaced). Answers the folder and ids.
 */
export async function writeTestMissions(
  names: string[],
  overrides: Record<string, Record<string, unknown>> = {},
): Promise<{ dir: string; ids: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-missions-'));
  const base = parse(await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8')) as {
    mission: { id: string; name: string };
  };
  const suffix = randomBytes(3).toString('hex');
  const ids = names.map((name) => `${name}-${suffix}`);
  for (const [index, id] of ids.entries()) {
    await mkdir(join(dir, id));
    const cartridge = {
      ...base,
      mission: { ...base.mission, id, name: id },
      entities: testEntities,
      ...overrides[names[index] ?? ''],
    };
    await writeFile(join(dir, id, 'cartridge.yaml'), stringify(cartridge));
  }
  return { dir, ids };
}

export interface MissionStackOptions {
  /** Cartridge sections per mission name (writeTestMissions). */
  cartridges?: Record<string, Record<string, unknown>>;
  env?: Record<string, string>;
}

/** A test stack serving only new missions made by writeTestMissions; `stop` removes them too. */
export async function startStackWithMissions(
  names: string[],
  options: MissionStackOptions = {},
): Promise<{ stack: TestStack; ids: string[]; stop(): Promise<void> }> {
  const { dir, ids } = await writeTestMissions(names, options.cartridges);
  const stack = await startTestStack({ ...options.env, MISSIONS_DIR: dir });
  return {
    stack,
    ids,
    stop: async () => {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One stack with new missions for a whole test file: started before its tests, stopped after them.
 * `started` hands the stack and the mission ids (in the order of `names`) to the file. `options`
 * may be a function, for settings only known once earlier hooks ran (a local server's address).
 */
export function withMissionStack(
  names: string[],
  options: MissionStackOptions | (() => MissionStackOptions),
  started: (stack: TestStack, ids: string[]) => void,
): void {
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const result = await startStackWithMissions(names, typeof options === 'function' ? options() : options);
    stop = result.stop;
    started(result.stack, result.ids);
  });
  afterAll(async () => {
    await stop?.();
  });
}
