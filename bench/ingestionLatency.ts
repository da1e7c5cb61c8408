import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { format } from 'node:util';
import type { LogLevel } from '@azure/functions';
import { MAX_EVENT_SIZE_IN_BYTES } from '../local/localEventHubs';
import { type LocalLogger } from '../local/localLogger';
import { startLocalRuntime, type LocalRuntime } from '../local/localRuntime';
import { findHostJson, readHostSettings } from '../local/readHostJson';
import { container, workloadEvent } from '../shared/detection/exampleEvents';
import { evaluateRules } from '../shared/detection/evaluateRules';
import { allRules } from '../shared/detection/rules/index';
import { type BatchSummary } from '../shared/ingestion/processAuditBatch';
import { decodeAuditInput } from '../shared/kubernetes/decodeAuditInput';
import { inventoryChangeOf } from '../shared/posture/workloadInventory';
import { getServices } from '../shared/services';
import { createCosmosClient } from '../shared/store/createCosmosClient';
import { ensureDatabase } from '../shared/store/ensureDatabase';
import { changePlan, upsertPlan } from '../shared/store/planStore';
import { recordInventoryChanges, type SubscriptionInventoryChange } from '../shared/store/workloadInventoryStore';
import { generateAuditTraffic } from './generateAuditTraffic';
import { median, ms, percentile, rate, seconds, summarize, table, timed, timedAsync, type Timing } from './measurements';

/**
 * Ingestion end to end: the local runtime behind `npm start` (in-process Cosmos server, embedded Event Hubs,
 * real HTTP) started in this process, AKS-shaped Event Hubs messages posted to the audit hub over HTTP, and
 * the `ingestAuditEvents` function taking them through detection into the alerts container.
 *
 * It measures, against a baseline timed in the same run (decode and every rule over the same messages in
 * process, no hub and no store: the detection floor), how many events per second the whole path gets
 * through, how long an attack takes from its POST to its persisted alert, what each batch costs in Cosmos
 * requests with and without attacks, and how often the plan is read. It prints PASS/FAIL against the
 * targets but exits 0 whatever they say: it is a measurement, not a test.
 *
 * Traffic: the benign mix of bench/generateAuditTraffic.ts (no klog records: pure kube-audit, as the
 * recommended diagnostic setting sends) from 3 clusters in 3 subscriptions, posted 8 messages per POST;
 * every Nth POST carries attacks, one privileged pod per message, each in its own namespace so that each
 * makes its own alert (the rule groups by namespace, resource and user).
 */

/** Event Hubs messages per POST. */
const MESSAGES_PER_POST = 8;
/** Burst: one POST in this many batches' worth carries attacks, so that about half the batches have none. */
const BURST_ATTACK_EVERY_BATCHES = 2;
/** Paced: one POST in this many carries attacks (the hub delivers about one POST per batch when it keeps up). */
const PACED_ATTACK_EVERY_POSTS = 4;
/** The paced phase posts at this share of the burst rate, so that latency is not the backlog's length. */
const PACED_SHARE_OF_BURST_RATE = 0.5;
/** The plans are turned on before the generator's clock starts (2026-11-02T10:00Z): every event is covered. */
const PLAN_ENABLED_AT = '2026-11-02T00:00:00.000Z';
const ATTACK_TIME = '2026-11-02T12:00:00.000000Z';
const NO_CONSUMER_HUB = 'bench-no-consumer';

export interface IngestionBenchmarkOptions {
  events: number;
  rounds: number;
  seed: number;
}

// ---------------------------------------------------------------------------------------------------------
// Traffic

interface BenignMessage {
  body: string;
  subscriptionId: string;
  events: number;
}

/** One POST: the messages it carries, and the attacks among them (one per message of an attack POST). */
interface Post {
  bodies: string[];
  subscriptions: string[];
  events: number;
  attackIds: (string | undefined)[];
}

interface Traffic {
  benign: BenignMessage[];
  subscriptions: string[];
  clusters: number;
  characters: number;
  events: number;
}

function createTraffic(events: number, seed: number): Traffic {
  const generated = generateAuditTraffic({ events, seed, attackShare: 0, klogShare: 0 });
  const benign: BenignMessage[] = [];
  const clusters = new Set<string>();
  for (const body of generated.messages) {
    for (const part of splitToFit(body)) {
      const { records } = JSON.parse(part) as { records: { resourceId: string }[] };
      const resourceId = records[0]?.resourceId ?? '';
      clusters.add(resourceId);
      benign.push({ body: part, subscriptionId: subscriptionOf(resourceId), events: records.length });
    }
  }
  const subscriptions = [...new Set(benign.map((message) => message.subscriptionId))].sort();
  return { benign, subscriptions, clusters: clusters.size, characters: generated.characters, events: generated.events };
}

/** A message over the Event Hubs size limit (rare: 60 records of 20 KB) is sent as two, as a producer would. */
function splitToFit(body: string): string[] {
  if (Buffer.byteLength(body, 'utf8') <= MAX_EVENT_SIZE_IN_BYTES - 4096) return [body];
  const { records } = JSON.parse(body) as { records: unknown[] };
  const half = Math.ceil(records.length / 2);
  return [...splitToFit(JSON.stringify({ records: records.slice(0, half) })), ...splitToFit(JSON.stringify({ records: records.slice(half) }))];
}

function subscriptionOf(resourceId: string): string {
  return (/\/SUBSCRIPTIONS\/([^/]+)\//i.exec(resourceId)?.[1] ?? '').toLowerCase();
}

/**
 * The POSTs of one phase: the benign messages in order, 8 per POST, every `attackEvery`-th POST (starting
 * half-way into the first period) with a privileged pod added to each of its messages.
 */
function createPosts(messages: readonly BenignMessage[], attackEvery: number, label: string): Post[] {
  const posts: Post[] = [];
  let attacks = 0;
  for (let start = 0, index = 0; start < messages.length; start += MESSAGES_PER_POST, index++) {
    const slice = messages.slice(start, start + MESSAGES_PER_POST);
    const last = start + MESSAGES_PER_POST >= messages.length;
    // A run too short to reach the first attack POST still gets one, in its last POST.
    const attacking = index % attackEvery === Math.floor(attackEvery / 2) || (last && attacks === 0);
    const post: Post = { bodies: [], subscriptions: [], events: 0, attackIds: [] };
    for (const message of slice) {
      let body = message.body;
      let attackId: string | undefined;
      if (attacking) {
        attackId = `bench-${label}-${++attacks}`;
        body = withRecord(body, privilegedPodRecord(body, attackId, `bench-${label}-${attacks}`));
      }
      post.bodies.push(body);
      post.subscriptions.push(message.subscriptionId);
      post.events += message.events + (attackId === undefined ? 0 : 1);
      post.attackIds.push(attackId);
    }
    posts.push(post);
  }
  return posts;
}

/** A diagnostic record, for the message's cluster, of a developer creating a privileged pod. */
function privilegedPodRecord(body: string, auditID: string, namespace: string): Record<string, unknown> {
  const resourceId = /"resourceId":"([^"]+)"/.exec(body)?.[1] ?? '';
  const event = workloadEvent('pods', { containers: [container({ name: 'shell', securityContext: { privileged: true } })] }, { auditID, time: ATTACK_TIME, name: 'debug-shell', namespace });
  return {
    time: ATTACK_TIME.replace(/(\.\d{3})\d*Z$/, '$1Z'),
    resourceId,
    category: 'kube-audit',
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { log: `${JSON.stringify(event)}\n`, stream: 'stdout', pod: 'kube-apiserver-bench' },
  };
}

function withRecord(body: string, record: Record<string, unknown>): string {
  if (!body.endsWith(']}')) throw new Error('unexpected message shape');
  return `${body.slice(0, -2)},${JSON.stringify(record)}]}`;
}

function describePosts(posts: readonly Post[]): { events: number; attacks: number; megabytes: number } {
  return {
    events: eventsOf(posts),
    attacks: posts.reduce((sum, post) => sum + post.attackIds.filter((id) => id !== undefined).length, 0),
    megabytes: posts.reduce((sum, post) => sum + post.bodies.reduce((total, body) => total + body.length, 0), 0) / 1e6,
  };
}

function eventsOf(posts: readonly Post[]): number {
  return posts.reduce((sum, post) => sum + post.events, 0);
}

// ---------------------------------------------------------------------------------------------------------
// The runtime and what it logs

interface TimedEntry {
  atInMs: number;
  level: LogLevel;
  source: string;
  message: string;
}

/** The memory logger of the tests, with the time of each entry: a batch's log line is when its writes were done. */
function createTimedMemoryLogger(): LocalLogger & { entries: TimedEntry[] } {
  const entries: TimedEntry[] = [];
  return {
    entries,
    log: (level, source, ...args) => {
      const atInMs = performance.now();
      entries.push({ atInMs, level, source, message: format(...args) });
    },
  };
}

interface LoggedBatch {
  atInMs: number;
  summary: BatchSummary;
}

const BATCH_LINE = 'ingestion batch ';

function loggedBatches(entries: readonly TimedEntry[], from: number): LoggedBatch[] {
  return entries
    .slice(from)
    .filter((entry) => entry.message.startsWith(BATCH_LINE))
    .map((entry) => ({ atInMs: entry.atInMs, summary: JSON.parse(entry.message.slice(BATCH_LINE.length)) as BatchSummary }));
}

/** Where each posted message went: its sequence number's POST time, subscription and attack. */
interface Sent {
  postedAtInMs: number;
  subscriptionId: string;
  attackId: string | undefined;
}

class Producer {
  readonly sent = new Map<number, Sent>();

  constructor(private readonly runtime: LocalRuntime) {}

  /** POSTs the messages to the hub over HTTP; records the sequence numbers the hub gave them. */
  async post(hubName: string, post: Post): Promise<void> {
    const postedAtInMs = performance.now();
    const response = await fetch(`${this.runtime.url}/api/local/eventhubs/${hubName}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(post.bodies),
    });
    const answer = (await response.json()) as { firstSequenceNumber?: number };
    if (hubName === NO_CONSUMER_HUB) {
      if (response.status !== 404) throw new Error(`POST to a hub with no consumer answered ${response.status}`);
      return;
    }
    if (response.status !== 202 || answer.firstSequenceNumber === undefined) throw new Error(`POST to ${hubName} answered ${response.status}: ${JSON.stringify(answer)}`);
    post.bodies.forEach((_body, index) =>
      this.sent.set((answer.firstSequenceNumber as number) + index, {
        postedAtInMs,
        subscriptionId: post.subscriptions[index] ?? '',
        attackId: post.attackIds[index],
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

interface PhaseResult {
  timing: Timing;
  events: number;
  batches: LoggedBatch[];
  latenciesInMs: number[];
  attacks: string[];
}

export async function runIngestionBenchmark(options: IngestionBenchmarkOptions, print: (line: string) => void): Promise<void> {
  print(`Argus ingestion end to end: node ${process.version}, local runtime in process (Cosmos server, Event Hubs, HTTP), ${allRules.length} rules, seed ${options.seed}`);
  const host = readHostSettings(findHostJson());
  const generationStart = performance.now();
  const traffic = createTraffic(options.events, options.seed);
  const batchPosts = Math.max(1, Math.ceil(host.maxEventBatchSize / MESSAGES_PER_POST));
  const burstAttackEvery = BURST_ATTACK_EVERY_BATCHES * batchPosts;

  const dataDir = await mkdtemp(join(tmpdir(), 'argus-bench-'));
  const logger = createTimedMemoryLogger();
  const startInMs = performance.now();
  const runtime = await startLocalRuntime({
    settings: { PORT: '0', ARGUS_LOCAL_COSMOS_PORT: '0', ARGUS_LOCAL_DATA_DIR: dataDir },
    logger,
  });
  const startedInMs = performance.now() - startInMs;
  const client = createCosmosClient(runtime.config.cosmos);
  try {
    const database = client.database(runtime.config.cosmos.databaseName);
    for (const subscriptionId of traffic.subscriptions) {
      const plan = changePlan(subscriptionId, undefined, { enabled: true, by: { principalId: 'bench', principalName: 'npm run bench' }, now: new Date(PLAN_ENABLED_AT) });
      await upsertPlan(database, plan);
    }
    const hubName = runtime.config.auditStream.eventHubName;
    const producer = new Producer(runtime);
    const detectionContext = getServices().ingestion.detectionContext;
    const cacheTtlInMs = runtime.config.ingestion.subscriptionSettingsCacheTtlInMs;

    // What one round posts (each round has its own attacks); kept as numbers, not messages: the heap is shared with the runtime.
    const { events, attacks: roundAttacks, megabytes } = describePosts(createPosts(traffic.benign, burstAttackEvery, 'sample'));
    print(
      `traffic: ${events} audit events per round in ${traffic.benign.length} Event Hubs messages (${megabytes.toFixed(1)} MB), ` +
        `${traffic.clusters} clusters in ${traffic.subscriptions.length} subscriptions, ${MESSAGES_PER_POST} messages per POST; ` +
        `attacks: ${roundAttacks} privileged pods (${percent(roundAttacks / events, 2)}), one per message of 1 POST in ${burstAttackEvery} ` +
        `(generated in ${seconds(performance.now() - generationStart)})`,
    );
    print(
      `runtime: started in ${seconds(startedInMs)} at ${runtime.url}; host.json batches of up to ${host.maxEventBatchSize} messages; ` +
        `plans enabled (at ${PLAN_ENABLED_AT}) for ${traffic.subscriptions.length} subscriptions; plan cache ${cacheTtlInMs / 1000} s`,
    );

    // Before the timed runs (which post the same traffic again and again): the inventory's cost on first delivery.
    const inventory = await measureInventory(client, traffic.benign.map((message) => message.body), host.maxEventBatchSize);

    const readsBefore = { ...getServices().ingestion.subscriptionSettings.reads };
    const measuredFromInMs = performance.now();
    // Warm-up: every path once (JIT, connections, containers), not timed.
    const messages = traffic.benign.map((message) => message.body);
    baselinePass(messages, host.maxEventBatchSize, detectionContext);
    const warmPosts = createPosts(traffic.benign.slice(0, Math.min(traffic.benign.length, 4 * batchPosts * MESSAGES_PER_POST)), burstAttackEvery, 'warm');
    await burstPhase(runtime, producer, warmPosts, hubName, logger);
    for (const post of warmPosts) await producer.post(NO_CONSUMER_HUB, post);

    const baselineTimes: Timing[] = [];
    const httpTimes: Timing[] = [];
    const bursts: PhaseResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const posts = createPosts(traffic.benign, burstAttackEvery, `burst${round + 1}`);
      const bodies = posts.flatMap((post) => post.bodies);
      baselineTimes.push(timed(() => baselinePass(bodies, host.maxEventBatchSize, detectionContext)));
      bursts.push(await burstPhase(runtime, producer, posts, hubName, logger));
      httpTimes.push(await timedAsync(async () => {
        for (const post of posts) await producer.post(NO_CONSUMER_HUB, post);
      }));
    }
    const workerParse = median(Array.from({ length: options.rounds }, () => timed(() => messages.forEach((message) => void JSON.parse(message))).wallInMs));
    const producerStringify = median(
      Array.from({ length: options.rounds }, () => timed(() => {
        for (let start = 0; start < messages.length; start += MESSAGES_PER_POST) JSON.stringify(messages.slice(start, start + MESSAGES_PER_POST));
      }).wallInMs),
    );

    const baseline = summarize(baselineTimes);
    const pipeline = summarize(bursts.map((burst) => burst.timing));
    const http = summarize(httpTimes);
    const pipelineRate = events / (pipeline.wallInMs / 1000);

    // Latency, at a rate the pipeline keeps up with.
    const pacedMessages = traffic.benign.slice(0, Math.max(1, Math.ceil(traffic.benign.length / 2)));
    const pacedPosts = createPosts(pacedMessages, PACED_ATTACK_EVERY_POSTS, 'paced');
    const pacedRate = pipelineRate * PACED_SHARE_OF_BURST_RATE;
    const paced = await pacedPhase(runtime, producer, pacedPosts, hubName, logger, pacedRate);
    const measuredInMs = performance.now() - measuredFromInMs;
    const reads = getServices().ingestion.subscriptionSettings.reads;
    const planReads = reads.plans - readsBefore.plans;

    const row = (name: string, timing: Timing & { minWallInMs: number; maxWallInMs: number }): string[] => [
      name,
      ms(timing.wallInMs),
      `(${ms(timing.minWallInMs)}-${ms(timing.maxWallInMs)})`,
      rate(events, timing.wallInMs),
      ms(timing.cpuInMs),
      rate(events, timing.cpuInMs),
    ];
    print('');
    print(`${options.rounds} rounds of each pass, interleaved; medians. CPU: this process's user+system time (the runtime, its Cosmos server and the client are all in it).`);
    print(table([
      ['pass', 'wall', '(min-max)', 'events/s', 'CPU', 'events/CPU-s'],
      row('baseline: decodeAuditInput + evaluateRules, no hub, no store', baseline),
      row('pipeline: POST -> hub -> ingestAuditEvents -> Cosmos, to the last alert', pipeline),
      row('HTTP path alone: the same POSTs to a hub with no consumer', http),
    ]));
    print(`ratio pipeline/baseline (baseline time / pipeline time): ${(baseline.wallInMs / pipeline.wallInMs).toFixed(2)} wall, ${(baseline.cpuInMs / pipeline.cpuInMs).toFixed(2)} CPU`);
    const hubShare = (http.wallInMs + workerParse) / pipeline.wallInMs;
    const busy = median(bursts.map((burst) => burst.batches.reduce((sum, batch) => sum + batch.summary.durationInMs, 0) / burst.timing.wallInMs));
    print(
      `time share of the hub/HTTP path: ${percent(hubShare)} of the pipeline's wall time (POSTs to a hub with no consumer ${ms(http.wallInMs)}, ` +
        `of which the producer's JSON.stringify of the POST bodies ${ms(producerStringify)}; the worker's JSON.parse of every message ${ms(workerParse)}); ` +
        `a batch in processAuditBatch (awaiting Cosmos, sharing the thread with the POSTs) ${percent(busy)} of it`,
    );

    print('');
    const allBurstLatencies = bursts.flatMap((burst) => burst.latenciesInMs);
    print(`latency per attack, POST -> alert persisted (the log line of the batch that wrote it, logged once its writes were acknowledged):`);
    print(table([
      ['phase', 'attacks', 'p50', 'p99', 'max'],
      latencyRow(`burst: POSTs as fast as they are answered (${options.rounds} rounds)`, allBurstLatencies),
      latencyRow(`paced: ${rate(eventsOf(pacedPosts), (eventsOf(pacedPosts) / pacedRate) * 1000)} events/s (${percent(PACED_SHARE_OF_BURST_RATE, 0)} of the burst rate), ${eventsOf(pacedPosts)} events`, paced.latenciesInMs),
    ]));
    const expected = [...bursts, paced].flatMap((phase) => phase.attacks);
    const found = await findAlertedAuditIds(database, traffic.subscriptions);
    const missing = expected.filter((id) => !found.has(id));
    print(`alerts found in the alerts container by evidence audit id (one query per subscription, after the runs): ${expected.length - missing.length} of ${expected.length} attacks`);

    print('');
    const batches = [...bursts, paced].flatMap((phase) => phase.batches);
    const attackFree = batches.filter((batch) => batch.summary.findings === 0);
    const attacked = batches.filter((batch) => batch.summary.findings > 0);
    print(`Cosmos requests per batch, from the \`ingestion batch\` log lines of the burst and paced phases (mean, min-max):`);
    print(table([
      ['batches', 'count', 'messages', 'events', 'subscriptions', 'reads', 'writes', 'alerts written'],
      batchRow('without findings', attackFree, producer),
      batchRow('with findings', attacked, producer),
    ]));
    const falsePositives = batches.filter((batch) => batch.summary.findings > 0 && attacksIn(batch, producer) === 0).length;
    const missedBatches = batches.filter((batch) => batch.summary.findings === 0 && attacksIn(batch, producer) > 0).length;
    print(`batches with findings but no attack posted: ${falsePositives}; batches with attacks but no finding: ${missedBatches}`);
    const per10k = (count: number, events: number): string => (events === 0 ? '-' : ((count * 10_000) / events).toFixed(1));
    print(
      `inventory store requests per 10k events: reads ${per10k(inventory.reads, inventory.events)}, writes ${per10k(inventory.writes, inventory.events)} ` +
        `(first delivery of the ${inventory.events} events in batches of ${host.maxEventBatchSize} messages: ${inventory.changes} workload changes, ` +
        `${inventory.reads} reads, ${inventory.writes} writes, ${inventory.conflicts} conflicts)`,
    );
    const pipelineEvents = batches.reduce((sum, batch) => sum + batch.summary.analyzed, 0);
    const sumOf = (value: (batch: LoggedBatch) => number): number => batches.reduce((sum, batch) => sum + value(batch), 0);
    print(
      `inventory in the runs above (every phase posts the same benign traffic again: a replay writes nothing; each attack is a new bare pod: one write): per 10k events reads ` +
        `${per10k(sumOf((batch) => batch.summary.inventory.reads), pipelineEvents)}, writes ${per10k(sumOf((batch) => batch.summary.inventory.writes), pipelineEvents)} ` +
        `(${sumOf((batch) => batch.summary.inventory.changes)} changes in ${pipelineEvents} events)`,
    );
    print(
      `stateful rules' store requests per 10k events: reads ${per10k(sumOf((batch) => batch.summary.stateful.reads), pipelineEvents)}, writes ` +
        `${per10k(sumOf((batch) => batch.summary.stateful.writes), pipelineEvents)} (${sumOf((batch) => batch.summary.stateful.candidates)} watched events, ` +
        `${sumOf((batch) => batch.summary.stateful.findings)} stateful findings, ${sumOf((batch) => batch.summary.stateful.learning)} while learning, in ${pipelineEvents} events)`,
    );
    const periods = Math.floor(measuredInMs / cacheTtlInMs) + 1;
    print(
      `plan reads: ${planReads} for ${traffic.subscriptions.length} subscriptions over ${seconds(measuredInMs)} ` +
        `(cache ${cacheTtlInMs / 1000} s: ${periods} period${periods === 1 ? '' : 's'}; suppression rule reads: ${reads.suppressionRules - readsBefore.suppressionRules})`,
    );

    print('');
    const cleanWrites = attackFree.filter(
      (batch) =>
        alertsWritten(batch) === 0 &&
        // A write refused as a conflict (a create-first of a workload that existed) wrote nothing.
        batch.summary.cosmos.writes - batch.summary.cosmos.conflicts === batch.summary.usage.writes + batch.summary.inventory.writes + batch.summary.stateful.writes,
    );
    print(
      attackFree.length === 0
        ? 'n/a   attack-free batches write no alert: no batch without findings in this run (more --events)'
        : `${cleanWrites.length === attackFree.length ? 'PASS' : 'FAIL'}  attack-free batches write no alert: ${cleanWrites.length} of ${attackFree.length} with alerts created+updated 0 and Cosmos writes (less refused ones) = usage writes (at most one per subscription, partition and minute) + inventory writes + stateful state writes`,
    );
    const allowed = traffic.subscriptions.length * periods;
    print(`${planReads <= allowed ? 'PASS' : 'FAIL'}  at most one plan read per subscription per cache period: ${planReads} reads, at most ${allowed} (${traffic.subscriptions.length} subscriptions x ${periods})`);
    print(`${missing.length === 0 ? 'PASS' : 'FAIL'}  every attack's alert persisted: ${expected.length - missing.length} of ${expected.length}${missing.length === 0 ? '' : ` (missing e.g. ${missing.slice(0, 3).join(', ')})`}`);
  } finally {
    client.dispose();
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface InventoryCost {
  events: number;
  changes: number;
  reads: number;
  writes: number;
  conflicts: number;
}

/**
 * The workload inventory's store requests on first delivery: the messages in batches of the host's batch size, each
 * batch's changes folded as processEventBatch folds them (one read per workload the batch changes, a write only when
 * its spec changed), into a database of its own on the runtime's Cosmos server, so the runs start from an empty one.
 */
async function measureInventory(client: ReturnType<typeof createCosmosClient>, messages: readonly string[], batchSize: number): Promise<InventoryCost> {
  const database = await ensureDatabase(client, 'argus-bench-inventory');
  const cost: InventoryCost = { events: 0, changes: 0, reads: 0, writes: 0, conflicts: 0 };
  for (let start = 0; start < messages.length; start += batchSize) {
    const changes: SubscriptionInventoryChange[] = [];
    for (const message of messages.slice(start, start + batchSize)) {
      for (const record of decodeAuditInput(message).records) {
        cost.events++;
        const change = inventoryChangeOf(record.event, record.cluster.resourceId);
        if (change !== undefined) changes.push({ subscriptionId: record.cluster.subscriptionId, change });
      }
    }
    const stats = await recordInventoryChanges(database, changes, new Date());
    cost.changes += stats.changes;
    cost.reads += stats.reads;
    cost.writes += stats.writes;
    cost.conflicts += stats.conflicts;
  }
  return cost;
}

/** The detection floor of the pipeline: each batch's messages decoded, every rule over their records. */
function baselinePass(messages: readonly string[], batchSize: number, context: ReturnType<typeof getServices>['ingestion']['detectionContext']): number {
  let findings = 0;
  for (let start = 0; start < messages.length; start += batchSize) {
    const records = messages.slice(start, start + batchSize).flatMap((message) => decodeAuditInput(message).records);
    findings += evaluateRules(records, { rules: allRules, context }).findings.length;
  }
  return findings;
}

/** Every POST as soon as the previous one is answered; ends when the hub is idle (the last batch logged). */
async function burstPhase(runtime: LocalRuntime, producer: Producer, posts: readonly Post[], hubName: string, logger: { entries: TimedEntry[] }): Promise<PhaseResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const from = logger.entries.length;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const post of posts) await producer.post(hubName, post);
  await runtime.eventHubs.whenIdle();
  const wallInMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return phaseResult({ wallInMs, cpuInMs: (used.user + used.system) / 1000 }, posts, producer, loggedBatches(logger.entries, from));
}

/** POSTs at a steady rate of events per second, each on its schedule, whatever the pipeline does. */
async function pacedPhase(runtime: LocalRuntime, producer: Producer, posts: readonly Post[], hubName: string, logger: { entries: TimedEntry[] }, eventsPerSecond: number): Promise<PhaseResult> {
  const from = logger.entries.length;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let dueInMs = start;
  for (const post of posts) {
    const waitInMs = dueInMs - performance.now();
    if (waitInMs > 0) await sleep(waitInMs);
    await producer.post(hubName, post);
    dueInMs += (post.events / eventsPerSecond) * 1000;
  }
  await runtime.eventHubs.whenIdle();
  const wallInMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return phaseResult({ wallInMs, cpuInMs: (used.user + used.system) / 1000 }, posts, producer, loggedBatches(logger.entries, from));
}

function phaseResult(timing: Timing, posts: readonly Post[], producer: Producer, batches: LoggedBatch[]): PhaseResult {
  const latenciesInMs: number[] = [];
  for (const batch of batches) {
    for (let sequenceNumber = batch.summary.firstSequenceNumber; sequenceNumber <= batch.summary.lastSequenceNumber; sequenceNumber++) {
      const sent = producer.sent.get(sequenceNumber);
      if (sent?.attackId !== undefined) latenciesInMs.push(batch.atInMs - sent.postedAtInMs);
    }
  }
  const attacks = posts.flatMap((post) => post.attackIds.filter((id): id is string => id !== undefined));
  return { timing, events: eventsOf(posts), batches, latenciesInMs, attacks };
}

/** The audit ids in the evidence of every alert of the subscriptions: a parameterized query per partition. */
async function findAlertedAuditIds(database: ReturnType<ReturnType<typeof createCosmosClient>['database']>, subscriptions: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const subscriptionId of subscriptions) {
    const { resources } = await database
      .container('alerts')
      .items.query<{ evidenceAuditIds: string[] }>(
        { query: 'SELECT c.evidenceAuditIds FROM c WHERE c.subscriptionId = @subscriptionId AND c.ruleId = @ruleId', parameters: [{ name: '@subscriptionId', value: subscriptionId }, { name: '@ruleId', value: 'privileged-container' }] },
        { partitionKey: subscriptionId },
      )
      .fetchAll();
    for (const alert of resources) for (const id of alert.evidenceAuditIds) found.add(id);
  }
  return found;
}

function sentIn(batch: LoggedBatch, producer: Producer): Sent[] {
  const sent: Sent[] = [];
  for (let sequenceNumber = batch.summary.firstSequenceNumber; sequenceNumber <= batch.summary.lastSequenceNumber; sequenceNumber++) {
    const message = producer.sent.get(sequenceNumber);
    if (message !== undefined) sent.push(message);
  }
  return sent;
}

function attacksIn(batch: LoggedBatch, producer: Producer): number {
  return sentIn(batch, producer).filter((sent) => sent.attackId !== undefined).length;
}

function alertsWritten(batch: LoggedBatch): number {
  return batch.summary.alerts.created + batch.summary.alerts.updated;
}

function batchRow(name: string, batches: readonly LoggedBatch[], producer: Producer): string[] {
  const stat = (value: (batch: LoggedBatch) => number): string => {
    if (batches.length === 0) return '-';
    const values = batches.map(value);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const min = Math.min(...values);
    const max = Math.max(...values);
    return `${mean.toFixed(1)} (${min}-${max})`;
  };
  return [
    name,
    String(batches.length),
    stat((batch) => batch.summary.messages),
    stat((batch) => batch.summary.events),
    stat((batch) => new Set(sentIn(batch, producer).map((sent) => sent.subscriptionId)).size),
    stat((batch) => batch.summary.cosmos.reads),
    stat((batch) => batch.summary.cosmos.writes),
    stat(alertsWritten),
  ];
}

function latencyRow(name: string, latenciesInMs: readonly number[]): string[] {
  const sorted = [...latenciesInMs].sort((a, b) => a - b);
  if (sorted.length === 0) return [name, '0', '-', '-', '-'];
  return [name, String(sorted.length), ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99)), ms(sorted[sorted.length - 1] ?? 0)];
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
