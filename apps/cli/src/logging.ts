/**
 * Where logs go: pretty lines on a terminal, JSON lines otherwise, and a file
 * while the TUI owns the screen (stderr would scramble it).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { Logger, LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { safeLogOptions } from './log-sanitizer';

export interface LoggingChoice {
  logger: Logger;
  /** Set when logs go to a file. */
  file?: string;
}

export function createCliLogger(level: string, opts: { tui: boolean; name: string }): LoggingChoice {
  const base = { name: opts.name, level: level as LevelWithSilent, base: { pid: process.pid }, ...safeLogOptions() };
  if (opts.tui) {
    const file = process.env.MCPSPY_LOG_FILE || join(tmpdir(), `mcpspy-${process.getuid?.() ?? 'user'}.log`);
    return { logger: pino(base, pino.destination({ dest: file, mkdir: true, sync: false })), file };
  }
  if (process.stderr.isTTY && !process.env.MCPSPY_LOG_JSON) {
    const stream = pretty({ destination: 2, sync: true, colorize: !process.env.NO_COLOR, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' });
    return { logger: pino(base, stream) };
  }
  return { logger: pino(base, pino.destination({ dest: 2, sync: true })) };
}
