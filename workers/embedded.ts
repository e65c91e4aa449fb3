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

  let devServer: DevServer | null = null;
  let platform: Platform | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await platform?.stop();
    await devServer?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      devServer = await launchDevServer(config, logger);
      temporalAddress = devServer.address;
    }
    platform = await startPlatform({ config, temporalAddress, logger });
    const api = `http://localhost:${platform.apiPort}`;
    logger.info(
      { apiUrl: api, temporalAddress, webUiUrl: devServer?.uiUrl ?? null, dataDir: resolve(config.DATA_DIR) },
      'missionflow ready',
    );
    process.stderr.write(
      [
        '',
        'missionflow is ready',
        `  API             ${api}   (OpenAPI: ${api}/openapi.json)`,
        `  Temporal        ${temporalAddress}`,
        `  Temporal Web UI ${devServer ? (devServer.uiUrl ?? '(off: TEMPORAL_HEADLESS=true)') : '(the external cluster’s own)'}`,
        `  State           ${resolve(config.DATA_DIR)}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof MissionflowError) {
      logger.fatal({ code: error.code, errors: error.errors }, error.message);
      process.stderr.write(`missionflow refused to start: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'missionflow failed to start');
    }
    await platform?.stop();
    await devServer?.stop();
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
