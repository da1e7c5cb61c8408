import { LOCAL_EMULATOR_KEY } from '../shared/store/createCosmosClient';
import { Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { CosmosClient, type CosmosClientOptions, type PluginConfig } from '@azure/cosmos';
import { MAX_EVENT_SIZE_IN_BYTES } from '../local/localEventHubs';
import { findHostJson, readHostSettings } from '../local/readHostJson';
import { loadConfig } from '../shared/config';
import { createDetectionContext, type DetectionContext } from '../shared/detection/detectionContext';
import { evaluateRules } from '../shared/detection/evaluateRules';
import { allRules } from '../shared/detection/rules/index';
import { applyStatefulRules } from '../shared/detection/stateful/applyStatefulRules';
import { type InMemoryDetectionStates, inMemoryStateOf } from '../shared/detection/stateful/detectionState';
import { type BatchMessage, type EventBatch } from '../shared/ingestion/eventHubBatch';
import { type BatchSummary, processAuditBatch } from '../shared/ingestion/processAuditBatch';
import { CachedSubscriptionSettings } from '../shared/ingestion/subscriptionSettings';
import { decodeAuditInput } from '../shared/kubernetes/decodeAuditInput';
import { ensureDatabase } from '../shared/store/ensureDatabase';
import { UsageMeter } from '../shared/store/usageMeter';
import { benchInstanceDependencies, switchPlansOn } from './benchInstance';
import { ATTACK_SCENARIOS, generateAuditTraffic } from './generateAuditTraffic';
import { startBenchStore } from './storeProcess';
import { type RequestCount, RequestCounter, REQUEST_SOURCES } from './storeRequests';
import { runSustainedPass, type SustainedPassResult } from './sustainedStoreCost';
import { median, ms, percentile, rate, seconds, summarize, table, timed, timedAsync, type Summary, type Timing } from './measurements';

/**
 * The ingestion handler without the hub (issue 18 §3): Event Hubs batches handed straight to processAuditBatch, as
 * the Functions host hands them to the function in Azure (bodies already parsed by the worker), with the real store:
 * the local Cosmos server (in a process of its own: see storeProcess.ts) reached through the real `@azure/cosmos` SDK, the plans of the bench's subscriptions
 * switched on, and the dependencies built as services.ts builds them for an instance (the subscription settings cache
 * with the configured TTL, the stateful rules' document cache, the configured window, settle time and learning period).
 *
 * Against a baseline timed in the same run over the same batches (decodeAuditInput, evaluateRules and the stateful
 * pass with its state in memory: the detection floor of bench/detectionThroughput.ts, without the store), it reports
 * events/s, the ratio (target >= 0.5), store requests per 10k events from the batch summaries (and, counted at the
 * SDK, by container: what makes them), batch latency and heap, for the attack-free and 1%-attack mixes, for small
 * messages (one record per message, as some shippers send) and for batches of 64, 256 and 1000 messages.
 *
 * Traffic: bench/generateAuditTraffic.ts without klog records (pure kube-audit, as the ingestion bench), 3 clusters in
 * 3 subscriptions; a message over the hub's size limit is sent as two. One partition per cluster, each partition's
 * messages in order in batches of up to `maxEventBatchSize` messages, the partitions processed concurrently (one
 * invocation at a time per partition, as the host does). Every round is a fresh instance on a fresh database (first
 * delivery of the traffic: the inventory's first writes, the stateful rules' first state), deleted afterwards.
 */

/** Share of attacks in the attack mix (generateAuditTraffic's own mix of scenarios). */
const ATTACK_SHARE = 0.01;
/** The batch sizes compared (messages per batch), besides host.json's. */
export const BATCH_SIZES = [64, 256, 1000] as const;
/** The ratio handler/baseline the issue asks for: the store costs at most as much time again as detection. */
export const TARGET_RATIO = 0.5;
/** The sustained-rate passes' warm-up: the first flushes (one interval after the first sightings) fall in it. */
const SUSTAINED_WARM_UP_MINUTES = 2;
/** The issue's target for quiet traffic. */
export const TARGET_REQUESTS_PER_10K = 2;
/** The plans are turned on before the generator's clock starts (2026-11-02T10:00Z): every event is covered. */
const PLAN_ENABLED_AT = '2026-11-02T00:00:00.000Z';
/** The emulator's well-known key (createCosmosClient's local mode): the in-process server ignores it, the SDK signs with it. */
const HUB_NAME = 'kube-audit';

export interface HandlerBenchmarkOptions {
  events: number;
  rounds: number;
  seed: number;
  /** The sustained-rate passes (see sustainedStoreCost.ts): events/s of the hub, and minutes measured after SUSTAINED_WARM_UP_MINUTES. */
  sustained: { eventsPerSecond: number; measuredMinutes: number };
}

// ---------------------------------------------------------------------------------------------------------
// Traffic

interface HubMessage {
  /** The UTF-8 text the producer sent. */
  text: string;
  events: number;
}

interface Mix {
  name: string;
  /** Messages by partition (one per cluster), in order. */
  partitions: HubMessage[][];
  subscriptions: string[];
  events: number;
  attacks: number;
  megabytes: number;
}

function createMix(name: string, options: HandlerBenchmarkOptions, attackShare: number, oneRecordPerMessage: boolean, quiet = false): Mix {
  const generated = generateAuditTraffic({ events: options.events, seed: options.seed, attackShare, klogShare: 0, quiet });
  const byCluster = new Map<string, HubMessage[]>();
  for (const body of generated.messages) {
    const { records } = JSON.parse(body) as { records: { resourceId: string }[] };
    const texts = oneRecordPerMessage ? records.map((record) => JSON.stringify({ records: [record] })) : splitToFit(body);
    const cluster = (records[0]?.resourceId ?? '').toLowerCase();
    const partition = byCluster.get(cluster) ?? [];
    byCluster.set(cluster, partition);
    for (const text of texts) partition.push({ text, events: (JSON.parse(text) as { records: unknown[] }).records.length });
  }
  const clusters = [...byCluster.keys()].sort();
  const attacks = [...ATTACK_SCENARIOS].reduce((sum, scenario) => sum + (generated.scenarioCounts[scenario] ?? 0), 0);
  return {
    name,
    partitions: clusters.map((cluster) => byCluster.get(cluster) as HubMessage[]),
    subscriptions: [...new Set(clusters.map((cluster) => /\/subscriptions\/([^/]+)\//.exec(cluster)?.[1] ?? ''))].sort(),
    events: generated.events,
    attacks,
    megabytes: clusters.reduce((sum, cluster) => sum + (byCluster.get(cluster) as HubMessage[]).reduce((total, message) => total + message.text.length, 0), 0) / 1e6,
  };
}

/** A message over the Event Hubs size limit (rare: 60 records of 20 KB) is sent as two, as a producer would. */
function splitToFit(body: string): string[] {
  if (Buffer.byteLength(body, 'utf8') <= MAX_EVENT_SIZE_IN_BYTES - 4096) return [body];
  const { records } = JSON.parse(body) as { records: unknown[] };
  const half = Math.ceil(records.length / 2);
  return [...splitToFit(JSON.stringify({ records: records.slice(0, half) })), ...splitToFit(JSON.stringify({ records: records.slice(half) }))];
}

/**
 * The batches the host would hand over: per partition, up to `batchSize` messages each, with sequence numbers and
 * offsets from the start of the partition, enqueued now, and bodies parsed as the Node worker parses a JSON body.
 */
function batchesOf(mix: Mix, batchSize: number): EventBatch[][] {
  const enqueuedTimeUtc = new Date().toISOString();
  return mix.partitions.map((messages, partition) => {
    const batches: EventBatch[] = [];
    let offset = 0;
    for (let start = 0; start < messages.length; start += batchSize) {
      const batchMessages: BatchMessage[] = messages.slice(start, start + batchSize).map((message, index) => {
        const batchMessage = { body: JSON.parse(message.text) as unknown, sequenceNumber: start + index, offset: String(offset), enqueuedTimeUtc };
        offset += Buffer.byteLength(message.text, 'utf8');
        return batchMessage;
      });
      batches.push({ eventHubName: HUB_NAME, consumerGroup: '$Default', partitionId: String(partition), messages: batchMessages });
    }
    return batches;
  });
}

// ---------------------------------------------------------------------------------------------------------
// The passes

interface Pass {
  label: string;
  mix: Mix;
  batchSize: number;
  /**
   * Steady state: the first half of each partition's batches is delivered untimed first (to the handler's instance and
   * to the baseline's in-memory state alike), and the second half is timed and counted. Otherwise a first delivery.
   */
  warmed?: boolean;
}

interface RoundResult {
  timing: Timing;
  latenciesInMs: number[];
  summaries: BatchSummary[];
  settingsReads: number;
  /** The usage meter's final flush (its idle timer's, within the minute). */
  usageFlush: RequestCount;
  requests: Map<string, RequestCount>;
  heapInMb: number | undefined;
}

interface PassResult {
  pass: Pass;
  /** Batches and events timed (of one round). */
  batches: number;
  events: number;
  handler: Summary;
  baseline: Summary;
  rounds: RoundResult[];
}

interface Bench {
  client: CosmosClient;
  counter: RequestCounter;
  config: ReturnType<typeof loadConfig>;
  detectionContext: DetectionContext;
  databases: number;
}

/** One round of the handler: a fresh instance (caches, services) on a fresh database with the plans on. */
async function handlerRound(bench: Bench, pass: Pass): Promise<RoundResult> {
  const database = await ensureDatabase(bench.client, `argus-bench-handler-${++bench.databases}`);
  try {
    await switchPlansOn(database, pass.mix.subscriptions, PLAN_ENABLED_AT);
    const subscriptionSettings = new CachedSubscriptionSettings(database, bench.config.ingestion.subscriptionSettingsCacheTtlInMs);
    const usageMeter = new UsageMeter(database, { flushIntervalInMs: bench.config.ingestion.usageFlushIntervalInMs });
    const dependencies = benchInstanceDependencies({ database, config: bench.config, detectionContext: bench.detectionContext, subscriptionSettings, usageMeter });
    const { warmUp, timed: partitions } = splitWarmUp(batchesOf(pass.mix, pass.batchSize), pass.warmed === true);
    for (const batches of warmUp) for (const batch of batches) await processAuditBatch(batch, dependencies);
    const settingsReadsBefore = settingsReadsOf(subscriptionSettings);
    const latenciesInMs: number[] = [];
    const summaries: BatchSummary[] = [];
    bench.counter.reset();
    const timing = await timedAsync(() =>
      Promise.all(
        partitions.map(async (batches) => {
          for (const batch of batches) {
            const start = performance.now();
            const { summary } = await processAuditBatch(batch, dependencies);
            latenciesInMs.push(performance.now() - start);
            summaries.push(summary);
          }
        }),
      ),
    );
    // What the meter's idle timer writes within the minute: counted with the round.
    const flushed = await usageMeter.flush();
    const requests = bench.counter.snapshot();
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapInMb = gc === undefined ? undefined : process.memoryUsage().heapUsed / 1e6;
    const settingsReads = settingsReadsOf(subscriptionSettings) - settingsReadsBefore;
    return { timing, latenciesInMs, summaries, settingsReads, usageFlush: { reads: flushed.reads, writes: flushed.writes }, requests, heapInMb };
  } finally {
    await database.delete();
  }
}

function settingsReadsOf(settings: CachedSubscriptionSettings): number {
  const { plans, suppressionRules, threatIntelSets, threatIntelFeeds } = settings.reads;
  return plans + suppressionRules + threatIntelSets + threatIntelFeeds;
}

/** The batches of each partition: all timed (a first delivery), or the first half untimed and the second half timed. */
function splitWarmUp(partitions: EventBatch[][], warmed: boolean): { warmUp: EventBatch[][]; timed: EventBatch[][] } {
  if (!warmed) return { warmUp: partitions.map(() => []), timed: partitions };
  return {
    warmUp: partitions.map((batches) => batches.slice(0, Math.floor(batches.length / 2))),
    timed: partitions.map((batches) => batches.slice(Math.floor(batches.length / 2))),
  };
}

/** The baseline's in-memory stateful state of one round: per cluster and rule. */
type BaselineStates = InMemoryDetectionStates;

/** The detection floor of the same batches: decode, every rule, the stateful pass with its state in memory; no store. */
function baselinePass(partitions: readonly EventBatch[][], context: DetectionContext, learningPeriodInMs: number, states: BaselineStates = new Map()): number {
  let findings = 0;
  const stateOf = inMemoryStateOf(states);
  for (const batches of partitions) {
    for (const batch of batches) {
      const records = batch.messages.flatMap((message) => decodeAuditInput(message.body).records);
      const evaluation = evaluateRules(records, { rules: allRules, context });
      findings += evaluation.findings.length;
      if (evaluation.candidates.length > 0) findings += applyStatefulRules(evaluation.candidates, { stateOf, learningPeriodInMs }).findings.length;
    }
  }
  return findings;
}

async function runPass(bench: Bench, pass: Pass, rounds: number): Promise<PassResult> {
  const baselineTimes: Timing[] = [];
  const results: RoundResult[] = [];
  for (let round = 0; round < rounds; round++) {
    // Fresh bodies every round, parsed outside the timing (the worker's work in Azure), for both alike.
    const { warmUp, timed: partitions } = splitWarmUp(batchesOf(pass.mix, pass.batchSize), pass.warmed === true);
    const states: BaselineStates = new Map();
    baselinePass(warmUp, bench.detectionContext, bench.config.detection.learningPeriodInMs, states);
    baselineTimes.push(timed(() => baselinePass(partitions, bench.detectionContext, bench.config.detection.learningPeriodInMs, states)));
    results.push(await handlerRound(bench, pass));
  }
  const first = results[0] as RoundResult;
  const events = first.summaries.reduce((sum, summary) => sum + summary.events, 0);
  return { pass, batches: first.summaries.length, events, handler: summarize(results.map((result) => result.timing)), baseline: summarize(baselineTimes), rounds: results };
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

export async function runHandlerBenchmark(options: HandlerBenchmarkOptions, print: (line: string) => void): Promise<void> {
  const host = readHostSettings(findHostJson());
  print(
    `Argus ingestion handler, no hub: node ${process.version}, processAuditBatch with the local Cosmos server over the real SDK, ` +
      `${allRules.length} rules, seed ${options.seed}`,
  );
  const generationStart = performance.now();
  const steady = createMix('steady, attack-free', options, 0, false, true);
  const steadyAttacked = createMix(`steady, ${ATTACK_SHARE * 100}% attacks`, options, ATTACK_SHARE, false, true);
  const quiet = createMix('attack-free', options, 0, false);
  const attacked = createMix(`${ATTACK_SHARE * 100}% attacks`, options, ATTACK_SHARE, false);
  const small = createMix('attack-free, small messages', options, 0, true);
  const describe = (mix: Mix): string =>
    `${mix.name}: ${mix.events} events${mix.attacks === 0 ? '' : ` (${mix.attacks} attack events)`} in ${mix.partitions.reduce((sum, messages) => sum + messages.length, 0)} messages, ${mix.megabytes.toFixed(1)} MB`;
  print(`traffic: ${[steady, steadyAttacked, quiet, attacked, small].map(describe).join('; ')}; ${quiet.partitions.length} clusters in ${quiet.subscriptions.length} subscriptions (generated in ${seconds(performance.now() - generationStart)})`);

  const config = loadConfig({ ARGUS_ENVIRONMENT: 'local' });
  const server = await startBenchStore();
  const counter = new RequestCounter();
  // createCosmosClient's local options, plus the SDK's request plugin hook (exported, but left out of the options' type).
  const clientOptions: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: server.endpoint,
    key: LOCAL_EMULATOR_KEY,
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false },
    plugins: [counter.plugin],
  };
  const client = new CosmosClient(clientOptions);
  print(`store: the local Cosmos DB server ${server.placement === 'own process' ? 'in a process of its own (as Cosmos DB is another machine in Azure)' : 'in this process (run compiled for its own process)'}`);
  const bench: Bench = { client, counter, config, detectionContext: createDetectionContext(config.detection.lists), databases: 0 };
  print(
    `host.json: batches of up to ${host.maxEventBatchSize} messages; one partition per cluster, processed concurrently; every round a fresh instance on a fresh database; ` +
      `steady passes: the quiet mix (no developer activity, each app's one ReplicaSet), its first half delivered untimed to the instance and to the baseline's state, ` +
      `the second half timed; the other passes: the default mix (every pod a template of its own) as a first delivery; plans on for ${quiet.subscriptions.length} subscriptions, settings cache ${config.ingestion.subscriptionSettingsCacheTtlInMs / 1000} s; ` +
      `bodies parsed before the timing (the Functions worker's work), for the handler and the baseline alike`,
  );
  try {
    const sizes = [...new Set([host.maxEventBatchSize, ...BATCH_SIZES])];
    const passes: Pass[] = [
      { label: `${steady.name}, ${host.maxEventBatchSize} per batch`, mix: steady, batchSize: host.maxEventBatchSize, warmed: true },
      { label: `${steadyAttacked.name}, ${host.maxEventBatchSize} per batch`, mix: steadyAttacked, batchSize: host.maxEventBatchSize, warmed: true },
      { label: `${quiet.name}, ${host.maxEventBatchSize} per batch`, mix: quiet, batchSize: host.maxEventBatchSize },
      { label: `${attacked.name}, ${host.maxEventBatchSize} per batch`, mix: attacked, batchSize: host.maxEventBatchSize },
      { label: `${small.name}, ${host.maxEventBatchSize} per batch`, mix: small, batchSize: host.maxEventBatchSize },
      // Batch sizes matter where a backlog has many messages: small messages (one record each), as some shippers send.
      ...sizes.filter((size) => size !== host.maxEventBatchSize).map((size) => ({ label: `${small.name}, ${size} per batch`, mix: small, batchSize: size })),
    ];
    // Warm-up: every path once (JIT, connections), on a slice, not reported.
    const warmMix: Mix = { ...quiet, partitions: quiet.partitions.map((messages) => messages.slice(0, 2 * host.maxEventBatchSize)) };
    await runPass(bench, { label: 'warm-up', mix: warmMix, batchSize: host.maxEventBatchSize }, 1);
    const warmAttacks: Mix = { ...attacked, partitions: attacked.partitions.map((messages) => messages.slice(0, 2 * host.maxEventBatchSize)) };
    await runPass(bench, { label: 'warm-up', mix: warmAttacks, batchSize: host.maxEventBatchSize }, 1);

    const results: PassResult[] = [];
    for (const pass of passes) results.push(await runPass(bench, pass, options.rounds));
    const workerParse = median(
      Array.from({ length: options.rounds }, () => timed(() => quiet.partitions.forEach((messages) => messages.forEach((message) => JSON.parse(message.text) as unknown))).wallInMs),
    );

    print('');
    print(
      `${options.rounds} rounds of each pass, baseline and handler interleaved; medians (batch latency: all rounds' batches). ` +
        `baseline: decodeAuditInput + evaluateRules + stateful pass in memory over the same batches, no store; handler: processAuditBatch, store on.`,
    );
    print(
      table([
        ['pass', 'batches', 'events', 'handler', '(min-max)', 'events/s', 'baseline', 'events/s', 'ratio', 'batch p50', 'batch p99', 'heap after GC'],
        ...results.map((result) => {
          const latencies = result.rounds.flatMap((round) => round.latenciesInMs).sort((a, b) => a - b);
          const heaps = result.rounds.flatMap((round) => (round.heapInMb === undefined ? [] : [round.heapInMb]));
          return [
            result.pass.label,
            String(result.batches),
            String(result.events),
            ms(result.handler.wallInMs),
            `(${ms(result.handler.minWallInMs)}-${ms(result.handler.maxWallInMs)})`,
            rate(result.events, result.handler.wallInMs),
            ms(result.baseline.wallInMs),
            rate(result.events, result.baseline.wallInMs),
            ratioOf(result).toFixed(2),
            ms(percentile(latencies, 0.5), 1),
            ms(percentile(latencies, 0.99), 1),
            heaps.length === 0 ? 'n/a (--expose-gc)' : `${median(heaps).toFixed(0)} MB`,
          ];
        }),
      ]),
    );
    print(
      `heap after GC: at the end of a round${server.placement === 'own process' ? ' (the store process not counted)' : ', its database still in the in-process Cosmos server (same process)'}; ` +
        `the worker's JSON.parse of the attack-free bodies, outside the timing: ${ms(workerParse)} (${rate(quiet.events, workerParse)} events/s)`,
    );

    print('');
    print(
      `store requests per 10k events, all rounds: total = the batch summaries' cosmos reads + writes + the settings cache's reads; ` +
        `by source: every request the SDK sent, by container (usage: usage; inventory: workloads; stateful: detectionState; ` +
        `settings: plans, suppressionRules, threatIntelSets, threatIntelFeeds; alerts: alerts; dead letters: deadLetters)`,
    );
    print(
      table([
        ['pass', 'total', 'reads', 'writes', ...REQUEST_SOURCES.map((source) => source.name), 'other', 'SDK total'],
        ...results.map((result) => {
          const figures = requestFigures(result);
          const per10k = (count: number): string => ((count * 10_000) / figures.events).toFixed(1);
          return [
            result.pass.label,
            per10k(figures.reads + figures.writes),
            per10k(figures.reads),
            per10k(figures.writes),
            ...figures.bySource.map((count) => `${per10k(count.reads)}+${per10k(count.writes)}`),
            per10k(figures.other),
            per10k(figures.sdkTotal),
          ];
        }),
      ]),
    );
    print('(by source: reads+writes; other: document requests to other containers, and metadata: container and database reads; the SDK total also counts any retry)');

    print('');
    const quietResult = results[2] as PassResult;
    const smallResult = results[4] as PassResult;
    print(`first delivery (a fresh instance on a fresh database: every workload new, every state first written), store requests per 10k attack-free events: ${requestsPer10k(quietResult).toFixed(1)}; small messages: ${requestsPer10k(smallResult).toFixed(1)}`);

    const sustained = await runSustainedPasses(bench, options, host.maxEventBatchSize, print);
    const sustainedFigure = per10k(sustained.quiet);
    print(`store requests per 10k attack-free events: ${sustainedFigure.toFixed(1)}`);
    print(`store requests per 10k attack-free events, small messages (one record per message): ${per10k(sustained.small).toFixed(1)}`);
    print('');
    const bySize = sizes.map((size) => results.find((result) => result.pass.mix === small && result.pass.batchSize === size) as PassResult);
    const perPartition = Math.max(...small.partitions.map((messages) => messages.length));
    print(
      `batch size comparison, attack-free small messages, a first delivery of the whole backlog (maxEventBatchSize: messages per batch, ` +
        `prefetchCount at least as many; ${perPartition} messages per partition):`,
    );
    print(
      table([
        ['messages per batch', 'batches', 'events per batch', 'events/s', 'ratio', 'batch p50', 'batch p99', 'store requests per 10k'],
        ...bySize.map((result) => {
          const latencies = result.rounds.flatMap((round) => round.latenciesInMs).sort((a, b) => a - b);
          return [
            String(result.pass.batchSize),
            String(result.batches),
            (result.events / result.batches).toFixed(0),
            rate(result.events, result.handler.wallInMs),
            ratioOf(result).toFixed(2),
            ms(percentile(latencies, 0.5), 1),
            ms(percentile(latencies, 0.99), 1),
            requestsPer10k(result).toFixed(1),
          ];
        }),
      ]),
    );

    print('');
    for (const result of results.slice(0, 2)) {
      const ratio = ratioOf(result);
      print(`target: handler/baseline >= ${TARGET_RATIO} (${result.pass.label}) -> ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)})`);
    }
    print(
      `target: store requests per 10k attack-free events <= ${TARGET_REQUESTS_PER_10K} (sustained ${options.sustained.eventsPerSecond} events/s) -> ` +
        `${sustainedFigure <= TARGET_REQUESTS_PER_10K ? 'MET' : 'NOT MET'} (${sustainedFigure.toFixed(1)})`,
    );
  } finally {
    client.dispose();
    await server.close();
  }
}

interface SustainedFigures {
  quiet: SustainedPassResult;
  small: SustainedPassResult;
}

/**
 * The sustained-rate passes (sustainedStoreCost.ts): the attack-free traffic at the stated rate, the same with one
 * record per message, and at a tenth of the rate (time-bounded costs weigh ten times more per event there).
 */
async function runSustainedPasses(bench: Bench, options: HandlerBenchmarkOptions, maxEventBatchSize: number, print: (line: string) => void): Promise<SustainedFigures> {
  const { eventsPerSecond, measuredMinutes } = options.sustained;
  const sustainedBench = {
    database: async (name: string) => ensureDatabase(bench.client, `argus-bench-handler-${name}-${++bench.databases}`),
    counter: bench.counter,
    config: bench.config,
    detectionContext: bench.detectionContext,
  };
  // Two minutes of warm-up: the clusters' first sightings (learning, first workloads) are written by the first flushes.
  const common = { warmUpMinutes: SUSTAINED_WARM_UP_MINUTES, measuredMinutes, seed: options.seed, maxEventBatchSize, planEnabledAtUtc: PLAN_ENABLED_AT };
  const passes: { label: string; eventsPerSecond: number; oneRecordPerMessage: boolean }[] = [
    { label: 'attack-free', eventsPerSecond, oneRecordPerMessage: false },
    { label: 'attack-free, small messages', eventsPerSecond, oneRecordPerMessage: true },
    { label: 'attack-free, a tenth of the rate', eventsPerSecond: Math.max(1, Math.round(eventsPerSecond / 10)), oneRecordPerMessage: false },
  ];
  const results: SustainedPassResult[] = [];
  for (const pass of passes) results.push(await runSustainedPass(sustainedBench, { ...common, eventsPerSecond: pass.eventsPerSecond, oneRecordPerMessage: pass.oneRecordPerMessage }));
  print('');
  print(
    `sustained rate: one instance, one partition per cluster, batches of the messages that arrived within each second (at most ${maxEventBatchSize}), ` +
      `a simulated clock (settings cache ${bench.config.ingestion.subscriptionSettingsCacheTtlInMs / 1000} s, usage flush ${bench.config.ingestion.usageFlushIntervalInMs / 1000} s); ` +
      `${measuredMinutes} minute(s) measured after ${SUSTAINED_WARM_UP_MINUTES} minutes of warm-up; store requests per 10k events (reads+writes by source)`,
  );
  print(
    table([
      ['pass', 'events/s', 'events', 'batches', 'events per batch', 'total', 'reads', 'writes', ...REQUEST_SOURCES.map((source) => source.name), 'SDK total', 'usage pending'],
      ...passes.map((pass, index) => {
        const result = results[index] as SustainedPassResult;
        const scale = (count: number): string => ((count * 10_000) / Math.max(1, result.events)).toFixed(2);
        const bySource = REQUEST_SOURCES.map((source) => {
          const count = source.containers.reduce((sum, container) => {
            const found = result.byContainer.get(container);
            return found === undefined ? sum : { reads: sum.reads + found.reads, writes: sum.writes + found.writes };
          }, { reads: 0, writes: 0 });
          return `${scale(count.reads)}+${scale(count.writes)}`;
        });
        const sdkTotal = [...result.byContainer.values()].reduce((sum, count) => sum + count.reads + count.writes, 0);
        return [
          pass.label,
          String(pass.eventsPerSecond),
          String(result.events),
          String(result.batches),
          (result.events / Math.max(1, result.batches)).toFixed(0),
          scale(result.reads + result.writes),
          scale(result.reads),
          scale(result.writes),
          ...bySource,
          scale(sdkTotal),
          String(result.pendingUsageEvents),
        ];
      }),
    ]),
  );
  print('(usage pending: events metered in the last minute, written at its next flush; SDK total: every request the SDK sent, metadata reads and retries included)');
  return { quiet: results[0] as SustainedPassResult, small: results[1] as SustainedPassResult };
}

function per10k(result: SustainedPassResult): number {
  return ((result.reads + result.writes) * 10_000) / Math.max(1, result.events);
}

function ratioOf(result: PassResult): number {
  return result.baseline.wallInMs / result.handler.wallInMs;
}

interface RequestFigures {
  events: number;
  reads: number;
  writes: number;
  bySource: RequestCount[];
  other: number;
  sdkTotal: number;
}

/** The pass's requests over all its rounds: from the batch summaries (and settings reads), and by source from the SDK. */
function requestFigures(result: PassResult): RequestFigures {
  let events = 0;
  let reads = 0;
  let writes = 0;
  const byContainer = new Map<string, RequestCount>();
  for (const round of result.rounds) {
    for (const summary of round.summaries) {
      events += summary.events;
      reads += summary.cosmos.reads;
      writes += summary.cosmos.writes;
    }
    reads += round.settingsReads + round.usageFlush.reads;
    writes += round.usageFlush.writes;
    for (const [container, count] of round.requests) {
      const total = byContainer.get(container) ?? { reads: 0, writes: 0 };
      byContainer.set(container, { reads: total.reads + count.reads, writes: total.writes + count.writes });
    }
  }
  const listed = new Set(REQUEST_SOURCES.flatMap((source) => source.containers));
  const bySource = REQUEST_SOURCES.map((source) =>
    source.containers.reduce<RequestCount>((sum, container) => {
      const count = byContainer.get(container);
      return count === undefined ? sum : { reads: sum.reads + count.reads, writes: sum.writes + count.writes };
    }, { reads: 0, writes: 0 }),
  );
  const countAll = (filter: (container: string) => boolean): number =>
    [...byContainer].filter(([container]) => filter(container)).reduce((sum, [, count]) => sum + count.reads + count.writes, 0);
  return { events, reads, writes, bySource, other: countAll((container) => !listed.has(container)), sdkTotal: countAll(() => true) };
}

function requestsPer10k(result: PassResult): number {
  const figures = requestFigures(result);
  return ((figures.reads + figures.writes) * 10_000) / figures.events;
}
