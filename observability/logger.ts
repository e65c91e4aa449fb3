import pino from 'pino';

/**
 * One JSON logger for the process. Lines about a mission or document come from child loggers that
 * carry `missionId` and `documentId`, so logs can be filtered per mission.
 */
export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'missionflow' } }, destination);
}
