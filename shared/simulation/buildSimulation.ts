import { createHash } from 'node:crypto';
import { type ClusterIdentity } from '../kubernetes/auditEvent';
import { decodeAuditInput } from '../kubernetes/decodeAuditInput';
import { type DetectionContext } from '../detection/detectionContext';
import { type DetectionRecord } from '../detection/detectionRecord';
import { evaluateRules } from '../detection/evaluateRules';
import { type Rule } from '../detection/rule';
import { applyStatefulRules } from '../detection/stateful/applyStatefulRules';
import { inMemoryStateOf } from '../detection/stateful/detectionState';
import { type RuleTimeline } from '../detection/stateful/statefulLogic';
import { alertIdentityOf, SAMPLE_ALERT_PREFIX } from '../alerts/aggregateFindings';
import { packDiagnosticRecords } from '../messaging/packDiagnosticRecords';
import { packNodeEvents } from '../messaging/packNodeEvents';
import { CLUSTER_RESOURCE_ID_KEY } from '../node/nodeClusterIdentity';
import { decodeNodeInput } from '../node/decodeNodeInput';
import { normalizeNodeEvent } from '../node/normalizeNodeEvent';
import { simulatedClusterOf } from './simulatedCluster';
import { simulatedStatefulCandidates, timelineSimulationId } from './simulatedStatefulCandidates';
import {
  NODE_SIMULATION_ID_FIELD,
  NODE_SIMULATION_SIGNATURE_FIELD,
  SIMULATION_ID_ANNOTATION,
  SIMULATION_SIGNATURE_ANNOTATION,
  signSimulatedEvent,
  simulatedEventContentOf,
  simulatedNodeContentOf,
} from './simulationSignature';

/**
 * The attack simulation's plan: the rules' own alerting examples as events of the subscription's reserved
 * simulated cluster, stamped with the given time and signed, packed as the Event Hubs messages each hub
 * carries (audit events as AKS diagnostic records for the audit hub; node events, Tetragon's and Falco's, as
 * NDJSON for the node-events hub), plus the alerts the pipeline must raise from them. The prediction decodes
 * the packed messages and runs the rules exactly as ingestion will, so it sees what ingestion sees. Pure: the
 * time and the signing key are parameters.
 *
 * Stateful rules (bursts, sequences) have no alerting single event: their first alerting timeline is sent instead, its
 * events re-timed to end TIMELINE_LEAD_IN_MS before `now` with their spacing kept, and the prediction runs the
 * stateful pass over them as ingestion will (only a timeline's own events feed its rule, keyed to the run: see simulatedStatefulCandidates). First-seen rules need
 * a learning period and cannot be proven by one run: they are listed as not simulated.
 */

/** How long before `now` a stateful rule's timeline ends (its events are in the past, as a cluster's would be). */
export const TIMELINE_LEAD_IN_MS = 5_000;

export interface SimulationRequest {
  subscriptionId: string;
  /** Names the simulation: in every event (annotations, node events' top level), and the seed of the events' ids. */
  simulationId: string;
  /** The alert types to simulate; default every alert type with an alerting example. Case-sensitive. */
  alertTypes?: readonly string[];
  /**
   * The events' time: the first example event is at `now`, each next one a microsecond later; stateful rules'
   * timelines end TIMELINE_LEAD_IN_MS before it.
   */
  now: Date;
  /** When the subscription's plan was switched on: a timeline that would start before it is not simulated (ingestion would gate its first events). */
  coveredSince?: Date;
  rules: readonly Rule[];
  detectionContext: DetectionContext;
  /** The pipeline's aggregation window: the expected alert ids depend on it. */
  aggregationWindowInMs: number;
  signingKey: Uint8Array;
}

/** One alert the simulated events must raise. */
export interface ExpectedAlert {
  alertId: string;
  alertType: string;
  ruleId: string;
  alertDisplayName: string;
  /** How many findings fold into the alert. */
  occurrences: number;
  /** The alert's aggregation window (a stateful rule's alert may fall in the window before `now`'s); absent in runs stored before it was kept. */
  windowStartUtc?: string;
}

/** A rule of the requested alert types that the build could not simulate, and why. */
export interface NotSimulatedRule {
  ruleId: string;
  alertType: string;
  reason: string;
}

export interface SimulationPlan {
  /** Audit hub message bodies in the AKS diagnostic shape (`{"records":[...]}`), ready to publish. */
  auditMessages: string[];
  /** Node-events hub message bodies: NDJSON of raw Tetragon events and Falco alerts, ready to publish. */
  nodeMessages: string[];
  /** Events in the messages of both hubs. */
  eventCount: number;
  /** Sorted by alert type, then alert id. */
  expected: ExpectedAlert[];
  /** Requested rules the run cannot prove (first-seen rules; timelines that would start before the plan), sorted by rule id. */
  notSimulated: NotSimulatedRule[];
}

export type SimulationBuild = { kind: 'built'; plan: SimulationPlan } | { kind: 'unknown-alert-types'; alertTypes: string[] };

/** The alert types a simulation can raise: those of rules with at least one alerting example or a timeline a run can replay, sorted. */
export function simulatedAlertTypes(rules: readonly Rule[]): string[] {
  const types = new Set(rules.filter((rule) => alertingExamplesOf(rule).length > 0 || simulatedTimelineOf(rule).kind === 'timeline').map((rule) => rule.alertType));
  return [...types].sort(compareText);
}

export function buildSimulation(request: SimulationRequest): SimulationBuild {
  if (Number.isNaN(request.now.getTime())) throw new RangeError('buildSimulation: now is not a valid time.');
  const available = new Set(simulatedAlertTypes(request.rules));
  const requested = new Set(request.alertTypes ?? available);
  const unknown = [...requested].filter((alertType) => !available.has(alertType)).sort(compareText);
  if (unknown.length > 0) return { kind: 'unknown-alert-types', alertTypes: unknown };

  const cluster = simulatedClusterOf(request.subscriptionId);
  const auditEvents: Record<string, unknown>[] = [];
  const nodeEvents: Record<string, unknown>[] = [];
  // One clock for both signals: every event has its own time, in the order of the rules.
  let offset = 0;
  const nowInMicros = request.now.getTime() * 1000;
  const timelines: { rule: Rule; timeline: RuleTimeline; index: number }[] = [];
  const notSimulated: NotSimulatedRule[] = [];
  for (const rule of request.rules) {
    const selected = simulatedTimelineOf(rule);
    // A rule no run can prove is listed when the whole library was asked for (asked for by type, it is unknown).
    if (selected.kind === 'not-simulated' && request.alertTypes === undefined) notSimulated.push({ ruleId: rule.id, alertType: rule.alertType, reason: selected.reason });
    if (!requested.has(rule.alertType)) continue;
    alertingExamplesOf(rule).forEach((example, index) => {
      const stamp: EventStamp = { request, simulationId: request.simulationId, cluster, eventUuid: simulatedEventUuid(request.simulationId, rule.id, index), atInMicros: nowInMicros + offset++ };
      if (rule.source === 'node') nodeEvents.push(simulatedNodeEvent(example, stamp));
      else auditEvents.push(simulatedAuditEvent(example, stamp));
    });
    if (selected.kind === 'timeline') timelines.push({ rule, ...selected });
  }
  // The timelines after the examples, each ending a little before now: every run replays them at its own time.
  const endInMicros = nowInMicros - TIMELINE_LEAD_IN_MS * 1000;
  for (const { rule, timeline, index } of timelines) {
    const times = timeline.events.map((event) => originalTimeInMicros(rule, event));
    const lastInMicros = Math.max(...times);
    const startInMicros = endInMicros - (lastInMicros - Math.min(...times));
    if (request.coveredSince !== undefined && startInMicros < request.coveredSince.getTime() * 1000) {
      notSimulated.push({ ruleId: rule.id, alertType: rule.alertType, reason: `its timeline "${timeline.name}" would start before the plan was switched on` });
      continue;
    }
    timeline.events.forEach((event, position) => {
      const eventUuid = simulatedEventUuid(request.simulationId, rule.id, `timeline ${index} event ${position}`);
      const stamp: EventStamp = { request, simulationId: timelineSimulationId(request.simulationId, rule.id), cluster, eventUuid, atInMicros: endInMicros - (lastInMicros - (times[position] as number)) };
      if (rule.source === 'node') nodeEvents.push(simulatedNodeEvent(event, stamp));
      else auditEvents.push(simulatedAuditEvent(event, stamp));
    });
  }

  const packed = packDiagnosticRecords(auditEvents, { resourceId: cluster.resourceId, nowUtc: request.now.toISOString() });
  const packedNode = packNodeEvents(nodeEvents, { resourceId: cluster.resourceId });
  if (packedNode.tooLarge > 0) throw new Error(`buildSimulation: ${packedNode.tooLarge} node examples are too large for a message.`);
  const records = [...decodedAuditRecordsOf(packed.messages), ...decodedNodeRecordsOf(packedNode.messages)];
  return {
    kind: 'built',
    plan: {
      auditMessages: packed.messages,
      nodeMessages: packedNode.messages,
      eventCount: packed.accepted + packedNode.accepted,
      expected: expectedAlertsOf(records, request),
      notSimulated: notSimulated.sort((a, b) => compareText(a.ruleId, b.ruleId)),
    },
  };
}

/** What makes one simulated event its own: the simulation, the example's own id, its place on the clock. */
interface EventStamp {
  request: SimulationRequest;
  /** The simulation id the event is signed with: the run's, or for a stateful rule's timeline the run's and the rule's. */
  simulationId: string;
  cluster: ClusterIdentity;
  /** A UUID unique to the simulation, rule and example: the audit id, or a Falco alert's `uuid`. */
  eventUuid: string;
  /** The event's time, in microseconds since the epoch. */
  atInMicros: number;
}

/** An audit example with its own audit id and time, the simulation's annotations beside its own. */
function simulatedAuditEvent(example: Record<string, unknown>, { request, simulationId, cluster, eventUuid, atInMicros }: EventStamp): Record<string, unknown> {
  const time = timeOf(atInMicros, 6);
  const signature = signSimulatedEvent(request.signingKey, {
    simulationId,
    eventId: eventUuid,
    clusterResourceId: cluster.resourceId,
    time,
    content: simulatedEventContentOf(example),
  });
  return {
    ...example,
    auditID: eventUuid,
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: {
      ...annotationsOf(example),
      [SIMULATION_ID_ANNOTATION]: simulationId,
      [SIMULATION_SIGNATURE_ANNOTATION]: signature,
    },
  };
}

/**
 * A node example (a Tetragon event, a Falco alert) of the simulated cluster at its own time (a Falco alert
 * with its own `uuid` too), with the simulation's id and signature at the top level. The signed id, time and
 * content are read from the stamped event normalized as ingestion will, so both sides see the same thing.
 */
function simulatedNodeEvent(example: Record<string, unknown>, { request, simulationId, cluster, eventUuid, atInMicros }: EventStamp): Record<string, unknown> {
  const stamped: Record<string, unknown> = {
    ...example,
    ...(isFalcoAlert(example) ? { uuid: eventUuid } : {}),
    [CLUSTER_RESOURCE_ID_KEY]: cluster.resourceId,
    time: timeOf(atInMicros, 9),
  };
  const normalized = normalizeNodeEvent(stamped);
  if (!normalized.ok) throw new Error(`buildSimulation: a node example would not be ingested (${normalized.reason}: ${normalized.detail}).`);
  const { event } = normalized;
  const signature = signSimulatedEvent(request.signingKey, {
    simulationId,
    eventId: event.id,
    clusterResourceId: cluster.resourceId,
    time: event.time,
    content: simulatedNodeContentOf(event),
  });
  return { ...stamped, [NODE_SIMULATION_ID_FIELD]: simulationId, [NODE_SIMULATION_SIGNATURE_FIELD]: signature };
}

/** falcosidekick's alert names its Falco rule at the top level; a Tetragon `GetEventsResponse` never has one. */
function isFalcoAlert(event: Record<string, unknown>): boolean {
  return typeof event['rule'] === 'string';
}

/**
 * The rule's alerting examples that alert under any deployment's lists. An example that names list
 * overrides (a policy rule's: trusted registries, disallowed users, ...) breaks a policy the deployment
 * may not have, or has otherwise: it is not simulated.
 */
function alertingExamplesOf(rule: Rule): Record<string, unknown>[] {
  return rule.examples.filter((example) => example.expect === 'alert' && example.lists === undefined).map((example) => example.event);
}

/**
 * The timeline a run replays for a stateful rule: its first alerting one, if it needs no learning period (a burst, a
 * sequence); a first-seen rule's needs one, which no run can wait for. Rules without timelines are not stateful.
 */
function simulatedTimelineOf(rule: Rule): { kind: 'timeline'; timeline: RuleTimeline; index: number } | { kind: 'not-simulated'; reason: string } | { kind: 'none' } {
  if (rule.stateful === undefined) return { kind: 'none' };
  const timelines = rule.timelines ?? [];
  const index = timelines.findIndex((timeline) => timeline.expect === 'alert');
  const timeline = timelines[index];
  if (timeline === undefined) return { kind: 'not-simulated', reason: 'it has no alerting timeline' };
  if ((timeline.learningPeriodInMs ?? 0) > 0) return { kind: 'not-simulated', reason: 'a first-seen rule needs a learning period, which one run cannot prove' };
  return { kind: 'timeline', timeline, index };
}

/** A timeline event's own time in microseconds, as ingestion will read it (the audit event's received time, the node event's normalized time). */
function originalTimeInMicros(rule: Rule, event: Record<string, unknown>): number {
  let time: unknown = event['requestReceivedTimestamp'];
  if (rule.source === 'node') {
    const normalized = normalizeNodeEvent(event);
    if (!normalized.ok) throw new Error(`buildSimulation: a timeline event of ${rule.id} would not be ingested (${normalized.reason}: ${normalized.detail}).`);
    time = normalized.event.time;
  }
  const micros = typeof time === 'string' ? microsOf(time) : NaN;
  if (Number.isNaN(micros)) throw new Error(`buildSimulation: a timeline event of ${rule.id} has no time.`);
  return micros;
}

/** RFC 3339 to microseconds since the epoch, keeping the fraction's first six digits. */
function microsOf(time: string): number {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (match === null) return NaN;
  const seconds = Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`);
  return seconds * 1000 + Number((match[2] ?? '').slice(0, 6).padEnd(6, '0'));
}

/** What ingestion will decode from the audit messages; a record it would skip is a defect of the examples or of the build. */
function decodedAuditRecordsOf(messages: readonly string[]): DetectionRecord[] {
  const records: DetectionRecord[] = [];
  for (const message of messages) {
    const decoded = decodeAuditInput(message, { startIndex: records.length });
    failOnSkipped(decoded.skipped);
    records.push(...decoded.records);
  }
  return records;
}

/** What ingestion will decode from the node messages, likewise. */
function decodedNodeRecordsOf(messages: readonly string[]): DetectionRecord[] {
  const records: DetectionRecord[] = [];
  for (const message of messages) {
    const decoded = decodeNodeInput(message, { startIndex: records.length });
    failOnSkipped(decoded.skipped);
    records.push(...decoded.records);
  }
  return records;
}

function failOnSkipped(skipped: readonly { reason: string; detail: string }[]): void {
  const [first] = skipped;
  if (first !== undefined) throw new Error(`buildSimulation: a simulated event would not be ingested (${first.reason}: ${first.detail}).`);
}

function expectedAlertsOf(records: readonly DetectionRecord[], request: SimulationRequest): ExpectedAlert[] {
  const evaluation = evaluateRules(records, { rules: request.rules, context: request.detectionContext });
  // The stateful pass as ingestion runs it over the run's events: from empty state, each timeline feeding its own rule, keyed to the run.
  const stateful = applyStatefulRules(simulatedStatefulCandidates(evaluation.candidates, () => true), { stateOf: inMemoryStateOf(), learningPeriodInMs: 0 });
  const alerts = new Map<string, ExpectedAlert>();
  for (const finding of [...evaluation.findings, ...stateful.findings]) {
    const { id: alertId, windowStartUtc } = alertIdentityOf(finding, request.aggregationWindowInMs);
    const alert = alerts.get(alertId);
    if (alert !== undefined) {
      alert.occurrences++;
      continue;
    }
    // The finding's type and name: a rule may raise another type for a particular event (alertTypeFor).
    alerts.set(alertId, { alertId, alertType: finding.alertType, ruleId: finding.rule.id, alertDisplayName: `${SAMPLE_ALERT_PREFIX}${finding.displayName}`, occurrences: 1, windowStartUtc });
  }
  return [...alerts.values()].sort((a, b) => compareText(a.alertType, b.alertType) || compareText(a.alertId, b.alertId));
}

/** The example's own annotations (authorization decision and reason, ...), string values only as the decoder keeps them. */
function annotationsOf(event: Record<string, unknown>): Record<string, string> {
  const annotations = event.annotations;
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) return {};
  return Object.fromEntries(Object.entries(annotations).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * A UUID-shaped id (version 8: name-based, custom) from the simulation, the rule and the example, so that
 * re-building a simulation gives the same ids and two simulations never share one.
 */
function simulatedEventUuid(simulationId: string, ruleId: string, exampleIndex: number | string): string {
  const hex = createHash('sha256').update(JSON.stringify(['argus-simulation-audit-id', simulationId, ruleId, exampleIndex]), 'utf8').digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * RFC 3339 in UTC of a time in microseconds, with the fraction as the source writes it: microseconds
 * (6 digits) as the API server does, nanoseconds (9 digits) as Tetragon and Falco do.
 */
function timeOf(micros: number, fractionDigits: 6 | 9): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros - seconds * 1_000_000).padStart(6, '0').padEnd(fractionDigits, '0');
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
