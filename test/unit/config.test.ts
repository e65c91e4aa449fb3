import { loadConfig } from '../../domain/config';
import { MissionflowError } from '../../domain/errors';

function refusal(env: Record<string, string | undefined>): MissionflowError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(MissionflowError);
    return error as MissionflowError;
  }
  throw new Error('the configuration was accepted');
}

it('gives the embedded-profile defaults for an empty environment', () => {
  expect(loadConfig({})).toEqual({
    PORT: 3000,
    HOST: '0.0.0.0',
    DATA_DIR: '.data',
    MISSIONS_DIR: 'missions',
    PARSER_MEMORY_MB: 1024,
    LOG_LEVEL: 'info',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_PORT: 7233,
    TEMPORAL_UI_PORT: 8233,
    TEMPORAL_HEADLESS: 'false',
    TASK_QUEUE_PREFIX: 'missionflow',
    MAX_UPLOAD_BYTES: 50 * 1024 * 1024,
    EMBEDDER: 'auto',
    RERANKER: 'off',
    LOCAL_EMBEDDING_MODEL: 'all-MiniLM-L6-v2-q8',
    LOCAL_EMBEDDING_BATCH_SIZE: 16,
    EMBEDDINGS_DIMENSIONS: 384,
    LANE_CONCURRENCY: { fast: 8, standard: 4, deep: 2, ocr: 1 },
    LANES: ['fast', 'standard', 'deep', 'ocr'],
    EMBEDDINGS_BATCH_SIZE: 64,
    EMBED_CONCURRENCY: 2,
    DATABASE_POOL_SIZE: 10,
    SEARCH_CACHE_TTL_SECONDS: 300,
    REDIS_KEY_PREFIX: '',
    SEARCH_CACHE_ENTRIES: 10_000,
    S3_BUCKET: 'missionflow',
    S3_REGION: 'us-east-1',
  });
});

it('takes the services-profile stores from their variables', () => {
  const config = loadConfig({
    DATABASE_URL: 'postgres://missionflow_app@db/missionflow',
    DATABASE_MIGRATION_URL: 'postgresql://missionflow_owner@db/missionflow',
    REDIS_URL: 'redis://cache:6379',
    NEO4J_URL: 'bolt://graph:7687',
    QDRANT_URL: 'http://vectors:6333',
    S3_ENDPOINT: 'http://blobs:9000',
    S3_ACCESS_KEY_ID: 'key',
    S3_SECRET_ACCESS_KEY: 'secret',
  });
  expect(config).toMatchObject({ NEO4J_URL: 'bolt://graph:7687', S3_BUCKET: 'missionflow' });
});

it.each([
  [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
  [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
  [{ NEO4J_URL: 'http://graph:7474' }, 'NEO4J_URL'],
  [{ S3_ENDPOINT: 'http://blobs:9000' }, 'S3_ACCESS_KEY_ID'],
  [{ DATABASE_MIGRATION_URL: 'postgres://owner@db/x' }, 'DATABASE_URL'],
])('refuses an incomplete or malformed store setting %j', (env, path) => {
  expect(refusal(env).errors?.map((error) => error.path)).toContain(path);
});

it('coerces numeric variables from strings', () => {
  const config = loadConfig({
    PORT: '8080',
    TEMPORAL_PORT: '7234',
    MAX_UPLOAD_BYTES: '1048576',
    EMBEDDINGS_DIMENSIONS: '768',
    LANE_CONCURRENCY: '16',
  });
  expect(config).toMatchObject({
    PORT: 8080,
    TEMPORAL_PORT: 7234,
    MAX_UPLOAD_BYTES: 1048576,
    EMBEDDINGS_DIMENSIONS: 768,
    LANE_CONCURRENCY: { fast: 16, standard: 16, deep: 16, ocr: 16 },
  });
});

it('lane concurrency is one number for every lane, or per-lane settings over the defaults', () => {
  expect(loadConfig({ LANE_CONCURRENCY: 'fast=32, ocr=2' }).LANE_CONCURRENCY).toEqual({
    fast: 32,
    standard: 4,
    deep: 2,
    ocr: 2,
  });
  for (const [value, problem] of [
    ['turbo=3', /unknown lane 'turbo'/],
    ['fast=0', /fast: must be a whole number between 1 and 256/],
    ['fast', /'fast' is not lane=number/],
    ['300', /between 1 and 256/],
  ] as const) {
    expect(() => loadConfig({ LANE_CONCURRENCY: value })).toThrow(problem);
  }
});

it('LANES picks the lanes whose workers run in this process', () => {
  expect(loadConfig({ LANES: 'fast, standard' }).LANES).toEqual(['fast', 'standard']);
  expect(() => loadConfig({ LANES: 'fast,turbo' })).toThrow(/LANES: unknown lane 'turbo'/);
});

it('treats empty and undefined variables as unset', () => {
  const config = loadConfig({ PORT: '', LOG_LEVEL: undefined, TEMPORAL_ADDRESS: '' });
  expect(config.PORT).toBe(3000);
  expect(config.LOG_LEVEL).toBe('info');
  expect(config.TEMPORAL_ADDRESS).toBeUndefined();
});

it('ignores variables it does not know', () => {
  expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
});

it.each(['http', '70000', '-1', '80.5'])('refuses PORT=%s, naming the variable', (port) => {
  const failure = refusal({ PORT: port });
  expect(failure.code).toBe('invalid_request');
  expect(failure.errors.map((error) => error.path)).toEqual(['PORT']);
  expect(failure.message).toContain('PORT');
});

it('accepts PORT=0 (any free port)', () => {
  expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
});

it('reports every invalid variable at once', () => {
  const failure = refusal({ LOG_LEVEL: 'loud', TASK_QUEUE_PREFIX: 'Bad Prefix', EMBEDDINGS_DIMENSIONS: '4' });
  expect(failure.errors.map((error) => error.path).sort()).toEqual([
    'EMBEDDINGS_DIMENSIONS',
    'LOG_LEVEL',
    'TASK_QUEUE_PREFIX',
  ]);
});

it('refuses an EMBEDDINGS_URL that is not a URL', () => {
  expect(refusal({ EMBEDDINGS_URL: 'not a url', EMBEDDINGS_MODEL: 'm' }).errors[0]?.path).toBe(
    'EMBEDDINGS_URL',
  );
});

it('refuses EMBEDDINGS_URL without EMBEDDINGS_MODEL', () => {
  const failure = refusal({ EMBEDDINGS_URL: 'http://127.0.0.1:8000/v1' });
  expect(failure.code).toBe('invalid_request');
  expect(failure.errors).toEqual([
    { path: 'EMBEDDINGS_MODEL', message: 'required when EMBEDDINGS_URL is set' },
  ]);
});

it('accepts an embeddings endpoint with its model and key', () => {
  const config = loadConfig({
    EMBEDDINGS_URL: 'https://api.example.com/v1',
    EMBEDDINGS_MODEL: 'text-embedding-3-small',
    EMBEDDINGS_API_KEY: 'secret',
  });
  expect(config).toMatchObject({
    EMBEDDINGS_URL: 'https://api.example.com/v1',
    EMBEDDINGS_MODEL: 'text-embedding-3-small',
    EMBEDDINGS_API_KEY: 'secret',
  });
});

it('chooses the embedder by EMBEDDER, and openai needs its endpoint', () => {
  expect(loadConfig({ EMBEDDER: 'lexical' }).EMBEDDER).toBe('lexical');
  expect(loadConfig({ EMBEDDER: 'local', MISSIONFLOW_MODEL_DIR: '/models/minilm' })).toMatchObject({
    EMBEDDER: 'local',
    MISSIONFLOW_MODEL_DIR: '/models/minilm',
  });
  expect(refusal({ EMBEDDER: 'openai' }).errors).toEqual([
    { path: 'EMBEDDINGS_URL', message: 'required when EMBEDDER is openai' },
  ]);
  expect(refusal({ EMBEDDER: 'semantic' }).errors).toEqual([expect.objectContaining({ path: 'EMBEDDER' })]);
  expect(refusal({ LOCAL_EMBEDDING_MODEL: '../elsewhere' }).errors).toEqual([
    expect.objectContaining({ path: 'LOCAL_EMBEDDING_MODEL' }),
  ]);
});

it.each([
  ['PORT', ' '],
  ['MAX_UPLOAD_BYTES', '   '],
])('treats a blank %s as unset', (name, value) => {
  const config = loadConfig({ [name]: value });
  expect(config.PORT).toBe(3000);
  expect(config.MAX_UPLOAD_BYTES).toBe(50 * 1024 * 1024);
});

it.each([
  ['MAX_UPLOAD_BYTES', '0x10'],
  ['PORT', '1e3'],
  ['LANE_CONCURRENCY', '2.0'],
])('refuses %s=%s: numbers are plain decimal digits', (name, value) => {
  expect(() => loadConfig({ [name]: value })).toThrow(
    expect.objectContaining({ code: 'invalid_request', errors: [expect.objectContaining({ path: name })] }),
  );
});
