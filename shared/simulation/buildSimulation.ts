import { createHash } from 'node:crypto';
import { type AuditRecord } from '../kubernetes/auditEvent';
import { decodeAuditInput } from '../kubernetes/decodeAuditInput';
import { type DetectionContext } from '../detection/detectionContext';
import { evaluateRules } from '../detection/evaluateRules';
import { type Rule } from '../detection/rule';
import { alertIdentityOf, SAMPLE_ALERT_PREFIX } from '../alerts/aggregateFindings';
import { packDiagnosticRecords } from '../messaging/packDiagnosticRecords';
import { simulatedClusterOf } from './simulatedCluster';
import { SIMULATION_ID_ANNOTATION, SIMULATION_SIGNATURE_ANNOTATION, signSimulatedEvent, simulatedEventContentOf } from './simulationSignature';

/**
 * The attack simulation's plan: the rules' own alerting examples as audit events of the subscription's
 * reserved simulated cluster, stamped with the given time and signed, packed as the Event Hubs messages the
 * audit hub carries, plus the alerts the pipeline must raise from them. The prediction decodes the packed
 * messages and runs the rules exactly as ingestion will, so it sees what ingestion sees. Pure: the time and
 * the signing key are parameters.
 */

export interface SimulationRequest {
  subscriptionId: string;
  /** Names the simulation: in every event's annotations, and the seed of the events' audit ids. */
  simulationId: string;
  /** The alert types to simulate; default every alert type with an alerting example. Case-sensitive. */
  alertTypes?: readonly string[];
  /** The events' time: the first event is at `now`, each next one a microsecond later. */
  now: Date;
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
}

export interface SimulationPlan {
  /** Event Hubs message bodies in the AKS diagnostic shape (`{"records":[...]}`), ready to publish. */
  messages: string[];
  /** Events in the messages. */
  eventCount: number;
  /** Sorted by alert type, then alert id. */
  expected: ExpectedAlert[];
}

export type SimulationBuild = { kind: 'built'; plan: SimulationPlan } | { kind: 'unknown-alert-types'; alertTypes: string[] };

/** The alert types a simulation can raise: those of rules with at least one alerting example, sorted. */
export function simulatedAlertTypes(rules: readonly Rule[]): string[] {
  const types = new Set(rules.filter((rule) => alertingExamplesOf(rule).length > 0).map((rule) => rule.alertType));
  return [...types].sort(compareText);
}

export function buildSimulation(request: SimulationRequest): SimulationBuild {
  if (Number.isNaN(request.now.getTime())) throw new RangeError('buildSimulation: now is not a valid time.');
  const available = new Set(simulatedAlertTypes(request.rules));
  const requested = new Set(request.alertTypes ?? available);
  const unknown = [...requested].filter((alertType) => !available.has(alertType)).sort(compareText);
  if (unknown.length > 0) return { kind: 'unknown-alert-types', alertTypes: unknown };

  const cluster = simulatedClusterOf(request.subscriptionId);
  const events: Record<string, unknown>[] = [];
  for (const rule of request.rules) {
    if (!requested.has(rule.alertType)) continue;
    alertingExamplesOf(rule).forEach((example, index) => {
      const auditID = simulatedAuditId(request.simulationId, rule.id, index);
      const time = microsecondsAfter(request.now, events.length);
      const signature = signSimulatedEvent(request.signingKey, {
        simulationId: request.simulationId,
        auditID,
        clusterResourceId: cluster.resourceId,
        requestReceivedTimestamp: time,
        content: simulatedEventContentOf(example),
      });
      events.push({
        ...example,
        auditID,
        requestReceivedTimestamp: time,
        stageTimestamp: time,
        annotations: {
          ...annotationsOf(example),
          [SIMULATION_ID_ANNOTATION]: request.simulationId,
          [SIMULATION_SIGNATURE_ANNOTATION]: signature,
        },
      });
    });
  }

  const packed = packDiagnosticRecords(events, { resourceId: cluster.resourceId, nowUtc: request.now.toISOString() });
  const records = decodedRecordsOf(packed.messages);
  return {
    kind: 'built',
    plan: { messages: packed.messages, eventCount: packed.accepted, expected: expectedAlertsOf(records, request) },
  };
}

/**
 * The rule's alerting examples that alert under any deployment's lists. An example that names list
 * overrides (a policy rule's: trusted registries, disallowed users, ...) breaks a policy the deployment
 * may not have, or has otherwise: it is not simulated.
 */
function alertingExamplesOf(rule: Rule): Record<string, unknown>[] {
  return rule.examples.filter((example) => example.expect === 'alert' && example.lists === undefined).map((example) => example.event);
}

/** What ingestion will decode from the messages; a record it would skip is a defect of the examples or of the build. */
function decodedRecordsOf(messages: readonly string[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const message of messages) {
    const decoded = decodeAuditInput(message, { startIndex: records.length });
    const [skipped] = decoded.skipped;
    if (skipped !== undefined) {
      throw new Error(`buildSimulation: a simulated event would not be ingested (${skipped.reason}: ${skipped.detail}).`);
    }
    records.push(...decoded.records);
  }
  return records;
}

function expectedAlertsOf(records: readonly AuditRecord[], request: SimulationRequest): ExpectedAlert[] {
  const { findings } = evaluateRules(records, { rules: request.rules, context: request.detectionContext });
  const alerts = new Map<string, ExpectedAlert>();
  for (const finding of findings) {
    const alertId = alertIdentityOf(finding, request.aggregationWindowInMs).id;
    const alert = alerts.get(alertId);
    if (alert !== undefined) {
      alert.occurrences++;
      continue;
    }
    const { rule } = finding;
    alerts.set(alertId, { alertId, alertType: rule.alertType, ruleId: rule.id, alertDisplayName: `${SAMPLE_ALERT_PREFIX}${rule.displayName}`, occurrences: 1 });
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
 * A UUID-shaped audit id (version 8: name-based, custom) from the simulation, the rule and the example, so that
 * re-building a simulation gives the same ids and two simulations never share one.
 */
function simulatedAuditId(simulationId: string, ruleId: string, exampleIndex: number): string {
  const hex = createHash('sha256').update(JSON.stringify(['argus-simulation-audit-id', simulationId, ruleId, exampleIndex]), 'utf8').digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** RFC 3339 with microseconds, as the API server writes it: `now` plus `offset` microseconds. */
function microsecondsAfter(now: Date, offset: number): string {
  const micros = now.getTime() * 1000 + offset;
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
