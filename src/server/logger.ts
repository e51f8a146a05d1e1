// pino JSON on stdout. --log-level wins; otherwise upstream's klog -v=N is
// mapped onto pino levels, so Deployments that say --v=4 still get debug lines.

import { pino, type Level, type Logger } from 'pino';
import { errors as E, fail, ok, type Result } from '../errors.js';

export type LogLevel = Level | 'silent';
const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function logLevelFrom(logLevel: string, given: { logLevel: boolean; v: boolean }, v: number): Result<LogLevel> {
  if (given.logLevel || !given.v) {
    const level = logLevel.trim().toLowerCase() as LogLevel;
    return LEVELS.includes(level) ? ok(level) : fail(E.logLevelBad(logLevel));
  }
  return ok(v >= 6 ? 'trace' : v >= 4 ? 'debug' : 'info');
}

export function createLogger(level: LogLevel, destination: NodeJS.WritableStream | number = 1): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label, number) => ({ level: number, levelName: label }) },
    },
    // Synchronous writes: nothing is lost when the process exits, and at info the
    // server logs nothing per request, so there is nothing to batch.
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

/**
 * Lines other tools wait for ("listening") must appear whatever the level; this
 * logger writes them at info even when the main one is quieter.
 */
export function announcer(logger: Logger): Logger {
  return logger.isLevelEnabled('info') ? logger : logger.child({}, { level: 'info' });
}
