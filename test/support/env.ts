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
};

export const repoRoot = join(__dirname, '..', '..');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global set-up provides it)`);
  return value;
}
