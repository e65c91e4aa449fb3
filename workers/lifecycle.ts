import { Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../domain/config';
import { MissionflowError } from '../domain/errors';
import { createLogger, type Logger } from '../observability/logger';
import { temporalRuntimeLogger } from '../observability/temporal-logger';

/**
 * What every missionflow process does around its own work: validate configuration (exit 2 when it
 * is invalid), log through pino (Temporal's runtime too), start, and stop gracefully on SIGINT or
 * SIGTERM, also when the signal arrives during start-up.
 */
export function prepareProcess(): { config: Config; logger: Logger } {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`missionflow: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  Runtime.install({ logger: temporalRuntimeLogger(logger) });
  return { config, logger };
}

export interface ProcessWork {
  start(): Promise<void>;
  /** Stops whatever `start` got to start; called once, after `start` settled. */
  stop(): Promise<void>;
  /** A second signal means now: the last chance to kill what must not outlive this process. */
  onSecondSignal?(): void;
}

export async function runUntilSignalled(logger: Logger, work: ProcessWork): Promise<void> {
  let stopping = false;
  const startup = work.start();
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      work.onSecondSignal?.();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await startup.catch(() => undefined);
    await work.stop();
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
    await work.stop();
    process.exit(1);
  }
}
