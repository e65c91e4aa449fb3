const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
};

/** @type {import('jest').Config} */
module.exports = {
  // One Temporal dev server, one set of real stores (PostgreSQL, Redis, Neo4j, S3) and one workflow
  // bundle for the whole run, shared by both projects.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 180_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    // Every test on the embedded default (PGlite, pgvector, local blobs, in-process cache).
    { ...shared, displayName: 'embedded', testMatch: ['<rootDir>/test/**/*.test.ts'] },
    // The end-to-end tests that compose the platform in-process, again on the services profile.
    {
      ...shared,
      displayName: 'services',
      testMatch: [
        '<rootDir>/test/e2e/ingest-formats.test.ts',
        '<rootDir>/test/e2e/bad-input.test.ts',
        '<rootDir>/test/e2e/duplicates.test.ts',
        '<rootDir>/test/e2e/api-surface.test.ts',
        '<rootDir>/test/e2e/entities.test.ts',
        '<rootDir>/test/e2e/deletion.test.ts',
        '<rootDir>/test/e2e/isolation.test.ts',
        '<rootDir>/test/e2e/update.test.ts',
        '<rootDir>/test/e2e/verification.test.ts',
        '<rootDir>/test/e2e/progress.test.ts',
        '<rootDir>/test/e2e/ocr-lane.test.ts',
        '<rootDir>/test/e2e/deep-lane.test.ts',
        '<rootDir>/test/e2e/llm-extractor.test.ts',
      ],
      setupFiles: ['<rootDir>/test/support/services-profile.js'],
    },
  ],
};
