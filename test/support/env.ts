import { join } from 'node:path';

/** Values the global set-up hands to every test file through the environment. */
export const testEnv = {
  get temporalAddress(): string {
    return required('MF_TEST_TEMPORAL_ADDRESS');
  },
  get workflowBundlePath(): string {
    return required('MF_TEST_WORKFLOW_BUNDLE');
  },
  get temporalCliPath(): string {
    return required('MF_TEST_TEMPORAL_CLI');
  },
  /** Superuser URL of the test run's PostgreSQL server (scratch databases are created through it). */
  get postgresAdminUrl(): string {
    return required('MF_TEST_POSTGRES_ADMIN_URL');
  },
  get redisUrl(): string {
    return required('MF_TEST_REDIS_URL');
  },
  get neo4j() {
    return {
      url: required('MF_TEST_NEO4J_URL'),
      user: required('MF_TEST_NEO4J_USER'),
      password: required('MF_TEST_NEO4J_PASSWORD'),
    };
  },
  get s3() {
    return {
      endpoint: required('MF_TEST_S3_ENDPOINT'),
      accessKeyId: required('MF_TEST_S3_ACCESS_KEY_ID'),
      secretAccessKey: required('MF_TEST_S3_SECRET_ACCESS_KEY'),
      region: required('MF_TEST_S3_REGION'),
    };
  },
};

/** The local embedding model's folder fetched by the global set-up, or why there is none. */
export function testEmbeddingModel(): { folder: string } | { unavailable: string } {
  const folder = process.env.MF_TEST_MODEL_DIR;
  if (folder) return { folder };
  return { unavailable: process.env.MF_TEST_MODEL_UNAVAILABLE ?? 'the global set-up did not run' };
}

/** The cross-encoder's folder fetched by the global set-up, or why there is none. */
export function testRerankerModel(): { folder: string } | { unavailable: string } {
  const folder = process.env.MF_TEST_RERANKER_DIR;
  if (folder) return { folder };
  return { unavailable: process.env.MF_TEST_RERANKER_UNAVAILABLE ?? 'the global set-up did not run' };
}

export const repoRoot = join(__dirname, '..', '..');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global set-up provides it)`);
  return value;
}
