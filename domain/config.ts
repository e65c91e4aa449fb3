import { z } from 'zod';
import { MissionflowError } from './errors';

/**
 * Process configuration, validated once at start from the environment. Unset store variables
 * mean the embedded profile.
 */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('.data'),
  MISSIONS_DIR: z.string().default('missions'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_HEADLESS: z.enum(['true', 'false']).default('false'),
  TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('missionflow'),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(50 * 1024 * 1024),
  EMBEDDINGS_URL: z.string().url().optional(),
  EMBEDDINGS_MODEL: z.string().optional(),
  EMBEDDINGS_API_KEY: z.string().optional(),
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(8).max(4096).default(384),
  LANE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
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
