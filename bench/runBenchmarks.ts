import { parseArgs } from 'node:util';
import { runThroughputBenchmark } from './detectionThroughput';
import { runExportBenchmark } from './exportThroughput';
import { DEFAULT_SEED } from './generateAuditTraffic';
import { runHandlerBenchmark } from './handlerThroughput';
import { runIngestionBenchmark } from './ingestionLatency';
import { positiveInteger } from './measurements';
import { runNodeThroughputBenchmark } from './nodeDetectionThroughput';

/**
 * `npm run bench`: the detection throughput benchmark, the end-to-end ingestion benchmark, the export benchmark,
 * the node detection throughput benchmark, then the ingestion handler benchmark (no hub), one after the other in
 * this process. `--events`, `--rounds` and `--seed` go to all five; `--per-rule` to the first and the fourth;
 * `--only detection|ingestion|export|node|handler` runs one of them.
 */

const DEFAULT_EVENTS = 50_000;
/** The handler benchmark's traffic when --events is not given: its 5 passes x 3 rounds (3 mixes, 3 batch sizes) then take under 2 minutes on 2 cores (1 min 44 s measured). */
const DEFAULT_HANDLER_EVENTS = 15_000;
const DEFAULT_ROUNDS = { detection: 5, ingestion: 3, export: 3, node: 5, handler: 3 } as const;
/** The handler benchmark's sustained-rate passes: events/s of the whole hub, and the minutes measured after two minutes of warm-up. */
const DEFAULT_SUSTAINED = { rate: 2_000, minutes: 1 } as const;

const USAGE = `Usage: npm run bench -- [--events N] [--rounds N] [--seed N] [--per-rule] [--only detection|ingestion|export|node|handler]
                       [--sustained-rate N] [--sustained-minutes N]

  --events    audit events (default ${DEFAULT_EVENTS}, or the BENCH_EVENTS environment variable); export: events/5 alerts
              (at least 500) formatted and paged (at most 2,000), events/20 (at least 200) pushed; node: node sensor events;
              handler: events of each of its 3 mixes (default ${DEFAULT_HANDLER_EVENTS}: its 5 passes, attack-free, 1% attacks and
              small messages at host.json's batch size, attack-free at 256 and 1000, take under 2 minutes on 2 cores)
  --rounds    timed rounds of each pass, interleaved (default ${DEFAULT_ROUNDS.detection} for detection, ${DEFAULT_ROUNDS.ingestion} for ingestion,
              ${DEFAULT_ROUNDS.export} for export, ${DEFAULT_ROUNDS.node} for node, ${DEFAULT_ROUNDS.handler} for handler); medians are reported
  --seed      seed of the traffic generator (default ${DEFAULT_SEED})
  --per-rule  detection: also time the decode steps alone and every rule in place in the full path;
              node: also time every node rule's match alone
  --sustained-rate     handler: events/s of the sustained-rate passes, all partitions together (default ${DEFAULT_SUSTAINED.rate});
                       the low-rate pass runs at a tenth of it
  --sustained-minutes  handler: minutes of the sustained-rate passes measured, after two minutes of warm-up (default ${DEFAULT_SUSTAINED.minutes};
                       simulated time: the default rate's passes take about four minutes)
  --only      run only the detection throughput, the ingestion end-to-end, the export, the node detection or the
              ingestion handler (processAuditBatch with the store, no hub) benchmark`;

const BENCHMARKS = ['detection', 'ingestion', 'export', 'node', 'handler'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

export async function main(argv: string[], environment: NodeJS.ProcessEnv = process.env): Promise<number> {
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
        'sustained-rate': { type: 'string' },
        'sustained-minutes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only;
  if (only !== undefined && !BENCHMARKS.includes(only as BenchmarkName)) return usageError(`--only takes ${BENCHMARKS.join(', ')}`);
  const events = positiveInteger(values.events ?? environment.BENCH_EVENTS, DEFAULT_EVENTS);
  const handlerEvents = positiveInteger(values.events ?? environment.BENCH_EVENTS, DEFAULT_HANDLER_EVENTS);
  const seed = positiveInteger(values.seed, DEFAULT_SEED);
  const rounds = (name: BenchmarkName): number | undefined => positiveInteger(values.rounds, DEFAULT_ROUNDS[name]);
  const sustainedRate = positiveInteger(values['sustained-rate'], DEFAULT_SUSTAINED.rate);
  const sustainedMinutes = positiveInteger(values['sustained-minutes'], DEFAULT_SUSTAINED.minutes);
  if (events === undefined || seed === undefined || rounds('detection') === undefined || sustainedRate === undefined || sustainedMinutes === undefined) {
    return usageError('--events, --rounds, --seed, --sustained-rate and --sustained-minutes take a positive whole number');
  }
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const runs = (name: BenchmarkName): boolean => only === undefined || only === name;

  if (runs('detection')) {
    runThroughputBenchmark({ events, seed, rounds: rounds('detection') as number, perRule: values['per-rule'] === true }, print);
  }
  if (runs('ingestion')) {
    if (runs('detection')) print('');
    await runIngestionBenchmark({ events, seed, rounds: rounds('ingestion') as number }, print);
  }
  if (runs('export')) {
    if (only === undefined) print('');
    await runExportBenchmark({ events, seed, rounds: rounds('export') as number }, print);
  }
  if (runs('node')) {
    if (only === undefined) print('');
    runNodeThroughputBenchmark({ events, seed, rounds: rounds('node') as number, perRule: values['per-rule'] === true }, print);
  }
  if (runs('handler')) {
    if (only === undefined) print('');
    await runHandlerBenchmark(
      { events: handlerEvents as number, seed, rounds: rounds('handler') as number, sustained: { eventsPerSecond: sustainedRate, measuredMinutes: sustainedMinutes } },
      print,
    );
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  return 2;
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
