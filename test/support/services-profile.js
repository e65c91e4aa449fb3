// Jest project `services`: test stacks use PostgreSQL, Redis and S3 (see test/support/stack.ts).
process.env.MF_TEST_PROFILE = 'services';
