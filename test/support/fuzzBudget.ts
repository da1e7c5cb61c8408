import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type fc from 'fast-check';

/**
 * The budget of the fuzz properties (test/fuzz/): `npm test` runs each with a small fixed budget and a fixed seed, so a
 * run is fast and the same every time; `npm run fuzz` (test/support/runFuzz.js) sets a long budget and a new seed and
 * collects what each property tried into a summary.
 *
 * - `FUZZ_RUNS`: inputs per property (scaled by each property's share); 100 when unset.
 * - `FUZZ_SEED`: the seed to replay a run (fast-check prints it, with the failing input's path, when a property fails).
 * - `FUZZ_SUMMARY_FILE`: where `reportFuzz` appends one JSON line per property (set by `npm run fuzz`).
 */

export const FUZZ_RUNS = positiveInteger(process.env.FUZZ_RUNS, 100);
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined || process.env.FUZZ_SEED === '' ? 20261205 : Number(process.env.FUZZ_SEED);

/** The runs of a property: `share` of FUZZ_RUNS (properties with an expensive input take less), at least one. */
export function fuzzRuns(share = 1): number {
  return Math.max(1, Math.round(FUZZ_RUNS * share));
}

/** fast-check's parameters for a property of the given share: the budget and the seed. */
export function fuzzParameters<T>(share = 1): fc.Parameters<T> {
  return { numRuns: fuzzRuns(share), seed: FUZZ_SEED };
}

/** What one property tried: inputs, and for decoders and handlers how many were accepted and how many refused. */
export class FuzzTally {
  tried = 0;
  accepted = 0;
  refused = 0;
  slowestInMs = 0;

  constructor(readonly property: string) {}

  /** Counts one input: accepted (a record decoded, a 2xx) or refused (all dead-lettered, a 4xx). */
  count(outcome: 'accepted' | 'refused' | 'neither', elapsedInMs: number): void {
    this.tried++;
    if (outcome === 'accepted') this.accepted++;
    if (outcome === 'refused') this.refused++;
    this.slowestInMs = Math.max(this.slowestInMs, elapsedInMs);
  }

  /** Appends the tally to the run's summary (only under `npm run fuzz`). */
  report(): void {
    const file = process.env.FUZZ_SUMMARY_FILE;
    if (file === undefined || file === '') return;
    const line = { property: this.property, tried: this.tried, accepted: this.accepted, refused: this.refused, slowestInMs: Math.round(this.slowestInMs), seed: FUZZ_SEED };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

/** Runs `work` and returns its result with the time it took (a synchronous throw propagates: that is the failure). */
export function timed<T>(work: () => T): { result: T; elapsedInMs: number } {
  const startedAt = performance.now();
  const result = work();
  return { result, elapsedInMs: performance.now() - startedAt };
}

/** The same for asynchronous work. */
export async function timedAsync<T>(work: () => Promise<T>): Promise<{ result: T; elapsedInMs: number }> {
  const startedAt = performance.now();
  const result = await work();
  return { result, elapsedInMs: performance.now() - startedAt };
}

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
