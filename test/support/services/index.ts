import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startNeo4j } from './neo4j';
import { startPostgres } from './postgres';
import { startRedis } from './redis';
import { startS3Server } from './s3';
import type { RunningService, Say } from './service';

interface Starter {
  name: string;
  start(): Promise<{ service: RunningService; env: Record<string, string> }>;
}

/**
 * The real servers the tests use, each on a private loopback port: started once per test run by
 * the Jest global set-up (in parallel), handed to test files through MF_TEST_* variables, stopped
 * at the end. If one cannot start, the others are stopped and the run fails: a missing service is a
 * broken harness, never a reason to skip its tests.
 */
export async function startTestServices(
  reports: string,
  say: Say,
): Promise<{ services: RunningService[]; env: Record<string, string> }> {
  const dataRoot = join(reports, 'services');
  await mkdir(dataRoot, { recursive: true });
  const starters: Starter[] = [
    {
      name: 'PostgreSQL',
      async start() {
        const service = await startPostgres({ logFile: join(reports, 'postgres.log'), say });
        return { service, env: { MF_TEST_POSTGRES_ADMIN_URL: service.adminUrl } };
      },
    },
    {
      name: 'Redis',
      async start() {
        const dataDir = join(dataRoot, 'redis');
        await mkdir(dataDir, { recursive: true });
        const service = await startRedis({ dataDir, logFile: join(reports, 'redis.log'), say });
        return { service, env: { MF_TEST_REDIS_URL: service.url } };
      },
    },
    {
      name: 'Neo4j',
      async start() {
        const service = await startNeo4j({
          dataDir: join(dataRoot, 'neo4j'),
          logFile: join(reports, 'neo4j.log'),
          say,
        });
        return {
          service,
          env: {
            MF_TEST_NEO4J_URL: service.url,
            MF_TEST_NEO4J_USER: service.user,
            MF_TEST_NEO4J_PASSWORD: service.password,
          },
        };
      },
    },
    {
      name: 'S3 (versitygw)',
      async start() {
        const service = await startS3Server({
          dataDir: join(dataRoot, 's3'),
          logFile: join(reports, 's3.log'),
          say,
        });
        return {
          service,
          env: {
            MF_TEST_S3_ENDPOINT: service.url,
            MF_TEST_S3_ACCESS_KEY_ID: service.accessKeyId,
            MF_TEST_S3_SECRET_ACCESS_KEY: service.secretAccessKey,
            MF_TEST_S3_REGION: service.region,
          },
        };
      },
    },
  ];
  const outcomes = await Promise.allSettled(
    starters.map(async (starter) => {
      const started = Date.now();
      const result = await starter.start();
      say(
        `${starter.name} at ${result.service.url}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return result;
    }),
  );
  const services = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value.service] : [],
  );
  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === 'rejected' ? [`${starters[i]?.name}: ${String(outcome.reason)}`] : [],
  );
  if (failures.length > 0) {
    await stopTestServices(services);
    throw new Error(`test services did not start:\n${failures.join('\n')}`);
  }
  const env = Object.assign(
    {},
    ...outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.env : {})),
  ) as Record<string, string>;
  return { services, env };
}

export async function stopTestServices(services: RunningService[]): Promise<void> {
  await Promise.allSettled(services.map((service) => service.stop()));
}
