import { defaultClusterIdentity } from '../../../shared/clusters/clusterRegistration';
import { auditEvent, container, workloadEvent } from '../../../shared/detection/exampleEvents';
import { SKIPPED_TOO_BIG_OBJECT } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { MAX_MESSAGE_BODY_IN_BYTES, packDiagnosticRecords } from '../../../shared/messaging/packDiagnosticRecords';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const ARC = defaultClusterIdentity(SUB, 'kind-dev');
const AKS = parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`)!;
const NOW = '2026-11-02T10:20:00.000Z';

/** `n` distinct events, every fifth a privileged pod with a realistic manifest. */
function events(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    i % 5 === 0
      ? workloadEvent('pods', { containers: [container({ securityContext: { privileged: true } })] }, { auditID: `a-${i}`, name: `pod-${i}` })
      : auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'default', name: `cm-${i}`, auditID: `a-${i}` }),
  );
}

/** A Metadata-level event whose annotations alone are about `bytes` long: nothing in it can be replaced. */
function hugeMetadataEvent(bytes: number): Record<string, unknown> {
  return auditEvent({ verb: 'create', resource: 'configmaps', namespace: 'default', annotations: { note: 'x'.repeat(bytes) }, auditID: 'huge-meta' });
}

function decodeAll(messages: readonly string[]) {
  return messages.map((message) => decodeAuditInput(message));
}

describe('packDiagnosticRecords', () => {
  it('when events are packed, then every message is {"records":[...]} of AKS-shaped kube-audit records that decode to the cluster, in order', () => {
    const input = events(40);
    const packed = packDiagnosticRecords(input, { resourceId: ARC.resourceId, nowUtc: NOW });

    expect(packed).toMatchObject({ accepted: 40, trimmed: 0, tooLarge: 0 });
    expect(packed.messages).toHaveLength(1);
    const body = JSON.parse(packed.messages[0]!) as { records: Record<string, unknown>[] };
    expect(body.records).toHaveLength(40);
    expect(body.records[0]).toEqual({
      time: input[0]!.requestReceivedTimestamp,
      resourceId: ARC.resourceId,
      category: 'kube-audit',
      operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
      properties: { log: `${JSON.stringify(input[0])}\n`, stream: 'stdout', pod: 'argus-audit-webhook' },
    });
    const [decoded] = decodeAll(packed.messages);
    expect(decoded!.skipped).toEqual([]);
    expect(decoded!.records.map((r) => r.cluster)).toEqual(input.map(() => ARC));
    expect(decoded!.records.map((r) => r.event.auditID)).toEqual(input.map((e) => e.auditID));
  });

  it('when the cluster is an AKS cluster, then the records decode to that AKS identity', () => {
    const packed = packDiagnosticRecords(events(3), { resourceId: AKS.resourceId, nowUtc: NOW });
    expect(decodeAll(packed.messages).flatMap((d) => d.records.map((r) => r.cluster))).toEqual([AKS, AKS, AKS]);
  });

  it('when an event has no requestReceivedTimestamp, then its record time is the time passed in', () => {
    const { requestReceivedTimestamp: _dropped, ...event } = auditEvent({ verb: 'get', resource: 'pods', namespace: 'default' });
    const packed = packDiagnosticRecords([event], { resourceId: ARC.resourceId, nowUtc: NOW });
    expect((JSON.parse(packed.messages[0]!) as { records: { time: string }[] }).records[0]!.time).toBe(NOW);
  });

  it('when the events exceed one message, then they are split into messages each under the limit, losing none', () => {
    const input = events(300);
    const limit = 64 * 1024;
    const packed = packDiagnosticRecords(input, { resourceId: ARC.resourceId, nowUtc: NOW, maxMessageBodyInBytes: limit });

    expect(packed.messages.length).toBeGreaterThan(5);
    for (const message of packed.messages) expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(limit);
    // Full messages: each next record would not have fitted in the one before.
    const sizes = packed.messages.map((m) => Buffer.byteLength(m, 'utf8'));
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(limit - 3 * 1024);
    const decoded = decodeAll(packed.messages);
    expect(decoded.flatMap((d) => d.records.map((r) => r.event.auditID))).toEqual(input.map((e) => e.auditID));
    expect(decoded.flatMap((d) => d.skipped)).toEqual([]);
  });

  it('when records hold multi-byte characters, then the limit counts UTF-8 bytes, not characters', () => {
    const input = Array.from({ length: 50 }, (_, i) => auditEvent({ verb: 'create', resource: 'configmaps', namespace: 'default', annotations: { note: 'ü€'.repeat(500) }, auditID: `u-${i}` }));
    const limit = 16 * 1024;
    const packed = packDiagnosticRecords(input, { resourceId: ARC.resourceId, nowUtc: NOW, maxMessageBodyInBytes: limit });
    for (const message of packed.messages) expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(limit);
    expect(packed.accepted).toBe(50);
  });

  it('when the default limit applies, then it leaves room under the 1 MiB Event Hubs limit', () => {
    expect(MAX_MESSAGE_BODY_IN_BYTES).toBeLessThan(1024 * 1024);
    const packed = packDiagnosticRecords(events(3000), { resourceId: ARC.resourceId, nowUtc: NOW });
    expect(packed.messages.length).toBeGreaterThan(1);
    for (const message of packed.messages) expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BODY_IN_BYTES);
  });

  it("when one event's objects make its record too large, then they are replaced by AKS's marker and the event is still forwarded", () => {
    const bigManifest = { kind: 'Pod', metadata: { name: 'big', annotations: { blob: 'y'.repeat(40 * 1024) } }, spec: { containers: [container()] } };
    const big = auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', requestObject: bigManifest, responseObject: bigManifest, auditID: 'big' });
    const packed = packDiagnosticRecords([events(1)[0]!, big], { resourceId: ARC.resourceId, nowUtc: NOW, maxMessageBodyInBytes: 32 * 1024 });

    expect(packed).toMatchObject({ accepted: 2, trimmed: 1, tooLarge: 0 });
    const records = decodeAll(packed.messages).flatMap((d) => d.records);
    const forwarded = records.find((r) => r.event.auditID === 'big');
    expect(forwarded?.event.requestObject).toBe(SKIPPED_TOO_BIG_OBJECT);
    expect(forwarded?.event.responseObject).toBe(SKIPPED_TOO_BIG_OBJECT);
    expect(forwarded?.cluster).toEqual(ARC);
  });

  it('when an event is too large even without its objects, then it alone is dropped and counted', () => {
    const input = [...events(2), hugeMetadataEvent(40 * 1024), ...events(2)];
    const packed = packDiagnosticRecords(input, { resourceId: ARC.resourceId, nowUtc: NOW, maxMessageBodyInBytes: 32 * 1024 });
    expect(packed).toMatchObject({ accepted: 4, trimmed: 0, tooLarge: 1 });
    expect(decodeAll(packed.messages).flatMap((d) => d.records).map((r) => r.event.auditID)).not.toContain('huge-meta');
  });

  it('when there are no events, then there are no messages', () => {
    expect(packDiagnosticRecords([], { resourceId: ARC.resourceId, nowUtc: NOW })).toEqual({ messages: [], accepted: 0, trimmed: 0, tooLarge: 0 });
  });
});
