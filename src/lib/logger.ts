import pino from 'pino';
import type { LogLevel } from '../config';

/**
 * Structured logs through pino: one JSON object per line on stdout, for CloudWatch and `jq` alike.
 * Writes are synchronous so the last lines before an exit (a shutdown, a fatal error) are never lost.
 */
export type Logger = pino.Logger;

export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination = write ? { write } : pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      errorKey: 'error',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
