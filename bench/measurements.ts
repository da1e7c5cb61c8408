/**
 * What both benchmarks measure with and print through: wall and CPU time, medians and percentiles, and
 * plain aligned tables.
 */

export interface Timing {
  wallInMs: number;
  /** User + system time of the process, all threads (GC helpers, compiler) included. */
  cpuInMs: number;
}

export interface Summary extends Timing {
  minWallInMs: number;
  maxWallInMs: number;
}

/** Medians of wall and CPU time, and the spread of wall time. */
export function summarize(times: readonly Timing[]): Summary {
  const walls = times.map((time) => time.wallInMs);
  return { wallInMs: median(walls), cpuInMs: median(times.map((time) => time.cpuInMs)), minWallInMs: Math.min(...walls), maxWallInMs: Math.max(...walls) };
}

/**
 * Wall and CPU time of the work, after a full GC so that one pass does not pay for the garbage of the
 * previous one. CPU time is shown beside wall time because the machines are shared: another process's
 * load stretches wall time more than CPU time.
 */
export function timed(work: () => unknown): Timing {
  const start = startTiming();
  work();
  return start();
}

/** {@link timed} for asynchronous work. */
export async function timedAsync(work: () => Promise<unknown>): Promise<Timing> {
  const start = startTiming();
  await work();
  return start();
}

function startTiming(): () => Timing {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  return () => {
    const wallInMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wallInMs, cpuInMs: (used.user + used.system) / 1000 };
  };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** The value at `fraction` (0..1) of sorted values, interpolated. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * fraction;
  const low = sorted[Math.floor(position)] ?? 0;
  const high = sorted[Math.ceil(position)] ?? low;
  return low + (high - low) * (position - Math.floor(position));
}

/** Rows as aligned columns: the first left-aligned, the others right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

export function ms(milliseconds: number, digits = 0): string {
  return `${milliseconds.toFixed(digits)} ms`;
}

export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

/** Events per second, with thousands separators. */
export function rate(events: number, milliseconds: number): string {
  return Math.round(events / (milliseconds / 1000)).toLocaleString('en-US');
}

/** A command-line count: the fallback when absent, undefined when not a positive integer. */
export function positiveInteger(value: string | boolean | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

/** The three passes both detection benchmarks time: what any reader must do, decoding alone, decoding plus the rules. */
export interface DetectionPasses {
  floor: () => unknown;
  decode: () => unknown;
  full: () => unknown;
  /** The full path with the selective decoder, where the signal has one. */
  selective?: () => unknown;
}

export interface DetectionPassTimes {
  floor: Summary;
  decode: Summary;
  full: Summary;
  selective?: Summary;
  /**
   * Floor time over full time: 1 means the rules and decoding cost nothing beyond parsing. The median of the rounds'
   * own ratios: each round's floor and full passes run a second apart, so a slow spell of a shared machine slows both
   * (medians of each pass taken apart would pair a fast round's floor with a slow round's full pass).
   */
  ratio: number;
  /** Each round's wall ratio, in round order. */
  roundRatios: number[];
  cpuRatio: number;
  /** Floor time over the time of the full path with the selective decoder (median of the rounds', as `ratio`). */
  selectiveRatio?: number;
}

/** Times the passes in interleaved rounds (a shared, noisy machine then slows all three alike) and takes medians. */
export function timeDetectionPasses(passes: DetectionPasses, rounds: number): DetectionPassTimes {
  const floorTimes: Timing[] = [];
  const decodeTimes: Timing[] = [];
  const fullTimes: Timing[] = [];
  const selectiveTimes: Timing[] = [];
  for (let round = 0; round < rounds; round++) {
    floorTimes.push(timed(passes.floor));
    decodeTimes.push(timed(passes.decode));
    fullTimes.push(timed(passes.full));
    if (passes.selective !== undefined) selectiveTimes.push(timed(passes.selective));
  }
  const floor = summarize(floorTimes);
  const decode = summarize(decodeTimes);
  const full = summarize(fullTimes);
  const roundRatios = pairedRatios(floorTimes, fullTimes, (timing) => timing.wallInMs);
  const times: DetectionPassTimes = {
    floor,
    decode,
    full,
    ratio: median(roundRatios),
    roundRatios,
    cpuRatio: median(pairedRatios(floorTimes, fullTimes, (timing) => timing.cpuInMs)),
  };
  if (selectiveTimes.length === 0) return times;
  const selective = summarize(selectiveTimes);
  return { ...times, selective, selectiveRatio: median(pairedRatios(floorTimes, selectiveTimes, (timing) => timing.wallInMs)) };
}

/** Each round's floor time over the other pass's time in the same round. */
export function pairedRatios(floorTimes: readonly Timing[], otherTimes: readonly Timing[], time: (timing: Timing) => number): number[] {
  return floorTimes.map((floorTiming, round) => time(floorTiming) / time(otherTimes[round] as Timing));
}

/** The lines that report the passes: a table with the given pass names, the ratio, and the cost per event of each step. */
export function detectionPassReport(
  times: DetectionPassTimes,
  names: { floor: string; decode: string; full: string; selective?: string },
  events: number,
  megabytes: number,
): string[] {
  const row = (name: string, summary: Summary): string[] => [
    name,
    ms(summary.wallInMs),
    `(${ms(summary.minWallInMs)}-${ms(summary.maxWallInMs)})`,
    rate(events, summary.wallInMs),
    (megabytes / (summary.wallInMs / 1000)).toFixed(1),
    ms(summary.cpuInMs),
    rate(events, summary.cpuInMs),
  ];
  return [
    table([
      ['pass', 'wall', '(min-max)', 'events/s', 'MB/s', 'CPU', 'events/CPU-s'],
      row(names.floor, times.floor),
      row(names.decode, times.decode),
      row(names.full, times.full),
      ...(times.selective === undefined ? [] : [row(names.selective ?? 'full with the selective decoder', times.selective)]),
    ]),
    `ratio full/floor (floor time / full time, median of the rounds' own): ${times.ratio.toFixed(2)} wall, ${times.cpuRatio.toFixed(2)} CPU` +
      (times.selectiveRatio === undefined ? '' : `; with the selective decoder: ${times.selectiveRatio.toFixed(2)} wall`) +
      ` (rounds: ${times.roundRatios.map((ratio) => ratio.toFixed(2)).join(' ')})`,
    `per event (wall): floor ${perEvent(times.floor.wallInMs, events)} us, decode and normalize +${perEvent(times.decode.wallInMs - times.floor.wallInMs, events)} us, ` +
      `rules +${perEvent(times.full.wallInMs - times.decode.wallInMs, events)} us`,
  ];
}

/** Microseconds per event of a time in milliseconds. */
export function perEvent(milliseconds: number, events: number): string {
  return ((milliseconds * 1000) / events).toFixed(2);
}

/** Characters as kilobytes, for event sizes. */
export function formatKb(characters: number): string {
  return `${(characters / 1024).toFixed(1)} KB`;
}
