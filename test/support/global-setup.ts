import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { crossEncoderModel, defaultEmbeddingModelId } from '../../adapters/models/catalogue';
import { ensureEmbeddingModel, ensureModelFolder } from '../../adapters/models/fetch';
import { startScratchDevServer, type DevServer } from '../../temporal/dev-server';
import { repoRoot } from './env';
import { startTestServices, stopTestServices } from './services';
import type { RunningService } from './services/service';

declare global {
  var __missionflowDevServer: DevServer | undefined;
  var __missionflowServices: RunningService[] | undefined;
}

/**
 * Once per test run: resolve (or build) the Temporal CLI, start one in-memory dev server on a free
 * loopback port, start the real stores the services profile uses (PostgreSQL, Redis, Neo4j, an S3
 * server), and bundle the workflow code once for every worker the tests start.
 */
export default async function globalSetup(): Promise<void> {
  // Another folder lets two runs share a checkout (each starts servers of its own in it).
  const reports = process.env.MF_TEST_REPORTS_DIR ?? join(repoRoot, '.reports');
  await mkdir(reports, { recursive: true });
  const say = (message: string) => process.stderr.write(`[test set-up] ${message}\n`);
  const started = Date.now();
  const servicesStarting = startTestServices(reports, say);
  const modelFetched = fetchTestModels(say);
  const server = await startScratchDevServer({
    logFile: join(reports, 'temporal-dev-server.log'),
    say,
  }).catch(async (error: unknown) => {
    await servicesStarting.then(({ services }) => stopTestServices(services)).catch(() => undefined);
    throw error;
  });
  globalThis.__missionflowDevServer = server;
  // If Jest dies before its teardown, do not leave the server running.
  process.once('exit', () => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already stopped by the teardown
    }
  });

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: say, error: say, log() {} },
  });
  const bundlePath = join(reports, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  const { services, env } = await servicesStarting.catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  globalThis.__missionflowServices = services;
  Object.assign(process.env, env);

  await modelFetched;
  process.env.MF_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.MF_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.MF_TEST_TEMPORAL_CLI = server.cliPath;
  say(`Temporal dev server at ${server.address}; ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * The local models (the embedding model, and the cross-encoder), fetched here once per machine (never during a test) into the cache
 * `npm start` uses; its folder is handed to the tests as MF_TEST_MODEL_DIR, or why it could not be
 * had as MF_TEST_MODEL_UNAVAILABLE (the tests that need it then skip, saying so). Every stack the
 * tests start embeds lexically unless a test chooses the model (EMBEDDER=local with
 * MISSIONFLOW_MODEL_DIR): spawned `npm start` processes inherit EMBEDDER=lexical from here.
 */
async function fetchTestModels(say: (message: string) => void): Promise<void> {
  process.env.EMBEDDER = 'lexical';
  try {
    const folder = await ensureEmbeddingModel(defaultEmbeddingModelId, {
      env: process.env,
      say,
    });
    process.env.MF_TEST_MODEL_DIR = folder;
    say(`embedding model ${defaultEmbeddingModelId} at ${folder}`);
  } catch (error) {
    process.env.MF_TEST_MODEL_UNAVAILABLE = (error as Error).message;
    say(`${(error as Error).message}: the tests of the local embedding model are skipped`);
  }
  // The cross-encoder that RERANKER=local loads, likewise into the cache the stacks read.
  try {
    const folder = await ensureModelFolder(crossEncoderModel, {
      env: { ...process.env, MISSIONFLOW_MODEL_DIR: undefined },
      say,
    });
    process.env.MF_TEST_RERANKER_DIR = folder;
    say(`re-ranking model ${crossEncoderModel.id} at ${folder}`);
  } catch (error) {
    process.env.MF_TEST_RERANKER_UNAVAILABLE = (error as Error).message;
    say(`${(error as Error).message}: the tests of the cross-encoder are skipped`);
  }
}
