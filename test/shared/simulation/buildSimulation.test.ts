import { type AuditRecord } from '../../../shared/kubernetes/auditEvent';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { type DetectionRecord } from '../../../shared/detection/detectionRecord';
import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { type Rule } from '../../../shared/detection/rule';
import { allRules, auditRules } from '../../../shared/detection/rules';
import { aggregateFindings } from '../../../shared/alerts/aggregateFindings';
import { decodeNodeInput } from '../../../shared/node/decodeNodeInput';
import { type NodeRecord } from '../../../shared/node/nodeEvent';
import { buildSimulation, type SimulationPlan, type SimulationRequest, simulatedAlertTypes, TIMELINE_LEAD_IN_MS } from '../../../shared/simulation/buildSimulation';
import { isReservedSimulationCluster, simulatedClusterOf } from '../../../shared/simulation/simulatedCluster';
import { SIMULATION_ID_ANNOTATION, verifySimulatedRecord } from '../../../shared/simulation/simulationSignature';
import { webShell, withNodeRule } from './simulationTestRules';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const NOW = new Date('2026-11-02T10:20:00.000Z');
const WINDOW_IN_MS = 60 * 60 * 1000;
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) % 256);
const context = createDetectionContext();

function request(overrides: Partial<SimulationRequest> = {}): SimulationRequest {
  return {
    subscriptionId: SUB,
    simulationId: 'sim-a',
    now: NOW,
    rules: allRules,
    detectionContext: context,
    aggregationWindowInMs: WINDOW_IN_MS,
    signingKey: KEY,
    ...overrides,
  };
}

function planOf(overrides: Partial<SimulationRequest> = {}): SimulationPlan {
  const build = buildSimulation(request(overrides));
  if (build.kind !== 'built') throw new Error(`not built: ${JSON.stringify(build)}`);
  return build.plan;
}

/** The example events of a plan (at or after now); its stateful rules' timelines end before now. */
function decoded(plan: SimulationPlan): AuditRecord[] {
  return decodedAll(plan).filter((record) => Date.parse(record.event.requestReceivedTimestamp) >= NOW.getTime());
}

function decodedAll(plan: SimulationPlan): AuditRecord[] {
  return plan.auditMessages.flatMap((message) => {
    const { records, skipped } = decodeAuditInput(message);
    expect(skipped).toEqual([]);
    return records;
  });
}

function decodedNode(plan: SimulationPlan): NodeRecord[] {
  return decodedNodeAll(plan).filter((record) => Date.parse(record.event.time) >= NOW.getTime());
}

function decodedNodeAll(plan: SimulationPlan): NodeRecord[] {
  return plan.nodeMessages.flatMap((message) => {
    const { records, skipped } = decodeNodeInput(message);
    expect(skipped).toEqual([]);
    return records;
  });
}


/** The examples the simulation can send: alerting ones that need no policy of the deployment's. */
function alertingExamples(rule: Rule): Record<string, unknown>[] {
  return rule.examples.filter((example) => example.expect === 'alert' && example.lists === undefined).map((example) => example.event);
}

/** Stateful rules a run replays: their first alerting timeline needs no learning period (bursts, sequences). */
const replayed = allRules.filter((rule) => rule.stateful !== undefined && rule.stateful.kind !== 'firstSeen');
const timelineEventCount = (rules: readonly Rule[]): number =>
  rules.filter((rule) => replayed.includes(rule)).reduce((sum, rule) => sum + (rule.timelines?.find((timeline) => timeline.expect === 'alert')?.events.length ?? 0), 0);

const fullPlan = planOf();
const fullRecords = decoded(fullPlan);
const fullNodeRecords = decodedNode(fullPlan);

describe('simulatedAlertTypes', () => {
  it('when the library is asked for, then it lists each alert type with an alerting example once, sorted', () => {
    const types = simulatedAlertTypes(allRules);
    expect(types).toEqual([...new Set(allRules.filter((rule) => alertingExamples(rule).length > 0 || replayed.includes(rule)).map((rule) => rule.alertType))].sort());
    expect(types).toContain('K8S_SecretGetBurst');
    expect(types).toContain('K8S_PrivilegedContainer');
  });

  it('when a rule has only non-alerting examples, then its alert type is not listed', () => {
    const [first, second] = allRules as [Rule, Rule];
    const quiet: Rule = { ...second, examples: second.examples.filter((example) => example.expect === 'none') };
    expect(simulatedAlertTypes([first, quiet])).toEqual([first.alertType]);
  });

  it("when a rule's alerting examples all need list overrides (a policy the deployment may not have), then its alert type is not listed", () => {
    const [first, second] = allRules as [Rule, Rule];
    const policy: Rule = {
      ...second,
      examples: second.examples.map((example) => (example.expect === 'alert' ? { ...example, lists: { disallowedUsers: ['dana@contoso.com'] } } : example)),
    };
    expect(simulatedAlertTypes([first, policy])).toEqual([first.alertType]);
    expect(simulatedAlertTypes([first, second]).sort()).toEqual([first.alertType, second.alertType].sort());
  });
});

describe('buildSimulation', () => {
  it('when every alert type is built, then every rule of every simulated alert type has its alerts among the expected ones', () => {
    const types = new Set(simulatedAlertTypes(allRules));
    const expectedRules = new Set(fullPlan.expected.map((alert) => alert.ruleId));
    const simulatedRules = allRules.filter((rule) => types.has(rule.alertType) && alertingExamples(rule).length > 0).map((rule) => rule.id);
    expect(simulatedRules.length).toBeGreaterThan(0);
    expect(simulatedRules.filter((ruleId) => !expectedRules.has(ruleId))).toEqual([]);
    expect(fullPlan.expected.every((alert) => alert.occurrences >= 1)).toBe(true);
  });

  it('when every alert type is built, then there is one event per alerting example and each raises the rule it was taken from', () => {
    const bySignal = (source: Rule['source']): Rule[] => allRules.filter((rule) => rule.source === source).flatMap((rule) => alertingExamples(rule).map(() => rule));
    const examples = [...bySignal('audit'), ...bySignal('node')];
    const records: DetectionRecord[] = [...fullRecords, ...fullNodeRecords];
    expect(fullPlan.eventCount).toBe(examples.length + timelineEventCount(allRules));
    expect(records).toHaveLength(examples.length);
    const { findings, failures } = evaluateRules(records, { rules: allRules, context });
    expect(failures).toEqual([]);
    const silent = records
      .map((record, index) => ({ record, rule: examples[index] as Rule }))
      .filter(({ record, rule }) => !findings.some((finding) => finding.record === record && finding.rule.id === rule.id))
      .map(({ rule }) => rule.id);
    expect(silent).toEqual([]);
  });

  it('when the plan is built, then every decoded record belongs to the reserved cluster of the subscription and verifies with the key', () => {
    expect(fullRecords.length).toBeGreaterThan(0);
    for (const record of fullRecords) {
      expect(record.cluster).toEqual(simulatedClusterOf(SUB));
      expect(isReservedSimulationCluster(record.cluster)).toBe(true);
      expect(record.event.annotations[SIMULATION_ID_ANNOTATION]).toBe('sim-a');
      expect(verifySimulatedRecord(KEY, record)).toBe(true);
    }
  });

  it("when the plan is built, then the examples' own annotations are kept beside the simulation's", () => {
    const examples = auditRules.flatMap(alertingExamples);
    expect(fullRecords).toHaveLength(examples.length);
    fullRecords.forEach((record, index) => {
      const own = (examples[index]?.annotations ?? {}) as Record<string, string>;
      expect(record.event.annotations).toEqual(expect.objectContaining(own));
    });
    expect(fullRecords.some((record) => record.event.annotations['authorization.k8s.io/decision'] === 'allow')).toBe(true);
  });

  it('when the plan is built, then timestamps are microsecond RFC 3339 times at or after now, strictly increasing in order', () => {
    const times = fullRecords.map((record) => record.event.requestReceivedTimestamp);
    for (const [index, record] of fullRecords.entries()) {
      expect(record.event.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(record.event.stageTimestamp).toBe(record.event.requestReceivedTimestamp);
      expect(Date.parse(record.event.requestReceivedTimestamp)).toBeGreaterThanOrEqual(NOW.getTime());
      if (index > 0) expect(record.event.requestReceivedTimestamp > (times[index - 1] as string)).toBe(true);
    }
    expect(times[0]).toBe('2026-11-02T10:20:00.000000Z');
    expect(times[1]).toBe('2026-11-02T10:20:00.000001Z');
  });

  it('when more than a thousand microseconds are needed, then the time carries into the next millisecond', () => {
    const many = Array.from({ length: 11 }, () => auditRules).flat();
    const times = decoded(planOf({ rules: many })).map((record) => record.event.requestReceivedTimestamp);
    expect(times.length).toBeGreaterThan(1000);
    expect(times[1000]).toBe('2026-11-02T10:20:00.001000Z');
    expect(new Set(times).size).toBe(times.length);
  });

  it('when the plan is built, then audit ids are unique and UUID-shaped', () => {
    const ids = fullRecords.map((record) => record.event.auditID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('when the plan is built, then each message body is an AKS diagnostic message under 1 MiB', () => {
    expect(fullPlan.auditMessages.length).toBeGreaterThan(0);
    for (const message of fullPlan.auditMessages) {
      expect(Buffer.byteLength(message, 'utf8')).toBeLessThan(1024 * 1024);
      const body = JSON.parse(message) as { records: { category: string; resourceId: string; properties: { log: string } }[] };
      expect(body.records.every((record) => record.category === 'kube-audit' && record.resourceId === simulatedClusterOf(SUB).resourceId)).toBe(true);
    }
  });

  it('when two simulations are built at the same time, then their audit ids differ but they expect the same alerts', () => {
    const other = planOf({ simulationId: 'sim-b' });
    const otherIds = new Set(decoded(other).map((record) => record.event.auditID));
    expect(fullRecords.some((record) => otherIds.has(record.event.auditID))).toBe(false);
    expect(other.expected).toEqual(fullPlan.expected);
  });

  it('when the same simulation is built twice, then the messages are identical', () => {
    const again = planOf();
    expect(again.auditMessages).toEqual(fullPlan.auditMessages);
    expect(again.nodeMessages).toEqual(fullPlan.nodeMessages);
  });

  it('when the plan is built, then expected alerts are sorted by alert type, then alert id', () => {
    const keys = fullPlan.expected.map((alert) => [alert.alertType, alert.alertId] as const);
    const sorted = [...keys].sort(([typeA, idA], [typeB, idB]) => (typeA < typeB ? -1 : typeA > typeB ? 1 : idA < idB ? -1 : idA > idB ? 1 : 0));
    expect(keys).toEqual(sorted);
    expect(new Set(fullPlan.expected.map((alert) => alert.alertId)).size).toBe(fullPlan.expected.length);
  });

  it('when the expected alerts are compared with what aggregateFindings makes of the findings, then ids, rules, sample-alert names and counts agree', () => {
    const { findings } = evaluateRules([...decodedAll(fullPlan), ...decodedNodeAll(fullPlan)], { rules: allRules, context });
    const alerts = aggregateFindings(findings, { windowInMs: WINDOW_IN_MS, now: NOW, isSimulated: true });
    const fromAggregation = alerts
      .map((alert) => ({ alertId: alert.id, alertType: alert.alertType, ruleId: alert.ruleId, alertDisplayName: alert.alertDisplayName, occurrences: alert.count }))
      .sort((a, b) => (a.alertId < b.alertId ? -1 : 1));
    // The stateful rules' alerts come from the stateful pass (see the stateful describe below).
    const stateless = fullPlan.expected.filter((alert) => !replayed.some((rule) => rule.id === alert.ruleId)).map(({ windowStartUtc: _window, ...alert }) => alert);
    expect(stateless.sort((a, b) => (a.alertId < b.alertId ? -1 : 1))).toEqual(fromAggregation);
  });

  it('when the aggregation window differs, then the expected alert ids differ', () => {
    const other = planOf({ aggregationWindowInMs: 15 * 60 * 1000 });
    const ids = new Set(fullPlan.expected.map((alert) => alert.alertId));
    // Alerts of timeline events hours before now fall in windows that start at the same hour either way.
    const recent = other.expected.filter((alert) => alert.windowStartUtc === '2026-11-02T10:15:00.000Z');
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.some((alert) => ids.has(alert.alertId))).toBe(false);
  });

  it("when only K8S_PrivilegedContainer is asked for, then only that rule's alerting examples are built, and its alert is expected", () => {
    const rule = allRules.find((candidate) => candidate.alertType === 'K8S_PrivilegedContainer') as Rule;
    const plan = planOf({ alertTypes: ['K8S_PrivilegedContainer'] });
    const examples = alertingExamples(rule);
    const records = decoded(plan);
    expect(plan.eventCount).toBe(examples.length);
    expect(plan.nodeMessages).toEqual([]);
    expect(records.map((record) => record.event.requestObject)).toEqual(examples.map((example) => example.requestObject));
    expect(plan.expected.some((alert) => alert.alertType === 'K8S_PrivilegedContainer' && alert.ruleId === rule.id)).toBe(true);
    expect(plan.expected.length).toBeLessThan(fullPlan.expected.length);
  });

  it('when an unknown alert type is asked for, then the build reports the unknown ones and sends nothing', () => {
    expect(buildSimulation(request({ alertTypes: ['K8S_PrivilegedContainer', 'K8S_NoSuchThing', 'k8s_privilegedcontainer'] }))).toEqual({
      kind: 'unknown-alert-types',
      alertTypes: ['K8S_NoSuchThing', 'k8s_privilegedcontainer'],
    });
  });

  it('when now is not a valid time, then the build throws', () => {
    expect(() => buildSimulation(request({ now: new Date(Number.NaN) }))).toThrow(RangeError);
  });
});

describe('buildSimulation (node events)', () => {
  const plan = planOf({ rules: withNodeRule });
  const nodeRecords = decodedNode(plan);
  const nodeExamples = alertingExamples(webShell);

  it('when a node rule has alerting examples, then its alert type can be simulated', () => {
    expect(simulatedAlertTypes(withNodeRule)).toContain('K8S.NODE_TestWebShell');
  });

  it('when the plan is built, then the node examples go to the node-events hub as NDJSON bodies under 1 MiB, one event per line, and the audit ones to the audit hub', () => {
    expect(plan.nodeMessages.length).toBeGreaterThan(0);
    expect(decoded(plan)).toHaveLength(auditRules.flatMap(alertingExamples).length);
    const lines = plan.nodeMessages.flatMap((message) => {
      expect(Buffer.byteLength(message, 'utf8')).toBeLessThan(1024 * 1024);
      return message.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    });
    expect(lines).toHaveLength(nodeExamples.length);
    for (const line of lines) {
      expect(line['cluster_resource_id']).toBe(simulatedClusterOf(SUB).resourceId);
      expect(line['argus_simulation_id']).toBe('sim-a');
      expect(line['argus_simulation_signature']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(plan.eventCount).toBe(auditRules.flatMap(alertingExamples).length + nodeExamples.length + timelineEventCount(withNodeRule));
  });

  it('when the node messages are decoded as ingestion does, then every record is of the reserved cluster, carries the simulation and verifies with the key', () => {
    expect(nodeRecords).toHaveLength(nodeExamples.length);
    for (const record of nodeRecords) {
      expect(record.cluster).toEqual(simulatedClusterOf(SUB));
      expect(record.event.simulation?.id).toBe('sim-a');
      expect(verifySimulatedRecord(KEY, record)).toBe(true);
      expect(verifySimulatedRecord(new Uint8Array(32), record)).toBe(false);
    }
    expect(nodeRecords.map((record) => record.event.type).sort()).toEqual(['falco_alert', 'process_exec', 'process_kprobe']);
  });

  it("when the plan is built, then node events keep what the examples did but get the simulation's own times, after the audit events' and strictly increasing", () => {
    const lastAuditTime = decoded(plan).at(-1)?.event.requestReceivedTimestamp ?? '';
    const times = nodeRecords.map((record) => record.event.time);
    times.forEach((time, index) => {
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(NOW.getTime());
      expect(time.slice(0, 26) > lastAuditTime.slice(0, 26)).toBe(true);
      if (index > 0) expect(time > (times[index - 1] as string)).toBe(true);
    });
    const shell = nodeRecords.find((record) => record.event.type === 'process_exec');
    expect(shell?.event.process.binary).toBe('/bin/bash');
    expect(shell?.event.parent?.binary).toBe('/usr/sbin/nginx');
  });

  it("when two simulations are built, then a Falco alert gets each simulation's own uuid, Tetragon events the ids of their own times, and they expect the same alerts", () => {
    const ids = new Set(nodeRecords.map((record) => record.event.id));
    expect(ids.size).toBe(nodeRecords.length);
    const sameTime = decodedNode(planOf({ rules: withNodeRule, simulationId: 'sim-b' }));
    expect(sameTime.filter((record) => ids.has(record.event.id)).map((record) => record.event.type).sort()).toEqual(['process_exec', 'process_kprobe']);
    const later = planOf({ rules: withNodeRule, simulationId: 'sim-b', now: new Date(NOW.getTime() + 1) });
    expect(decodedNode(later).some((record) => ids.has(record.event.id))).toBe(false);
    expect(planOf({ rules: withNodeRule, simulationId: 'sim-b' }).expected).toEqual(plan.expected);
  });

  it("when the plan is built, then the node rule's alert is expected with every node example folded in, as aggregation makes it", () => {
    const expected = plan.expected.filter((alert) => alert.ruleId === webShell.id);
    expect(expected.map((alert) => alert.alertType)).toEqual(expect.arrayContaining(['K8S.NODE_TestWebShell']));
    expect(expected.reduce((sum, alert) => sum + alert.occurrences, 0)).toBe(nodeExamples.length);
    const { findings } = evaluateRules([...decoded(plan), ...nodeRecords], { rules: withNodeRule, context });
    const alerts = aggregateFindings(findings, { windowInMs: WINDOW_IN_MS, now: NOW, isSimulated: true });
    expect(alerts.filter((alert) => alert.ruleId === webShell.id).map((alert) => alert.id).sort()).toEqual(expected.map((alert) => alert.alertId).sort());
  });

  it('when only the node alert type is asked for, then only node messages are built', () => {
    const only = planOf({ rules: withNodeRule, alertTypes: ['K8S.NODE_TestWebShell'] });
    expect(only.auditMessages).toEqual([]);
    expect(decodedNode(only)).toHaveLength(nodeExamples.length);
    expect(only.eventCount).toBe(nodeExamples.length);
    expect(new Set(only.expected.map((alert) => alert.ruleId))).toEqual(new Set([webShell.id]));
  });

  it('when the library is built, then every node rule with an alerting example that needs no lists is expected, under the alert types its findings name', () => {
    const nodeRuleIds = allRules.filter((rule) => rule.source === 'node' && alertingExamples(rule).length > 0).map((rule) => rule.id);
    const expectedRules = new Set(fullPlan.expected.map((alert) => alert.ruleId));
    expect(nodeRuleIds.length).toBeGreaterThan(0);
    expect(nodeRuleIds.filter((ruleId) => !expectedRules.has(ruleId))).toEqual([]);
    expect(fullPlan.expected.filter((alert) => nodeRuleIds.includes(alert.ruleId)).every((alert) => /^K8S\.NODE_[A-Za-z0-9]+$/.test(alert.alertType))).toBe(true);
    expect(fullNodeRecords).toHaveLength(allRules.filter((rule) => rule.source === 'node').flatMap(alertingExamples).length);
  });
});

describe('buildSimulation (stateful rules)', () => {
  it("when the library is built, then each burst and sequence rule's first alerting timeline is replayed before now and raises its declared alert count", () => {
    expect(replayed.length).toBeGreaterThan(0);
    for (const rule of replayed) {
      const timeline = rule.timelines?.find((candidate) => candidate.expect === 'alert');
      const alerts = fullPlan.expected.filter((alert) => alert.ruleId === rule.id);
      expect({ rule: rule.id, alerts: alerts.reduce((sum, alert) => sum + alert.occurrences, 0) }).toEqual({ rule: rule.id, alerts: timeline?.alerts ?? 1 });
    }
    const timelineRecords = decodedAll(fullPlan).filter((record) => Date.parse(record.event.requestReceivedTimestamp) < NOW.getTime());
    expect(timelineRecords.length).toBeGreaterThan(0);
    for (const record of timelineRecords) expect(verifySimulatedRecord(KEY, record)).toBe(true);
    expect(Math.max(...timelineRecords.map((record) => Date.parse(record.event.requestReceivedTimestamp)))).toBe(NOW.getTime() - TIMELINE_LEAD_IN_MS);
  });

  it('when the library is built, then the first-seen rules are listed as not simulated, with the reason', () => {
    const firstSeen = allRules.filter((rule) => rule.stateful?.kind === 'firstSeen').map((rule) => rule.id).sort();
    expect(fullPlan.notSimulated.map((rule) => rule.ruleId)).toEqual(firstSeen);
    expect(fullPlan.notSimulated.every((rule) => rule.reason.includes('learning period'))).toBe(true);
  });

  it('when the plan was switched on after a timeline would start, then that rule is not simulated and its alert not expected', () => {
    const plan = planOf({ coveredSince: new Date(NOW.getTime() - 10 * 60_000) });
    const late = plan.notSimulated.filter((rule) => rule.reason.includes('before the plan was switched on')).map((rule) => rule.ruleId);
    expect(late).toContain('token-minted-then-new-address');
    expect(plan.expected.some((alert) => alert.ruleId === 'token-minted-then-new-address')).toBe(false);
    expect(plan.expected.some((alert) => alert.ruleId === 'secret-get-burst')).toBe(true);
  });
});
