import { SKIPPED_TOO_BIG_OBJECT } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { SkipReason } from '../../../shared/kubernetes/skipReason';
import { auditEvent } from '../../../shared/detection/exampleEvents';

const AKS_RESOURCE_ID =
  '/SUBSCRIPTIONS/6B1E0C3D-2F4A-4B5C-8D6E-7F8091A2B3C4/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01';
const cluster = parseClusterResourceId('/subscriptions/0f9d3a2b-1c4e-4f5a-9b6c-7d8e9f0a1b2c/resourceGroups/onprem/providers/Microsoft.Kubernetes/connectedClusters/lab');

function eventWithId(auditID: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...auditEvent({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'web-1', auditID }), ...extra };
}

function diagnosticRecord(log: string, category = 'kube-audit', resourceId: string = AKS_RESOURCE_ID): Record<string, unknown> {
  return {
    time: '2026-11-02T10:15:30.1234567Z',
    resourceId,
    category,
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { log, stream: 'stdout', pod: 'kube-apiserver-7d9f8c6b5-x2k4q' },
  };
}

describe('decodeAuditInput', () => {
  it('when an AKS Event Hubs message arrives as text, then each kube-audit record becomes an event of the upper-case cluster', () => {
    const message = JSON.stringify({
      records: [
        diagnosticRecord(`${JSON.stringify(eventWithId('a1'))}\n`),
        diagnosticRecord(`${JSON.stringify(eventWithId('a2'))}\n`, 'kube-audit-admin'),
      ],
    });
    const decoded = decodeAuditInput(message);
    expect(decoded.skipped).toEqual([]);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['a1', 'a2']);
    expect(decoded.records[0]?.cluster).toEqual({
      subscriptionId: '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4',
      resourceGroup: 'rg-prod',
      clusterName: 'aks-prod-01',
      resourceId:
        '/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-01',
    });
    expect(decoded.records[1]?.source).toEqual({ index: 1, category: 'kube-audit-admin' });
  });

  it('when the message was already parsed by the host or arrives as bytes, then it decodes the same', () => {
    const message = { records: [diagnosticRecord(JSON.stringify(eventWithId('a1')))] };
    expect(decodeAuditInput(message).records).toHaveLength(1);
    expect(decodeAuditInput(new TextEncoder().encode(JSON.stringify(message))).records).toHaveLength(1);
  });

  it('when other categories, broken logs and truncated logs are mixed in, then each is reported with its reason and the rest decode', () => {
    const truncated = JSON.stringify({ ...eventWithId('big'), requestObject: { data: 'x'.repeat(20_000) } }).slice(0, 16 * 1024);
    const message = {
      records: [
        diagnosticRecord('I1102 10:15:30.123456       1 controller.go:615] quota admission added evaluator', 'kube-apiserver'),
        diagnosticRecord('{"kind":"Event",'),
        diagnosticRecord(truncated),
        diagnosticRecord(JSON.stringify({ hello: 'world' })),
        diagnosticRecord(JSON.stringify(eventWithId('ok'))),
        diagnosticRecord(JSON.stringify(eventWithId('nocluster')), 'kube-audit', '/subscriptions/x/resourceGroups/y'),
      ],
    };
    const decoded = decodeAuditInput(message);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['ok']);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([
      SkipReason.otherCategory,
      SkipReason.invalidJson,
      SkipReason.truncatedJson,
      SkipReason.notAnAuditEvent,
      SkipReason.missingClusterIdentity,
    ]);
    expect(decoded.skipped[0]?.source).toEqual({ index: 0, category: 'kube-apiserver' });
    expect(decoded.skipped[0]?.raw).toBe(message.records[0]);
  });

  it('when a raw event, an EventList or a JSON array arrives with a supplied cluster, then every event is attributed to it', () => {
    const options = cluster === undefined ? {} : { cluster };
    expect(decodeAuditInput(JSON.stringify(eventWithId('one')), options).records).toHaveLength(1);
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [eventWithId('w1'), eventWithId('w2')] };
    const decoded = decodeAuditInput(JSON.stringify(list), options);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['w1', 'w2']);
    expect(decoded.records[0]?.cluster.clusterName).toBe('lab');
    expect(decoded.records[0]?.cluster.resourceId).toContain('/providers/Microsoft.Kubernetes/connectedClusters/lab');
    expect(decodeAuditInput([eventWithId('x1'), eventWithId('x2')], options).records).toHaveLength(2);
  });

  it('when raw events come without a cluster, then they are reported as missing the cluster identity', () => {
    const decoded = decodeAuditInput(JSON.stringify(eventWithId('one')));
    expect(decoded.records).toEqual([]);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.missingClusterIdentity]);
  });

  it('when NDJSON of events starts with a BOM and has a broken line, then the good lines decode and the broken one is reported', () => {
    const text = `\uFEFF${JSON.stringify(eventWithId('n1'))}\n{"auditID": \n\n${JSON.stringify(eventWithId('n2'))}\n`;
    const decoded = decodeAuditInput(text, cluster === undefined ? {} : { cluster });
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['n1', 'n2']);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.invalidJson]);
  });

  it('when NDJSON of diagnostic records (a storage blob) is read, then the records carry their own cluster', () => {
    const text = [diagnosticRecord(JSON.stringify(eventWithId('b1'))), diagnosticRecord('klog text', 'guard')]
      .map((record) => JSON.stringify(record))
      .join('\n');
    const decoded = decodeAuditInput(`\uFEFF${text}`);
    expect(decoded.records.map((r) => [r.event.auditID, r.cluster.clusterName])).toEqual([['b1', 'aks-prod-01']]);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.otherCategory]);
  });

  it('when the input is empty, not JSON, or a JSON scalar, then it is reported and nothing throws', () => {
    expect(decodeAuditInput('').skipped.map((s) => s.reason)).toEqual([SkipReason.emptyInput]);
    expect(decodeAuditInput('\uFEFF  \n').skipped.map((s) => s.reason)).toEqual([SkipReason.emptyInput]);
    expect(decodeAuditInput('hello').skipped.map((s) => s.reason)).toEqual([SkipReason.invalidJson]);
    expect(decodeAuditInput('42').skipped.map((s) => s.reason)).toEqual([SkipReason.notAnAuditEvent]);
    expect(decodeAuditInput(undefined).skipped.map((s) => s.reason)).toEqual([SkipReason.emptyInput]);
    expect(decodeAuditInput({ records: [null, 'x'] }).skipped.map((s) => s.reason)).toEqual([
      SkipReason.notAnAuditEvent,
      SkipReason.notAnAuditEvent,
    ]);
  });

  it('when a request body was too big to log, then the event still decodes with the marker string', () => {
    const decoded = decodeAuditInput(eventWithId('big', { requestObject: SKIPPED_TOO_BIG_OBJECT }), cluster === undefined ? {} : { cluster });
    expect(decoded.records[0]?.event.requestObject).toBe(SKIPPED_TOO_BIG_OBJECT);
  });

  it('when decoding continues from a start index, then indexes carry on', () => {
    const decoded = decodeAuditInput([eventWithId('a'), eventWithId('b')], { startIndex: 10, ...(cluster === undefined ? {} : { cluster }) });
    expect(decoded.records.map((r) => r.source.index)).toEqual([10, 11]);
    expect(decoded.nextIndex).toBe(12);
  });
});
