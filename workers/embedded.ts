import { join, resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../domain/config';
import { MissionflowError } from '../domain/errors';
import { createLogger, type Logger } from '../observability/logger';
import { temporalRuntimeLogger } from '../observability/temporal-logger';
import { resolveTemporalCli } from '../temporal/cli';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { startPlatform, type Platform } from './platform';

/**
 * `npm start`: the whole platform on one machine with nothing to configure. Starts a Temporal dev
 * server (unless TEMPORAL_ADDRESS points at one), then stores, workers and the API in this process
 * (PGlite belongs to one process). SIGINT or SIGTERM stops everything it started, gracefully.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`missionflow: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  Runtime.install({ logger: temporalRuntimeLogger(logger) });

  // What start-up has started so far, shared with the signal handler.
  const started: { devServer: DevServer | null; platform: Platform | null } = {
    devServer: null,
    platform: null,
  };
  let stopping = false;

  const start = async () => {
    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      started.devServer = await launchDevServer(config, logger);
      temporalAddress = started.devServer.address;
    }
    started.platform = await startPlatform({ config, temporalAddress, logger });
    if (stopping) return;
    const api = `http://localhost:${started.platform.apiPort}`;
    logger.info(
      {
        apiUrl: api,
        temporalAddress,
        webUiUrl: started.devServer?.uiUrl ?? null,
        dataDir: resolve(config.DATA_DIR),
      },
      'missionflow ready',
    );
    const webUi = started.devServer
      ? (started.devServer.uiUrl ?? '(off: TEMPORAL_HEADLESS=true)')
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
  };
  const startup = start();

  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal means now: still do not leave the Temporal server behind.
      logger.warn({ signal }, 'second signal: exiting now');
      if (started.devServer) process.kill(started.devServer.pid, 'SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A signal during start-up waits for it, so everything it started is stopped.
    await startup.catch(() => undefined);
    await started.platform?.stop();
    await started.devServer?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await startup;
  } catch (error) {
    if (error instanceof MissionflowError) {
      logger.fatal({ code: error.code, errors: error.errors }, error.message);
      process.stderr.write(`missionflow refused to start: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'missionflow failed to start');
    }
    if (stopping) return; // the signal handler stops what was started
    await started.platform?.stop();
    await started.devServer?.stop();
    process.exit(1);
  }
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
