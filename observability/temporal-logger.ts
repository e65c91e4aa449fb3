import type { LogLevel } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import type { Logger } from './logger';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Sends the Temporal SDK's own log (workers, and workflow code's `log`) through pino as JSON, with
 * the mission and document taken from the workflow id (`ingest:<mission>:<document>`).
 */
export function temporalRuntimeLogger(logger: Logger, level: LogLevel = 'WARN'): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    const { error, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : '';
    const [kind, missionId, documentId] = workflowId.split(':');
    const fields = {
      ...meta,
      source: 'temporal-sdk',
      ...(kind === 'ingest' && missionId ? { missionId, documentId } : {}),
      ...(error !== undefined ? { err: error } : {}),
    };
    logger[levels[entry.level]](fields, entry.message);
  });
}
