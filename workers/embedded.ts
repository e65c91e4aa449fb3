import { join, resolve } from 'node:path';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import { resolveTemporalCli } from '../temporal/cli';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { fetchEmbeddingModelAtStart } from './embedder';
import { prepareProcess, runUntilSignalled } from './lifecycle';
import { startPlatform, type Platform } from './platform';
import { startRoleProcesses, type RoleProcesses } from './role-processes';

/**
 * `npm start`: the whole platform on one machine with nothing to configure. Starts a Temporal dev
 * server (unless TEMPORAL_ADDRESS points at one), then stores, workers and the API in this process
 * (PGlite belongs to one process); with DATABASE_URL set, the API here and each task queue's worker
 * in a process of its own. SIGINT or SIGTERM stops everything it started, gracefully.
 */
async function main(): Promise<void> {
  const { config, logger } = prepareProcess();
  // What start-up has started so far, for the stop that follows a signal or a failure.
  const started: { devServer: DevServer | null; platform: Platform | null; workers: RoleProcesses | null } = {
    devServer: null,
    platform: null,
    workers: null,
  };
  await runUntilSignalled(logger, {
    async start() {
      // The local embedding model is fetched (once per machine) while the Temporal server starts.
      const modelFetched = fetchEmbeddingModelAtStart(config, logger);
      let temporalAddress = config.TEMPORAL_ADDRESS;
      if (!temporalAddress) {
        started.devServer = await launchDevServer(config, logger);
        temporalAddress = started.devServer.address;
      }
      await modelFetched;
      if (config.DATABASE_URL) {
        // A shared database lets every task queue's worker run as its own process.
        started.platform = await startPlatform({
          config,
          temporalAddress,
          logger,
          roles: { api: true, workflowWorker: false, lanes: [], embedding: false },
        });
        started.workers = startRoleProcesses({ temporalAddress, logger, lanes: config.LANES });
      } else {
        started.platform = await startPlatform({ config, temporalAddress, logger });
      }
      announce(config, logger, temporalAddress, started.devServer, started.platform);
    },
    async stop() {
      await started.workers?.stop();
      await started.platform?.stop();
      await started.devServer?.stop();
    },
    // Do not leave the Temporal server behind, even when told to hurry.
    onSecondSignal() {
      if (started.devServer) process.kill(started.devServer.pid, 'SIGKILL');
    },
  });
}

function announce(
  config: Config,
  logger: Logger,
  temporalAddress: string,
  devServer: DevServer | null,
  platform: Platform,
): void {
  const api = `http://localhost:${platform.apiPort}`;
  logger.info(
    { apiUrl: api, temporalAddress, webUiUrl: devServer?.uiUrl ?? null, dataDir: resolve(config.DATA_DIR) },
    'missionflow ready',
  );
  const webUi = devServer
    ? (devServer.uiUrl ?? '(off: TEMPORAL_HEADLESS=true)')
    : '(the external cluster’s own)';
  process.stderr.write(
    [
      '',
      'missionflow is ready',
      `  API             ${api}   (OpenAPI: ${api}/openapi.json)`,
      `  Temporal        ${temporalAddress}`,
      `  Temporal Web UI ${webUi}`,
      `  State           ${resolve(config.DATA_DIR)}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function launchDevServer(config: Config, logger: Logger): Promise<DevServer> {
  const cli = await resolveTemporalCli(process.env, (message) => logger.info(message));
  logger.info({ cli: cli.path, source: cli.source }, 'Temporal CLI resolved');
  const stateDir = join(resolve(config.DATA_DIR), 'temporal');
  return startDevServer({
    cliPath: cli.path,
    dbFilename: join(stateDir, 'temporal.db'),
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_HEADLESS === 'true' ? undefined : config.TEMPORAL_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    logFile: join(stateDir, 'server.log'),
    pidFile: join(stateDir, 'server.pid'),
  });
}

void main();
