import { type CliOutput, formatCount } from './cliIo';

export interface ProgressBarOptions {
  /** A terminal: the bar is redrawn in place with `\r`. */
  stream: CliOutput;
  /** Bytes to read in all; unknown (stdin) shows bytes read without a percentage. */
  totalBytes?: number;
  /** Monotonic clock in milliseconds. */
  elapsedInMs: () => number;
  /** Least time between two redraws, and before the first one (so quick scans draw nothing). Default 100 ms. */
  redrawIntervalInMs?: number;
}

export interface ProgressBar {
  update(bytesRead: number, events: number): void;
  /** Erases the bar, so the summary starts on a clean line. */
  finish(): void;
}

const MIB = 1024 * 1024;
const DEFAULT_REDRAW_INTERVAL_IN_MS = 100;
const DEFAULT_COLUMNS = 80;

/** A one-line progress bar on stderr: bytes read of the total, and events per second. Plain ASCII. */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const interval = options.redrawIntervalInMs ?? DEFAULT_REDRAW_INTERVAL_IN_MS;
  const startedAt = options.elapsedInMs();
  let lastDrawAt = startedAt;
  let drawnWidth = 0;

  return {
    update(bytesRead, events) {
      const now = options.elapsedInMs();
      if (now - lastDrawAt < interval) return;
      lastDrawAt = now;
      const width = Math.max(20, (options.stream.columns ?? DEFAULT_COLUMNS) - 1);
      const line = progressLine({ bytesRead, events, elapsedInMs: now - startedAt, width, ...optionalTotal(options.totalBytes) });
      options.stream.write(`\r${line.padEnd(drawnWidth)}`);
      drawnWidth = line.length;
    },
    finish() {
      if (drawnWidth > 0) options.stream.write(`\r${' '.repeat(drawnWidth)}\r`);
      drawnWidth = 0;
    },
  };
}

function optionalTotal(totalBytes: number | undefined): { totalBytes?: number } {
  return totalBytes === undefined ? {} : { totalBytes };
}

interface ProgressLineOptions {
  bytesRead: number;
  totalBytes?: number;
  events: number;
  elapsedInMs: number;
  /** The line is cut to this many characters so the terminal never wraps it. */
  width: number;
}

/** `[#########...........]  45%  12.3/27.0 MiB  52,000 events/s` */
export function progressLine(options: ProgressLineOptions): string {
  const seconds = Math.max(options.elapsedInMs, 1) / 1000;
  const rate = `${formatCount(Math.round(options.events / seconds))} events/s`;
  const read = (options.bytesRead / MIB).toFixed(1);
  if (options.totalBytes === undefined || options.totalBytes <= 0) {
    return `${read} MiB read  ${rate}`.slice(0, options.width);
  }
  const fraction = Math.min(1, options.bytesRead / options.totalBytes);
  const text = `${String(Math.floor(fraction * 100)).padStart(3)}%  ${read}/${(options.totalBytes / MIB).toFixed(1)} MiB  ${rate}`;
  const barWidth = Math.min(30, options.width - text.length - 4);
  if (barWidth < 5) return text.slice(0, options.width);
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]  ${text}`;
}
