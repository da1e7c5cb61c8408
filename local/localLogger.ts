import { format } from 'node:util';
import type { LogLevel } from '@azure/functions';

/** The local runtime's console log: one line per entry, time, level and source, like the Functions host. */
export interface LocalLogger {
  log(level: LogLevel, source: string, ...args: unknown[]): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

export function createConsoleLogger(minimumLevel: LogLevel = 'information'): LocalLogger {
  return {
    log(level, source, ...args) {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minimumLevel] || level === 'none') return;
      const line = `[${new Date().toISOString()}] ${level.padEnd(11)} ${source}: ${format(...args)}\n`;
      (LEVEL_ORDER[level] >= LEVEL_ORDER.warning ? process.stderr : process.stdout).write(line);
    },
  };
}

/** A logger that keeps entries in memory (tests). */
export function createMemoryLogger(): LocalLogger & { entries: { level: LogLevel; source: string; message: string }[] } {
  const entries: { level: LogLevel; source: string; message: string }[] = [];
  return { entries, log: (level, source, ...args) => entries.push({ level, source, message: format(...args) }) };
}
