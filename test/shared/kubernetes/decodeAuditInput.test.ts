import { gzipSync } from 'node:zlib';
import { SKIPPED_TOO_BIG_OBJECT } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { RepairReason } from '../../../shared/kubernetes/repairReason';
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

const withCluster = cluster === undefined ? {} : { cluster };

function omit(event: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  const copy = { ...event };
  for (const field of fields) delete copy[field];
  return copy;
}

/** A CloudWatch Logs subscription payload of an EKS cluster's audit log, as AWS documents it. */
function cloudWatchMessage(messages: readonly string[], messageType = 'DATA_MESSAGE'): Record<string, unknown> {
  return {
    messageType,
    owner: '123456789012',
    logGroup: '/aws/eks/shop-prod/cluster',
    logStream: 'kube-apiserver-audit-6b2f9c4e1d7a3b5c8e0f2a4d6c8b0e1f',
    subscriptionFilters: ['argus-audit'],
    logEvents: messages.map((message, index) => ({ id: `3795648213057742593045871230984512309845712309845${100 + index}`, timestamp: 1793614530123 + index, message })),
  };
}

/** An Elastic document as the kubernetes.audit_logs integration indexes it: annotation keys with `_`, ECS fields beside. */
function elasticDocument(event: Record<string, unknown>): Record<string, unknown> {
  const annotations = event.annotations as Record<string, string>;
  return {
    '@timestamp': '2026-11-02T10:15:31.325Z',
    kubernetes: { audit: { ...event, annotations: Object.fromEntries(Object.entries(annotations).map(([key, value]) => [key.replaceAll('.', '_'), value])) } },
    data_stream: { namespace: 'default', type: 'logs', dataset: 'kubernetes.audit_logs' },
    event: { kind: 'event', action: event.verb, dataset: 'kubernetes.audit_logs' },
    user: { name: 'dana@contoso.com' },
  };
}

describe('decodeAuditInput, for audit logs that went through a log pipeline', () => {
  it('when complete events are decoded, then nothing is counted as repaired', () => {
    const decoded = decodeAuditInput([eventWithId('c1'), eventWithId('c2')], withCluster);
    expect([decoded.records.length, decoded.repairedEvents, decoded.repaired]).toEqual([2, 0, {}]);
  });

  it('when trimmed events are decoded, then each repair is counted once per event and events with several repairs once in the total', () => {
    const text = [omit(eventWithId('t1'), 'kind', 'apiVersion', 'auditID'), omit(eventWithId('t2'), 'stage', 'user'), eventWithId('t3')]
      .map((event) => JSON.stringify(event))
      .join('\n');
    const decoded = decodeAuditInput(text, withCluster);
    expect(decoded.records).toHaveLength(3);
    expect(decoded.repairedEvents).toBe(2);
    expect(decoded.repaired).toEqual({ missingKindAndApiVersion: 1, derivedAuditId: 1, defaultedStage: 1, unknownUser: 1 });
  });

  it('when a plain CloudWatch Logs DATA_MESSAGE of EKS arrives, then the message of each log event is an event, counted as the envelope', () => {
    const decoded = decodeAuditInput(JSON.stringify(cloudWatchMessage([JSON.stringify(eventWithId('w1')), JSON.stringify(eventWithId('w2'))])), withCluster);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['w1', 'w2']);
    expect(decoded.repaired).toEqual({ [RepairReason.cloudWatchEnvelope]: 2 });
    expect(decoded.skipped).toEqual([]);
  });

  it('when the payload is gzip+base64 in awslogs.data, bare base64, or gzip bytes, then it decodes the same', () => {
    const gzipped = gzipSync(JSON.stringify(cloudWatchMessage([JSON.stringify(eventWithId('z1'))])));
    for (const input of [{ awslogs: { data: gzipped.toString('base64') } }, JSON.stringify({ awslogs: { data: gzipped.toString('base64') } }), gzipped.toString('base64'), `${gzipped.toString('base64')}\n`, new Uint8Array(gzipped)]) {
      const decoded = decodeAuditInput(input, withCluster);
      expect([decoded.records.map((r) => r.event.auditID), decoded.repaired, decoded.skipped]).toEqual([['z1'], { cloudWatchEnvelope: 1 }, []]);
    }
  });

  it('when a CloudWatch Logs CONTROL_MESSAGE arrives, then it is skipped with its own reason', () => {
    const decoded = decodeAuditInput(cloudWatchMessage(['CWL CONTROL MESSAGE: Checking health of destination Firehose.'], 'CONTROL_MESSAGE'), withCluster);
    expect(decoded.records).toEqual([]);
    expect(decoded.skipped.map((s) => [s.reason, s.detail])).toEqual([[SkipReason.controlMessage, expect.stringContaining('CONTROL_MESSAGE') as unknown]]);
  });

  it('when a CloudWatch log event is not JSON or not an audit event, then that one is skipped with its reason and the rest decode', () => {
    const decoded = decodeAuditInput(
      cloudWatchMessage(['I1102 10:15:30.123456 1 httplog.go:132] "HTTP" verb="GET"', JSON.stringify({ level: 'info', msg: 'started' }), JSON.stringify(eventWithId('ok'))]),
      withCluster,
    );
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['ok']);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.invalidJson, SkipReason.notAnAuditEvent]);
    expect(decoded.skipped[0]?.raw).toMatchObject({ message: expect.stringContaining('httplog') as unknown });
  });

  it('when base64 or gzip data is corrupt, then it is skipped as invalid compressed data, not thrown', () => {
    const gzipped = gzipSync(JSON.stringify(cloudWatchMessage([JSON.stringify(eventWithId('z1'))])));
    const cut = new Uint8Array(gzipped.subarray(0, gzipped.length - 20));
    expect(decodeAuditInput(cut).skipped.map((s) => s.reason)).toEqual([SkipReason.invalidCompressedData]);
    expect(decodeAuditInput({ awslogs: { data: 'H4sIAAAA!!not base64 at all' } }).skipped.map((s) => s.reason)).toEqual([SkipReason.invalidCompressedData]);
    expect(decodeAuditInput({ awslogs: { data: Buffer.from('plain text').toString('base64') } }).skipped.map((s) => s.reason)).toEqual([SkipReason.invalidCompressedData]);
  });

  it('when gzip unpacks to more gzip, then two levels are followed (a Lambda event of a payload) and a third is refused', () => {
    const wrap = (text: string): string => gzipSync(text).toString('base64');
    const event = JSON.stringify(eventWithId('g1'));
    expect(decodeAuditInput(gzipSync(wrap(event)), withCluster).records.map((r) => r.event.auditID)).toEqual(['g1']);
    const tooDeep = decodeAuditInput(gzipSync(wrap(wrap(event))), withCluster);
    expect([tooDeep.records, tooDeep.skipped.map((s) => [s.reason, s.detail])]).toEqual([[], [[SkipReason.invalidCompressedData, expect.stringContaining('nested') as unknown]]]);
  });

  it('when an Elastic document (nested, or an Elasticsearch hit) arrives, then its kubernetes.audit event decodes with the annotation keys restored', () => {
    const document = elasticDocument(eventWithId('e1'));
    const hit = { _index: '.ds-logs-kubernetes.audit_logs-default-2026.11.02-000001', _id: 'AZMx3k2p', _source: elasticDocument(eventWithId('e2')) };
    const response = { took: 3, hits: { total: { value: 1 }, hits: [{ ...hit, _source: elasticDocument(eventWithId('e3')) }] } };
    const before = JSON.stringify(document);
    const decoded = decodeAuditInput([document, hit, response], withCluster);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['e1', 'e2', 'e3']);
    expect(decoded.records[0]?.event.annotations['authorization.k8s.io/decision']).toBe('allow');
    expect(decoded.repaired).toEqual({ elasticDocument: 3 });
    expect(JSON.stringify(document)).toBe(before);
  });

  it('when an Elastic document comes flattened to dotted keys, then the event is rebuilt from them', () => {
    const flat: Record<string, unknown> = { '@timestamp': '2026-11-02T10:15:31.325Z', 'event.action': 'get' };
    for (const [key, value] of Object.entries(omit(eventWithId('d1'), 'objectRef', 'user'))) flat[`kubernetes.audit.${key}`] = value;
    flat['kubernetes.audit.objectRef.resource'] = 'pods';
    flat['kubernetes.audit.objectRef.namespace'] = 'shop';
    flat['kubernetes.audit.objectRef.name'] = 'web-1';
    flat['kubernetes.audit.user.username'] = 'dana@contoso.com';
    flat['kubernetes.audit.user.groups'] = ['system:authenticated'];
    const decoded = decodeAuditInput(flat, withCluster);
    expect(decoded.skipped).toEqual([]);
    expect(decoded.records[0]?.event).toMatchObject({ auditID: 'd1', objectRef: { resource: 'pods', namespace: 'shop', name: 'web-1' }, user: { username: 'dana@contoso.com' } });
  });

  it('when an Elastic document has no usable audit event inside, then it is skipped, not taken for one', () => {
    const decoded = decodeAuditInput({ '@timestamp': '2026-11-02T10:15:31Z', kubernetes: { audit: { level: 'Metadata' } } }, withCluster);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.notAnAuditEvent]);
  });

  it('when a Splunk export row arrives, then the event in _raw decodes; a _raw that is not JSON is reported', () => {
    const rows = [
      { preview: false, offset: 0, result: { _raw: JSON.stringify(eventWithId('s1')), _time: '2026-11-02T10:15:30.123+00:00', sourcetype: 'kube:apiserver:audit' } },
      { preview: false, offset: 1, result: { _raw: 'Nov  2 10:15:30 ip-10-0-12-34 kubelet[812]: started', sourcetype: 'syslog' } },
    ];
    const decoded = decodeAuditInput(rows.map((row) => JSON.stringify(row)).join('\n'), withCluster);
    expect(decoded.records.map((r) => r.event.auditID)).toEqual(['s1']);
    expect(decoded.repaired).toEqual({ splunkResult: 1 });
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.invalidJson]);
  });

  it('when an object is neither an audit event nor a known wrapper, then it is still refused', () => {
    const inputs = [
      { '@timestamp': '2026-11-02T10:15:30Z', message: 'GET /healthz 200', _id: 'x', service: 'nginx' },
      { kind: 'Event', apiVersion: 'v1', reason: 'Scheduled', involvedObject: { kind: 'Pod', name: 'web-1' } },
      { messageType: 'DATA_MESSAGE', logEvents: 'not a list' },
      { verb: 'get', requestURI: '/healthz' },
    ];
    for (const input of inputs) expect(decodeAuditInput(input, withCluster).skipped.map((s) => s.reason)).toEqual([SkipReason.notAnAuditEvent]);
  });

  it('when an AKS record has a properties.log that is unparseable, not audit, or an audit event without a verb, then it is still skipped with that reason', () => {
    const message = {
      records: [
        diagnosticRecord('{"verb":"get","requestURI":"/api'),
        diagnosticRecord(JSON.stringify({ level: 'info', ts: 1793614530.12, msg: 'leader elected', requestURI: '/healthz' })),
        diagnosticRecord(JSON.stringify(omit(eventWithId('nov'), 'verb'))),
        diagnosticRecord(JSON.stringify(omit(eventWithId('ok'), 'auditID'))),
      ],
    };
    const decoded = decodeAuditInput(message);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.invalidJson, SkipReason.notAnAuditEvent, SkipReason.invalidAuditEvent]);
    expect(decoded.skipped.map((s) => s.raw)).toEqual(message.records.slice(0, 3));
    expect(decoded.records).toHaveLength(1);
    expect(decoded.repaired).toEqual({ derivedAuditId: 1 });
  });

  it('when a repaired event has no cluster, then it is skipped as missing the cluster and its repairs are not counted', () => {
    const decoded = decodeAuditInput(omit(eventWithId('x'), 'auditID'));
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.missingClusterIdentity]);
    expect([decoded.repairedEvents, decoded.repaired]).toEqual([0, {}]);
  });
});

