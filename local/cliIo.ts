/** Where the `argus` CLI writes and reads, and its clock: the process's by default, captured in tests. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream;
  /** Wall clock for the alerts' `timeGeneratedUtc`. */
  now: () => Date;
  /** Monotonic clock in milliseconds for durations and the progress bar. */
  elapsedInMs: () => number;
}

export interface CliOutput {
  write(text: string): unknown;
  /** True on a terminal: only then is a progress bar drawn. */
  isTTY?: boolean;
  /** Terminal width in characters, when known. */
  columns?: number;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    now: () => new Date(),
    elapsedInMs: () => performance.now(),
  };
}

/** Formats a count the way the summary shows it: `12,345`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
