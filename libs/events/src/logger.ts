/** Logging: pino to stderr, so stdout stays free for console output and the TUI. */
import pino, { Logger, LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(options: { level?: string; name?: string; destination?: number | string } = {}): Logger {
  const level = (options.level ?? process.env.MCPSPY_LOG_LEVEL ?? 'info') as LevelWithSilent;
  return pino(
    { name: options.name ?? 'mcpspy', level, base: { pid: process.pid } },
    pino.destination({ dest: options.destination ?? 2, sync: false }),
  );
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
