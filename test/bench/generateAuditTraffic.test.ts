import { ATTACK_SCENARIOS, type AuditTraffic, generateAuditTraffic } from '../../bench/generateAuditTraffic';
import { evidenceIdOf } from '../../shared/detection/detectionRecord';
import { evaluateRules } from '../../shared/detection/evaluateRules';
import { allRules } from '../../shared/detection/rules/index';
import { type AuditRecord } from '../../shared/kubernetes/auditEvent';
import { decodeAuditInput, type SkippedRecord } from '../../shared/kubernetes/decodeAuditInput';

interface DiagnosticRecord {
  resourceId: string;
  category: string;
  operationName: string;
  properties: { log: string; stream: string; pod: string };
}

describe('generateAuditTraffic', () => {
  let traffic: AuditTraffic;
  let records: AuditRecord[];
  let skipped: SkippedRecord[];

  beforeAll(() => {
    traffic = generateAuditTraffic({ events: 2_000, seed: 7 });
    records = [];
    skipped = [];
    for (const message of traffic.messages) {
      const decoded = decodeAuditInput(message);
      records.push(...decoded.records);
      skipped.push(...decoded.skipped);
    }
  });

  it('when generated twice with the same seed, then the messages are identical, and another seed gives other messages', () => {
    const first = generateAuditTraffic({ events: 300, seed: 11 });
    const second = generateAuditTraffic({ events: 300, seed: 11 });
    const other = generateAuditTraffic({ events: 300, seed: 12 });
    expect(second.messages).toEqual(first.messages);
    expect(other.messages).not.toEqual(first.messages);
  });

  it('when asked for a number of events, then the messages carry exactly that many audit events plus about 1% klog records', () => {
    const diagnosticRecords = traffic.messages.flatMap((message) => (JSON.parse(message) as { records: DiagnosticRecord[] }).records);
    expect(traffic.events).toBe(2_000);
    expect(diagnosticRecords.filter((record) => record.category === 'kube-audit')).toHaveLength(2_000);
    expect(diagnosticRecords.filter((record) => record.category === 'kube-apiserver')).toHaveLength(traffic.klogRecords);
    expect(traffic.klogRecords).toBeGreaterThan(5);
    expect(traffic.klogRecords).toBeLessThan(50);
  });

  it('when the messages are read, then they have the AKS Event Hubs shape: 20-60 records, upper-case resource ids, the log as JSON text', () => {
    const resourceId = /^\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/RESOURCEGROUPS\/[A-Z0-9-]+\/PROVIDERS\/MICROSOFT\.CONTAINERSERVICE\/MANAGEDCLUSTERS\/[A-Z0-9-]+$/;
    const messages = traffic.messages.map((message) => (JSON.parse(message) as { records: DiagnosticRecord[] }).records);
    const counts = messages.slice(0, -1).map((diagnostic) => diagnostic.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...counts)).toBeLessThanOrEqual(60);
    const malformed = messages
      .flat()
      .filter(
        (record) =>
          !resourceId.test(record.resourceId) ||
          record.operationName !== 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read' ||
          !record.properties.log.endsWith('\n'),
      );
    expect(malformed).toEqual([]);
  });

  it('when every message is decoded, then every audit event becomes a record and only the klog records are skipped', () => {
    expect(records).toHaveLength(2_000);
    expect(skipped).toHaveLength(traffic.klogRecords);
    expect(new Set(skipped.map((skip) => `${skip.reason} ${skip.source.category ?? ''}`))).toEqual(new Set(['otherCategory kube-apiserver']));
  });

  it('when the audit ids are compared, then each is unique and names its scenario', () => {
    const ids = records.map((record) => record.event.auditID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => traffic.scenarioByAuditId.has(id))).toBe(true);
  });

  it('when the event sizes are measured, then they lie between about 1 KB and 20 KB, mostly small, some large', () => {
    const logSizes = traffic.messages.flatMap((message) =>
      (JSON.parse(message) as { records: DiagnosticRecord[] }).records.filter((record) => record.category === 'kube-audit').map((record) => record.properties.log.length - 1),
    );
    expect(logSizes).toEqual(traffic.eventSizes);
    const sorted = [...logSizes].sort((a, b) => a - b);
    expect(sorted[0]).toBeGreaterThanOrEqual(800);
    expect(sorted[sorted.length - 1]).toBeLessThanOrEqual(20 * 1024);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(4 * 1024);
    expect(sorted.filter((size) => size > 10 * 1024).length).toBeGreaterThan(20);
  });

  it('when all rules run over the traffic, then about 5% of the events are attacks and most of them raise findings', () => {
    const attackIds = new Set(records.map((record) => record.event.auditID).filter((id) => ATTACK_SCENARIOS.has(traffic.scenarioByAuditId.get(id) ?? '')));
    expect(attackIds.size).toBeGreaterThan(50);
    expect(attackIds.size).toBeLessThan(160);

    const { findings, failures } = evaluateRules(records, { rules: allRules });
    expect(failures).toEqual([]);
    const detected = new Set(findings.map((finding) => evidenceIdOf(finding.record)).filter((id) => attackIds.has(id)));
    expect(detected.size).toBeGreaterThan(attackIds.size / 2);
  });

  it('when the privileged-pod and alert-test attacks are evaluated, then their rules raise every one of them', () => {
    const { findings } = evaluateRules(records, { rules: allRules });
    for (const [scenario, ruleId] of [['privileged-pod', 'privileged-container'], ['alert-test', 'alert-test-trigger']] as const) {
      const ids = [...traffic.scenarioByAuditId].filter(([, name]) => name === scenario).map(([id]) => id);
      const raised = new Set(findings.filter((finding) => finding.rule.id === ruleId).map((finding) => evidenceIdOf(finding.record)));
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.filter((id) => !raised.has(id))).toEqual([]);
    }
  });
});
