import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseCartridge, validateCartridge } from '../../domain/cartridge';
import { MissionflowError } from '../../domain/errors';
import { repoRoot } from '../support/env';

interface Draft {
  [field: string]: unknown;
  mission: { id: string; name: string };
  lanes: string[];
  routing: {
    defaultClass: string;
    defaultLane: string;
    rules: Array<{ name: string; when: Record<string, unknown>; class: string; lane: string }>;
  };
  chunking: Record<string, unknown>;
  search: Record<string, unknown>;
}

/** A small valid cartridge as a plain object, for tests to break one field at a time. */
function validCartridge(): Draft {
  return {
    apiVersion: 'missionflow/v1',
    mission: { id: 'alpha', name: 'Alpha mission' },
    lanes: ['standard'],
    routing: {
      defaultClass: 'general',
      defaultLane: 'standard',
      rules: [{ name: 'web', when: { mediaTypes: ['text/html'] }, class: 'web-page', lane: 'standard' }],
    },
    chunking: { size: 1000, overlap: 100 },
    search: { language: 'english' },
  };
}

function firstRule(cartridge: Draft): Draft['routing']['rules'][number] {
  const rule = cartridge.routing.rules[0];
  if (!rule) throw new Error('the draft has no rule');
  return rule;
}

/** Parses `yamlText` expecting refusal, and returns the field errors. */
function refusal(yamlText: string): MissionflowError {
  try {
    parseCartridge(yamlText, 'test cartridge');
  } catch (error) {
    expect(error).toBeInstanceOf(MissionflowError);
    const failure = error as MissionflowError;
    expect(failure.code).toBe('invalid_cartridge');
    expect(failure.errors.length).toBeGreaterThan(0);
    return failure;
  }
  throw new Error('the cartridge was accepted');
}

function refusedPaths(cartridge: unknown): string[] {
  return refusal(stringify(cartridge)).errors.map((error) => error.path);
}

it('parses the shipped default cartridge', async () => {
  const text = await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8');
  const cartridge = parseCartridge(text);
  expect(cartridge.mission.id).toBe('default');
  expect(cartridge.lanes).toEqual(['fast', 'standard', 'deep', 'ocr']);
  expect(cartridge.routing.rules.map((rule) => rule.name)).toEqual([
    'short-text',
    'web-pages',
    'scans',
    'long-pdfs',
    'long-office-documents',
    'office-documents',
  ]);
  expect(cartridge.chunking).toEqual({ size: 1200, overlap: 150 });
});

it('fills defaults for optional sections', () => {
  const cartridge = parseCartridge(stringify(validCartridge()));
  expect(cartridge.mission.description).toBe('');
  expect(cartridge.limits).toEqual({
    maxDocumentBytes: 50 * 1024 * 1024,
    maxInflatedBytes: 200 * 1024 * 1024,
  });
  expect(cartridge.search).toMatchObject({ defaultLimit: 10, maxLimit: 50, rrfK: 60, minSimilarity: 0.1 });
});

it('keeps vectors in the shared collection unless the cartridge asks for dedicated ones', () => {
  expect(parseCartridge(stringify(validCartridge())).storage).toEqual({ vectorCollection: 'shared' });
  const dedicated = { ...validCartridge(), storage: { vectorCollection: 'dedicated' } };
  expect(parseCartridge(stringify(dedicated)).storage.vectorCollection).toBe('dedicated');
  expect(refusedPaths({ ...validCartridge(), storage: { vectorCollection: 'private' } })).toEqual([
    'storage.vectorCollection',
  ]);
});

it('accepts JSON, which is YAML too', () => {
  expect(parseCartridge(JSON.stringify(validCartridge())).mission.id).toBe('alpha');
});

it('refuses text that is not YAML, naming the root', () => {
  const failure = refusal('apiVersion: missionflow/v1\nmission: [unclosed\n  name: x');
  expect(failure.errors.map((error) => error.path)).toEqual(['(root)']);
  expect(failure.message).toMatch(/not valid YAML/);
});

it('refuses an empty document and a scalar', () => {
  expect(refusal('').errors[0]?.path).toBe('(root)');
  expect(refusal('just a string').errors[0]?.path).toBe('(root)');
});

it('refuses unknown fields at the top level and inside sections', () => {
  expect(refusedPaths({ ...validCartridge(), colour: 'blue' })).toEqual(['(root)']);
  const cartridge = validCartridge();
  cartridge.chunking.strategy = 'sentences';
  const failure = refusal(stringify(cartridge));
  expect(failure.errors.map((error) => error.path)).toEqual(['chunking']);
  expect(failure.message).toMatch(/strategy/);
});

it('refuses an unknown condition inside a routing rule', () => {
  const cartridge = validCartridge();
  firstRule(cartridge).when.language = 'fr';
  expect(refusedPaths(cartridge)).toEqual(['routing.rules.0.when']);
});

it('refuses an unknown lane, naming its position', () => {
  const cartridge = validCartridge();
  cartridge.lanes = ['standard', 'turbo'];
  const failure = refusal(stringify(cartridge));
  expect(failure.errors.map((error) => error.path)).toEqual(['lanes.1']);
  expect(failure.errors[0]?.message).toMatch(/unknown lane 'turbo'/);
});

it('refuses an empty lane list', () => {
  const cartridge = validCartridge();
  cartridge.lanes = [];
  expect(refusedPaths(cartridge)).toContain('lanes');
});

it('refuses a routing rule or default lane that is not enabled', () => {
  const cartridge = validCartridge();
  cartridge.routing.rules.push({ name: 'scans', when: {}, class: 'scan', lane: 'ocr' });
  expect(refusedPaths(cartridge)).toEqual(['routing.rules.1.lane']);

  const withDefault = validCartridge();
  withDefault.routing.defaultLane = 'deep';
  expect(refusedPaths(withDefault)).toEqual(['routing.defaultLane']);
});

it('refuses a title pattern that is not a regular expression', () => {
  const cartridge = validCartridge();
  firstRule(cartridge).when = { titlePattern: '(unclosed' };
  const failure = refusal(stringify(cartridge));
  expect(failure.errors).toEqual([
    { path: 'routing.rules.0.when.titlePattern', message: 'not a valid regular expression' },
  ]);
});

it('refuses an overlap of half the chunk size or more, and accepts just under half', () => {
  const cartridge = validCartridge();
  cartridge.chunking = { size: 1000, overlap: 500 };
  expect(refusedPaths(cartridge)).toEqual(['chunking.overlap']);
  cartridge.chunking = { size: 1000, overlap: 800 };
  expect(refusedPaths(cartridge)).toEqual(['chunking.overlap']);
  cartridge.chunking = { size: 1000, overlap: 499 };
  expect(validateCartridge(cartridge).chunking.overlap).toBe(499);
});

it('refuses chunk sizes outside 200 to 20000', () => {
  const cartridge = validCartridge();
  cartridge.chunking = { size: 199, overlap: 0 };
  expect(refusedPaths(cartridge)).toEqual(['chunking.size']);
  cartridge.chunking = { size: 20001, overlap: 0 };
  expect(refusedPaths(cartridge)).toEqual(['chunking.size']);
});

it.each(['Alpha', 'has space', 'dots.not.allowed', '', 'x'.repeat(49), '../etc'])(
  'refuses mission id %j',
  (id) => {
    const cartridge = validCartridge();
    cartridge.mission.id = id;
    expect(refusedPaths(cartridge)).toEqual(['mission.id']);
  },
);

it('refuses a rule name with upper-case letters', () => {
  const cartridge = validCartridge();
  firstRule(cartridge).name = 'Web';
  expect(refusedPaths(cartridge)).toEqual(['routing.rules.0.name']);
});

it('refuses a default search limit above the maximum', () => {
  const cartridge = validCartridge();
  cartridge.search = { language: 'english', defaultLimit: 60, maxLimit: 50 };
  expect(refusedPaths(cartridge)).toEqual(['search.defaultLimit']);
});

it('reports every bad field at once, and names them in the message', () => {
  const cartridge = validCartridge();
  cartridge.chunking = { size: 1000, overlap: 600 };
  firstRule(cartridge).lane = 'deep';
  const failure = refusal(stringify(cartridge));
  expect(failure.errors.map((error) => error.path).sort()).toEqual([
    'chunking.overlap',
    'routing.rules.0.lane',
  ]);
  expect(failure.message).toContain('test cartridge is not valid');
  expect(failure.message).toContain('chunking.overlap');
  expect(failure.status).toBe(422);
});
