import { z } from 'zod';
import { MissionflowError } from './errors';

/** A whole number written in decimal digits: no hex, no blanks, no exponents. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

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
  EMBEDDINGS_URL: z.string().url().optional(),
  EMBEDDINGS_MODEL: z.string().optional(),
  EMBEDDINGS_API_KEY: z.string().optional(),
  EMBEDDINGS_DIMENSIONS: wholeNumber(8, 4096).default(384),
  LANE_CONCURRENCY: wholeNumber(1, 256).default(4),
  PARSER_MEMORY_MB: wholeNumber(64, 65536).default(1024),
  EMBEDDINGS_BATCH_SIZE: wholeNumber(1, 2048).default(64),
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
    if (config.EMBEDDINGS_URL && !config.EMBEDDINGS_MODEL) {
      throw new MissionflowError(
        'invalid_request',
        'EMBEDDINGS_MODEL is required when EMBEDDINGS_URL is set',
        [{ path: 'EMBEDDINGS_MODEL', message: 'required when EMBEDDINGS_URL is set' }],
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
