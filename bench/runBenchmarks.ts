import { parseArgs } from 'node:util';
import { main as detectionThroughput } from './detectionThroughput';
import { main as ingestionLatency } from './ingestionLatency';

/**
 * `npm run bench`: the detection throughput benchmark, then the end-to-end ingestion benchmark, one after
 * the other in this process. `--events`, `--rounds` and `--seed` go to both; `--per-rule` to the first;
 * `--only detection|ingestion` runs one of them.
 */

const USAGE = `Usage: npm run bench -- [--events N] [--rounds N] [--seed N] [--per-rule] [--only detection|ingestion]

  --events    audit events (default 50000, or the BENCH_EVENTS environment variable)
  --rounds    timed rounds of each pass (default 5 for detection, 3 for ingestion); medians are reported
  --seed      seed of the traffic generator
  --per-rule  detection: also time the decode steps alone and every rule in place in the full path
  --only      run only the detection throughput or only the ingestion end-to-end benchmark`;

const BENCHMARKS = ['detection', 'ingestion'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        rounds: { type: 'string' },
        seed: { type: 'string' },
        'per-rule': { type: 'boolean' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only;
  if (only !== undefined && !BENCHMARKS.includes(only as BenchmarkName)) {
    process.stderr.write(`--only takes ${BENCHMARKS.join(' or ')}\n\n${USAGE}\n`);
    return 2;
  }
  const shared = (['events', 'rounds', 'seed'] as const).flatMap((name) => (typeof values[name] === 'string' ? [`--${name}`, values[name]] : []));
  const runs = (name: BenchmarkName): boolean => only === undefined || only === name;

  if (runs('detection')) {
    const code = detectionThroughput([...shared, ...(values['per-rule'] === true ? ['--per-rule'] : [])]);
    if (code !== 0) return code;
  }
  if (runs('ingestion')) {
    if (runs('detection')) process.stdout.write('\n');
    const code = await ingestionLatency(shared);
    if (code !== 0) return code;
  }
  return 0;
}

if (require.main === module) {
  // A crash exits non-zero; a target not met is a measurement, not a failure.
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
