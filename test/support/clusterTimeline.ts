import { createHash } from 'node:crypto';
import { generateAuditTraffic } from '../../bench/generateAuditTraffic';
import { SeededRandom } from '../../bench/seededRandom';
import { auditEvent, container, workloadEvent, workloadPatchEvent } from '../../shared/detection/exampleEvents';
import { type Rule } from '../../shared/detection/rule';
import { type RuleTimeline } from '../../shared/detection/stateful/statefulLogic';
import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { aksMessage, auditBatch, diagnosticRecord } from './auditMessages';

/**
 * A cluster's audit traffic over days, for the stateful rules' pipeline tests: the bench's generator makes the cluster's
 * own chatter and people's reads (one of its three clusters, re-timed over the days, with the test's resource id), and a
 * layer of habits adds what first-seen rules learn from: the CI pipeline's service account deploying to its namespaces,
 * people deploying to theirs, known identities reading their Secrets. Attacks are the stateful rules' own `alert`
 * timelines, re-timed into the attack day. Deterministic for a seed.
 */

type Json = Record<string, unknown>;

const DAY_IN_MS = 24 * 60 * 60 * 1000;
const HOUR_IN_MS = 60 * 60 * 1000;
/** The bench cluster whose traffic is kept (it makes three). */
const BENCH_CLUSTER = '/MANAGEDCLUSTERS/AKS-SHOP-PROD';
/** The bench's developers deploy to random namespaces: the habit layer deploys instead (first-seen rules learn habits). */
const LEFT_OUT_BENCH_SCENARIOS: ReadonlySet<string> = new Set(['developer-apply']);

const CI_DEPLOYER = 'system:serviceaccount:ci:deployer';
const CI_POD_IP = '10.244.2.31';
const KUBECTL_LINUX = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const KUBECTL_MAC = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const WEB_SERVICE_ACCOUNT = 'system:serviceaccount:shop:web';
const WEB_CLIENT = 'web/1.4.2 (linux/amd64) client-go/v0.31.2';
const CI_RUNNER = 'system:serviceaccount:ci:runner';

export interface TimelineEvent {
  event: Json;
  /** The stateful rule whose attack the event is part of (events of a rule's learning week are not). */
  attackOf?: string;
}

export interface BenignTrafficOptions {
  /** The first event's day (RFC 3339, midnight UTC). */
  startUtc: string;
  days: number;
  seed?: number;
  /** Events the bench generator makes over its three clusters (about a third is kept); default 3,600. */
  benchEvents?: number;
}

/** Benign audit events of one cluster over `days` days, in time order. */
export function benignClusterTraffic(options: BenignTrafficOptions): Json[] {
  const random = new SeededRandom(options.seed ?? 17);
  const start = Date.parse(options.startUtc);
  const span = options.days * DAY_IN_MS;
  const chatter = benchChatter(options.benchEvents ?? 3_600, options.seed ?? 17);
  const events = chatter.map((event, index) => retimed(event, start + Math.floor(((index + random.next()) * span) / chatter.length)));
  for (let day = 0; day < options.days; day++) events.push(...habitsOfDay(random, start + day * DAY_IN_MS));
  return events.sort(byTime);
}

/** The bench generator's benign traffic of one of its clusters, as audit events (times still the bench's). */
function benchChatter(events: number, seed: number): Json[] {
  const traffic = generateAuditTraffic({ events, seed, attackShare: 0, klogShare: 0 });
  const kept: Json[] = [];
  for (const message of traffic.messages) {
    const { records } = JSON.parse(message) as { records: { resourceId: string; properties: { log: string } }[] };
    for (const record of records) {
      if (!record.resourceId.endsWith(BENCH_CLUSTER)) continue;
      const event = JSON.parse(record.properties.log) as Json;
      if (LEFT_OUT_BENCH_SCENARIOS.has(traffic.scenarioByAuditId.get(String(event['auditID'])) ?? '')) continue;
      kept.push(event);
    }
  }
  return kept;
}

/**
 * What the cluster's people and pipelines do on a day (weekdays; the chatter runs every day): the CI pipeline deploys to
 * shop and shop-staging, Dana to the same, Lee to catalog, Priya to payments; Dana reads the shop's TLS Secret now and then
 * with kubectl on her Mac; the web service account reads its database Secret, the CI runner its registry Secret.
 */
function habitsOfDay(random: SeededRandom, dayStart: number): Json[] {
  const events: Json[] = [];
  const at = (fromHour: number, toHour: number): string => isoWithMicroseconds(dayStart + fromHour * HOUR_IN_MS + Math.floor(random.next() * (toHour - fromHour) * HOUR_IN_MS), random);
  const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
  // The web pods restart and read their Secret every few hours, every day.
  for (const hour of [1, 7, 13, 19]) {
    events.push(auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: WEB_SERVICE_ACCOUNT, userAgent: WEB_CLIENT, sourceIP: random.pick(['10.244.1.23', '10.244.2.17']), auditID: random.uuid(), time: at(hour, hour + 1) }));
  }
  if (!weekday) return events;
  const version = () => `1.${random.int(4, 9)}.${random.int(0, 20)}`;
  const imageBump = (app: string) => ({ spec: { template: { spec: { containers: [{ name: app, image: `contoso.azurecr.io/shop/${app}:${version()}` }] } } } });
  for (const [namespace, runs] of [['shop', 3], ['shop-staging', 5]] as const) {
    for (let run = 0; run < runs; run++) {
      const app = random.pick(['web', 'api', 'cart']);
      events.push(workloadPatchEvent('deployments', { namespace, name: app }, imageBump(app), { user: CI_DEPLOYER, userAgent: KUBECTL_LINUX, sourceIP: CI_POD_IP, auditID: random.uuid(), time: at(8, 18) }));
    }
    events.push(auditEvent({ verb: 'get', resource: 'secrets', namespace: 'ci', name: 'acr-pull', user: CI_RUNNER, userAgent: 'Go-http-client/2.0', sourceIP: '10.244.3.9', auditID: random.uuid(), time: at(8, 18) }));
  }
  const people: [string, string, string][] = [
    ['dana@contoso.com', 'shop-staging', '203.0.113.24'],
    ['dana@contoso.com', 'shop', '203.0.113.24'],
    ['lee@contoso.com', 'catalog', '203.0.113.58'],
    ['priya@contoso.com', 'payments', '203.0.113.91'],
  ];
  for (const [user, namespace, sourceIP] of people) {
    const app = random.pick(['web', 'api', 'worker']);
    const fields = { user, userAgent: KUBECTL_LINUX, sourceIP, auditID: random.uuid(), time: at(9, 17) };
    events.push(
      random.chance(0.2)
        ? workloadEvent('deployments', { containers: [container({ name: app, image: `contoso.azurecr.io/shop/${app}:${version()}` })] }, { namespace, name: app, ...fields })
        : workloadPatchEvent('deployments', { namespace, name: app }, imageBump(app), fields),
    );
  }
  if (random.chance(0.5)) events.push(auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-tls', userAgent: KUBECTL_MAC, auditID: random.uuid(), time: at(9, 17) }));
  return events;
}

export interface StatefulAttackOptions {
  /** When the cluster's learning started (the plan's switch-on): the timelines' learning weeks are moved there. */
  learningStartUtc: string;
  /** When the attacks start; one every `slotInMs`, in the order of `rules`. */
  attackDayStartUtc: string;
  slotInMs: number;
}

export interface StatefulAttack {
  rule: Rule;
  timeline: RuleTimeline;
  /** Alerts the timeline declares. */
  expectedAlerts: number;
  /** The timeline's events, re-timed: learning-week events keep their offset from the learning start, the attack moves to its slot. */
  events: TimelineEvent[];
  /** Audit ids of the attack's events (not of its learning week). */
  attackAuditIds: ReadonlySet<string>;
}

/**
 * One attack per stateful rule: the rule's first `alert` timeline. A timeline with a learning period keeps its learning
 * events at the same offset from the learning start (they join the benign week) and moves what follows the learning
 * period to the rule's slot of the attack day; a timeline without one moves whole. Spacing between events is kept.
 */
export function statefulAttacks(rules: readonly Rule[], options: StatefulAttackOptions): StatefulAttack[] {
  const learningStart = Date.parse(options.learningStartUtc);
  const attackDayStart = Date.parse(options.attackDayStartUtc);
  return rules.map((rule, index) => {
    const timeline = rule.timelines?.find((candidate) => candidate.expect === 'alert');
    if (timeline === undefined) throw new Error(`${rule.id} has no alert timeline`);
    const learningEnd = timeline.learningStart === undefined ? -Infinity : Date.parse(timeline.learningStart) + (timeline.learningPeriodInMs ?? 0);
    const learningShift = timeline.learningStart === undefined ? 0 : learningStart - Date.parse(timeline.learningStart);
    const attackPhase = timeline.events.filter((event) => timeOf(event) >= learningEnd);
    const attackShift = attackDayStart + index * options.slotInMs - Math.min(...attackPhase.map(timeOf));
    const events = timeline.events.map((event): TimelineEvent => {
      const attack = timeOf(event) >= learningEnd;
      return attack ? { event: shifted(event, attackShift), attackOf: rule.id } : { event: shifted(event, learningShift) };
    });
    return {
      rule,
      timeline,
      expectedAlerts: timeline.alerts ?? 1,
      events,
      attackAuditIds: new Set(attackPhase.map((event) => String(event['auditID']))),
    };
  });
}

export interface BatchingOptions {
  /** The cluster's upper-case resource id, written into every diagnostic record. */
  resourceId: string;
  seed?: number;
  /** Records per Event Hubs message (default 20 to 60). */
  recordsPerMessage?: { min: number; max: number };
  /** Messages per batch (default 1 to 3). */
  messagesPerBatch?: { min: number; max: number };
}

/** The events as one partition delivers them: in time order, in AKS diagnostic messages, in batches. */
export function singlePartitionBatches(events: readonly Json[], options: BatchingOptions): EventBatch[] {
  return batchesOfPartition('0', events, options, new SeededRandom(options.seed ?? 29));
}

/**
 * The events split across `partitions` partitions by a hash of the audit id (the two stages of one request land together),
 * each partition batched in its own time order, and the batches of all partitions delivered interleaved: by the newest
 * event of each batch plus a random delay of up to `maxDelayInMs` (never before the partition's previous batch), so
 * later events of one partition often arrive before earlier ones of another.
 */
export function partitionedBatches(events: readonly Json[], options: BatchingOptions & { partitions: number; maxDelayInMs: number }): EventBatch[] {
  const random = new SeededRandom(options.seed ?? 31);
  const byPartition: Json[][] = Array.from({ length: options.partitions }, () => []);
  for (const event of events) byPartition[partitionOf(String(event['auditID']), options.partitions)]?.push(event);
  const scheduled: { batch: EventBatch; deliverAt: number }[] = [];
  byPartition.forEach((partitionEvents, partition) => {
    let previous = -Infinity;
    for (const batch of batchesOfPartition(String(partition), partitionEvents, options, random)) {
      previous = Math.max(previous, newestOf(batch) + random.int(0, options.maxDelayInMs));
      scheduled.push({ batch, deliverAt: previous });
    }
  });
  // A stable sort: one partition's batches keep their order.
  return scheduled.sort((a, b) => a.deliverAt - b.deliverAt).map(({ batch }) => batch);
}

/** How many batches arrive holding events older than the newest event another partition already delivered. */
export function crossPartitionInversions(batches: readonly EventBatch[]): number {
  let inversions = 0;
  const newestDelivered = new Map<string, number>();
  for (const batch of batches) {
    const oldest = oldestOf(batch);
    if ([...newestDelivered].some(([partition, newest]) => partition !== batch.partitionId && newest > oldest)) inversions++;
    newestDelivered.set(batch.partitionId, newestOf(batch));
  }
  return inversions;
}

/** How much event time one diagnostic message and one batch of a partition span at most. */
const MESSAGE_SPAN_IN_MS = 60_000;
const BATCH_SPAN_IN_MS = 5 * 60_000;

function batchesOfPartition(partitionId: string, events: readonly Json[], options: BatchingOptions, random: SeededRandom): EventBatch[] {
  const perMessage = options.recordsPerMessage ?? { min: 20, max: 60 };
  const perBatch = options.messagesPerBatch ?? { min: 1, max: 3 };
  const messages: { body: unknown; newest: string }[] = [];
  for (let index = 0; index < events.length; ) {
    // A diagnostic message holds what the API server logged within about a minute, however few records that is.
    const first = timeOf(events[index] as Json);
    const wanted = events.slice(index, index + random.int(perMessage.min, perMessage.max));
    const cut = wanted.findIndex((event) => timeOf(event) > first + MESSAGE_SPAN_IN_MS);
    const slice = cut === -1 ? wanted : wanted.slice(0, cut);
    index += slice.length;
    messages.push({ body: aksMessage(slice.map((event) => diagnosticRecord(event, { resourceId: options.resourceId }))), newest: String(slice[slice.length - 1]?.['requestReceivedTimestamp']) });
  }
  const batches: EventBatch[] = [];
  let sequenceNumber = 0;
  for (let index = 0; index < messages.length; ) {
    // A batch is what the partition held when the function read it: minutes of traffic at most.
    const first = Date.parse(messages[index]?.newest ?? '');
    const wanted = messages.slice(index, index + random.int(perBatch.min, perBatch.max));
    const cut = wanted.findIndex((message) => Date.parse(message.newest) > first + BATCH_SPAN_IN_MS);
    const slice = cut === -1 ? wanted : wanted.slice(0, cut);
    index += slice.length;
    const enqueued = new Date(Date.parse(slice[slice.length - 1]?.newest ?? '') + 2_000).toISOString();
    batches.push(auditBatch(slice.map((message) => message.body), { partitionId, firstSequenceNumber: sequenceNumber, enqueuedTimeUtc: enqueued }));
    sequenceNumber += slice.length;
  }
  return batches;
}

function eventTimesOf(batch: EventBatch): number[] {
  return batch.messages.flatMap((message) => (message.body as { records: { properties: { log: string } }[] }).records.map((record) => timeOf(JSON.parse(record.properties.log) as Json)));
}

function newestOf(batch: EventBatch): number {
  return Math.max(...eventTimesOf(batch));
}

function oldestOf(batch: EventBatch): number {
  return Math.min(...eventTimesOf(batch));
}

function partitionOf(auditID: string, partitions: number): number {
  return createHash('sha256').update(auditID).digest().readUInt32BE(0) % partitions;
}

function timeOf(event: Json): number {
  return Date.parse(String(event['requestReceivedTimestamp']));
}

function byTime(a: Json, b: Json): number {
  return String(a['requestReceivedTimestamp']).localeCompare(String(b['requestReceivedTimestamp']));
}

/** The event received at `time` (ms), its stage timestamp as far behind as before. */
function retimed(event: Json, time: number): Json {
  return shifted(event, time - timeOf(event));
}

/** The event moved by `deltaInMs`, its timestamps keeping their microseconds. */
function shifted(event: Json, deltaInMs: number): Json {
  const shift = (value: unknown): string => {
    const text = String(value);
    const microseconds = /\.\d{3}(\d{3})Z$/.exec(text)?.[1] ?? '000';
    return `${new Date(Date.parse(text) + deltaInMs).toISOString().slice(0, -1)}${microseconds}Z`;
  };
  return { ...event, requestReceivedTimestamp: shift(event['requestReceivedTimestamp']), stageTimestamp: shift(event['stageTimestamp'] ?? event['requestReceivedTimestamp']) };
}

function isoWithMicroseconds(time: number, random: SeededRandom): string {
  return `${new Date(time).toISOString().slice(0, -1)}${String(random.int(0, 999)).padStart(3, '0')}Z`;
}
