import { type Database } from '@azure/cosmos';
import { type loadConfig } from '../shared/config';
import { type DetectionContext } from '../shared/detection/detectionContext';
import { type EventBatch } from '../shared/ingestion/eventHubBatch';
import { type BatchSummary, processAuditBatch } from '../shared/ingestion/processAuditBatch';
import { CachedSubscriptionSettings } from '../shared/ingestion/subscriptionSettings';
import { UsageMeter } from '../shared/store/usageMeter';
import { generateAuditTraffic } from './generateAuditTraffic';
import { benchInstanceDependencies, switchPlansOn } from './benchInstance';
import { type RequestCount, type RequestCounter } from './storeRequests';

/**
 * The store's cost of steady traffic (issue 18 §1): one instance reading a hub at a sustained rate, long enough for the
 * time-bounded writes to show, on a simulated clock so that minutes pass without waiting for them.
 *
 * Traffic: bench/generateAuditTraffic.ts's quiet mix (attack-free, no developer activity, the pods of each app's one
 * ReplicaSet: what a cluster does when nobody works on it), its events spaced to the stated rate (all clusters
 * together), one partition per cluster. Each message reaches the hub at the time of its last record. Batches: per partition, the
 * messages that arrived within each second (the host hands a function that keeps up what arrived since its last
 * invocation; a second is a generous invocation time, so batches here are larger than a fast function's, never
 * smaller), at most `maxEventBatchSize` messages. The batches of all partitions run in the order of their arrival, on
 * one instance built as services.ts builds it (settings cache, stateful state cache, inventory memory, usage meter with
 * the configured flush interval), its clock the arrival time of the batch: cache periods and flush intervals pass in
 * simulated time. The first `warmUpMinutes` deliver the clusters' workloads and the stateful rules' first state (a first
 * delivery: the handler passes measure that); the requests of the following `measuredMinutes` are counted, at the SDK.
 */

export interface SustainedPassOptions {
  eventsPerSecond: number;
  warmUpMinutes: number;
  measuredMinutes: number;
  seed: number;
  /** One record per message, as some shippers send (default: the generator's 20 to 60). */
  oneRecordPerMessage?: boolean;
  maxEventBatchSize: number;
  /** The plans are switched on before the traffic starts. */
  planEnabledAtUtc: string;
}

export interface SustainedBench {
  database: (name: string) => Promise<Database>;
  counter: RequestCounter;
  config: ReturnType<typeof loadConfig>;
  detectionContext: DetectionContext;
}

export interface SustainedPassResult {
  /** Events and batches of the measured minutes. */
  events: number;
  batches: number;
  messages: number;
  /** Store requests of the measured minutes: the batch summaries' and the settings cache's. */
  reads: number;
  writes: number;
  /** Every request the SDK sent in the measured minutes, by container. */
  byContainer: Map<string, RequestCount>;
  /** Usage events metered but not yet written when the pass ended (written at the next flush). */
  pendingUsageEvents: number;
}

const HUB_NAME = 'kube-audit';
const BATCH_WINDOW_IN_MS = 1_000;

interface TimedMessage {
  text: string;
  enqueuedAtMs: number;
  sequenceNumber: number;
}

/** Runs the pass on a fresh database (deleted afterwards). */
export async function runSustainedPass(bench: SustainedBench, options: SustainedPassOptions): Promise<SustainedPassResult> {
  const totalMinutes = options.warmUpMinutes + options.measuredMinutes;
  const generated = generateAuditTraffic({
    events: Math.round(options.eventsPerSecond * 60 * totalMinutes),
    seed: options.seed,
    attackShare: 0,
    klogShare: 0,
    quiet: true,
    meanGapInMicroseconds: 1e6 / options.eventsPerSecond,
  });
  const partitions = partitionsOf(generated.messages, options.oneRecordPerMessage === true);
  const batches = batchesInArrivalOrder(partitions, options.maxEventBatchSize);
  const startMs = Math.min(...batches.map((batch) => batch.arrivedAtMs));
  const measuredFromMs = startMs + options.warmUpMinutes * 60_000;

  const database = await bench.database('sustained');
  try {
    let clockMs = startMs;
    await switchPlansOn(database, [...new Set(partitions.map((partition) => partition.subscriptionId))], options.planEnabledAtUtc);
    const subscriptionSettings = new CachedSubscriptionSettings(database, bench.config.ingestion.subscriptionSettingsCacheTtlInMs, () => clockMs);
    const usageMeter = new UsageMeter(database, { flushIntervalInMs: bench.config.ingestion.usageFlushIntervalInMs });
    const dependencies = benchInstanceDependencies({ database, config: bench.config, detectionContext: bench.detectionContext, subscriptionSettings, usageMeter, nowInMs: () => clockMs });

    const measured: BatchSummary[] = [];
    let settingsReadsAtStart: number | undefined;
    for (const batch of batches) {
      clockMs = batch.arrivedAtMs;
      if (settingsReadsAtStart === undefined && clockMs >= measuredFromMs) {
        bench.counter.reset();
        settingsReadsAtStart = settingsReadsOf(subscriptionSettings);
      }
      const { summary } = await processAuditBatch(eventBatchOf(batch), dependencies);
      if (settingsReadsAtStart !== undefined) measured.push(summary);
    }
    const byContainer = bench.counter.snapshot();
    const settingsReads = settingsReadsOf(subscriptionSettings) - (settingsReadsAtStart ?? 0);
    return {
      events: measured.reduce((sum, summary) => sum + summary.events, 0),
      batches: measured.length,
      messages: measured.reduce((sum, summary) => sum + summary.messages, 0),
      reads: measured.reduce((sum, summary) => sum + summary.cosmos.reads, 0) + settingsReads,
      writes: measured.reduce((sum, summary) => sum + summary.cosmos.writes, 0),
      byContainer,
      pendingUsageEvents: usageMeter.pendingEventsOf(),
    };
  } finally {
    await database.delete();
  }
}

function settingsReadsOf(settings: CachedSubscriptionSettings): number {
  const { plans, suppressionRules, threatIntelSets, threatIntelFeeds } = settings.reads;
  return plans + suppressionRules + threatIntelSets + threatIntelFeeds;
}

interface Partition {
  subscriptionId: string;
  messages: TimedMessage[];
}

/** The generator's messages by cluster (one partition each), split to one record per message if asked, with their arrival times. */
function partitionsOf(messages: readonly string[], oneRecordPerMessage: boolean): Partition[] {
  const byCluster = new Map<string, Partition>();
  for (const text of messages) {
    const { records } = JSON.parse(text) as { records: { resourceId: string; time: string }[] };
    const cluster = (records[0]?.resourceId ?? '').toLowerCase();
    let partition = byCluster.get(cluster);
    if (partition === undefined) {
      partition = { subscriptionId: /\/subscriptions\/([^/]+)\//.exec(cluster)?.[1] ?? '', messages: [] };
      byCluster.set(cluster, partition);
    }
    const pieces = oneRecordPerMessage ? records.map((record) => [record]) : [records];
    for (const piece of pieces) {
      partition.messages.push({
        text: oneRecordPerMessage ? JSON.stringify({ records: piece }) : text,
        enqueuedAtMs: Date.parse(piece.at(-1)?.time ?? ''),
        sequenceNumber: partition.messages.length,
      });
    }
  }
  return [...byCluster.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, partition]) => partition);
}

interface TimedBatch {
  /** When its last message arrived: the instance's clock while it runs. */
  arrivedAtMs: number;
  partition: number;
  messages: TimedMessage[];
}

/** Per partition, the messages of each arrival second (at most `maxMessages`), all partitions' batches by arrival. */
function batchesInArrivalOrder(partitions: readonly Partition[], maxMessages: number): TimedBatch[] {
  const batches: TimedBatch[] = [];
  partitions.forEach((partition, index) => {
    let current: TimedMessage[] = [];
    let windowEndMs = -Infinity;
    const close = (): void => {
      if (current.length > 0) batches.push({ arrivedAtMs: (current.at(-1) as TimedMessage).enqueuedAtMs, partition: index, messages: current });
      current = [];
    };
    for (const message of partition.messages) {
      if (message.enqueuedAtMs >= windowEndMs || current.length >= maxMessages) {
        close();
        windowEndMs = Math.floor(message.enqueuedAtMs / BATCH_WINDOW_IN_MS) * BATCH_WINDOW_IN_MS + BATCH_WINDOW_IN_MS;
      }
      current.push(message);
    }
    close();
  });
  return batches.sort((a, b) => a.arrivedAtMs - b.arrivedAtMs);
}

/** The batch as the host hands it over, its bodies parsed as the worker parses them (when it runs: a long pass stays small in memory). */
function eventBatchOf(batch: TimedBatch): EventBatch {
  return {
    eventHubName: HUB_NAME,
    consumerGroup: '$Default',
    partitionId: String(batch.partition),
    messages: batch.messages.map((message) => ({
      body: JSON.parse(message.text) as unknown,
      sequenceNumber: message.sequenceNumber,
      offset: String(message.sequenceNumber),
      enqueuedTimeUtc: new Date(message.enqueuedAtMs).toISOString(),
    })),
  };
}
