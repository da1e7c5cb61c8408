import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeNodeInput, looksCutShort } from '../../../shared/node/decodeNodeInput';
import { falcoAlertEvent, fileAccessEvent, processExecEvent, tcpConnectEvent } from '../../../shared/node/exampleNodeEvents';

const fixtureText = (name: string): string => readFileSync(join(__dirname, '..', '..', 'fixtures', 'node', name), 'utf8');

const RESOURCE_ID = '/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-01';
const OTHER_RESOURCE_ID = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-dev/providers/Microsoft.Kubernetes/connectedClusters/arc-dev';
const CLUSTER = parseClusterResourceId(RESOURCE_ID) as ClusterIdentity;
const OTHER_CLUSTER = parseClusterResourceId(OTHER_RESOURCE_ID) as ClusterIdentity;

/** A Tetragon line as the shipper sends it: the event with the cluster id added at the top level. */
const exec = (binary = '/bin/sh'): Record<string, unknown> => ({ ...processExecEvent({ binary }), cluster_resource_id: RESOURCE_ID });
const line = (event: unknown): string => JSON.stringify(event);

describe('decodeNodeInput', () => {
  describe('body forms', () => {
    it('when the body is one parsed object, then it is one record of the cluster it names', () => {
      const { records, skipped, nextIndex } = decodeNodeInput(exec());
      expect(skipped).toEqual([]);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ signal: 'node', cluster: CLUSTER, source: { index: 0 } });
      expect(records[0]?.event.process.binary).toBe('/bin/sh');
      expect(nextIndex).toBe(1);
    });

    it('when the body is a parsed array, then every element is a record, in order', () => {
      const { records } = decodeNodeInput([exec('/bin/a'), exec('/bin/b')]);
      expect(records.map((record) => [record.event.process.binary, record.source.index])).toEqual([
        ['/bin/a', 0],
        ['/bin/b', 1],
      ]);
    });

    it('when the body is text of one JSON document, then it is one record', () => {
      expect(decodeNodeInput(line(exec())).records).toHaveLength(1);
    });

    it('when the body is text of a JSON array, then every element is a record', () => {
      expect(decodeNodeInput(line([exec('/bin/a'), exec('/bin/b')])).records).toHaveLength(2);
    });

    it('when the body is NDJSON (CRLF too, blank lines between), then every line is a record', () => {
      const body = `${line(exec('/bin/a'))}\r\n\r\n${line(exec('/bin/b'))}\n${line(exec('/bin/c'))}\n`;
      expect(decodeNodeInput(body).records.map((record) => record.event.process.binary)).toEqual(['/bin/a', '/bin/b', '/bin/c']);
    });

    it('when the body is UTF-8 bytes with a BOM, then it decodes like the text', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${line(exec('/bin/a'))}\n${line(exec('/bin/b'))}`, 'utf8')]);
      expect(decodeNodeInput(bytes).records).toHaveLength(2);
      expect(decodeNodeInput(new Uint8Array(bytes)).records).toHaveLength(2);
    });

    it('when a JSON document arrives encoded as a JSON string, then the inner document is read', () => {
      expect(decodeNodeInput(JSON.stringify(line(exec()))).records).toHaveLength(1);
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['an empty string', ''],
      ['whitespace', ' \n\t'],
      ['a lone BOM', '\ufeff'],
      ['no bytes', new Uint8Array(0)],
    ])('when the body is %s, then it is skipped as emptyInput', (_name, body) => {
      const { records, skipped } = decodeNodeInput(body);
      expect(records).toEqual([]);
      expect(skipped).toEqual([expect.objectContaining({ reason: 'emptyInput', source: { index: 0 } })]);
    });

    it('when startIndex is given, then indexes continue from it', () => {
      const { records, nextIndex } = decodeNodeInput([exec(), exec()], { startIndex: 10 });
      expect(records.map((record) => record.source.index)).toEqual([10, 11]);
      expect(nextIndex).toBe(12);
    });
  });

  describe('shipper wrappers', () => {
    it('when Fluent Bit wraps the line in `log` and adds the cluster id beside it, then the event and the cluster are read', () => {
      const wrapper = { log: `${line(processExecEvent({ binary: '/bin/sh' }))}\n`, stream: 'stdout', time: '2025-06-03T09:41:27.5Z', '@timestamp': 1748943687.5, cluster_resource_id: RESOURCE_ID };
      const { records, skipped } = decodeNodeInput(line(wrapper));
      expect(skipped).toEqual([]);
      expect(records[0]).toMatchObject({ cluster: CLUSTER });
      expect(records[0]?.event.type).toBe('process_exec');
    });

    it('when Vector wraps the line in `message`, then the event is read', () => {
      const wrapper = { message: line(exec()), source_type: 'file', timestamp: '2025-06-03T09:41:28Z' };
      expect(decodeNodeInput(wrapper).records).toHaveLength(1);
    });

    it('when the wrapper holds the event as an object (a JSON parser ran), then the event is read', () => {
      expect(decodeNodeInput({ log: exec(), stream: 'stdout' }).records).toHaveLength(1);
    });

    it('when the wrapped line was cut by the shipper, then the record is skipped as truncatedJson with the wrapper as raw', () => {
      const wrapper = { log: line(exec()).slice(0, 300), cluster_resource_id: RESOURCE_ID };
      const { skipped } = decodeNodeInput(wrapper);
      expect(skipped).toEqual([expect.objectContaining({ reason: 'truncatedJson', raw: wrapper, source: { index: 0 } })]);
    });
  });

  describe('cluster identity', () => {
    it('when the record has no cluster id but the caller supplies one, then the caller cluster is used', () => {
      const { records } = decodeNodeInput(processExecEvent({ binary: '/bin/sh' }), { cluster: OTHER_CLUSTER });
      expect(records[0]?.cluster).toEqual(OTHER_CLUSTER);
    });

    it("when the record names a cluster and the caller supplies another, then the record's own wins", () => {
      expect(decodeNodeInput(exec(), { cluster: OTHER_CLUSTER }).records[0]?.cluster).toEqual(CLUSTER);
    });

    it('when the record uses `resourceId` in any casing, then it is accepted', () => {
      const event = { ...processExecEvent({ binary: '/bin/sh' }), resourceId: OTHER_RESOURCE_ID.toUpperCase() };
      expect(decodeNodeInput(event).records[0]?.cluster).toEqual(OTHER_CLUSTER);
    });

    it('when neither the record nor the caller names a cluster, then it is skipped as missingClusterIdentity', () => {
      const event = processExecEvent({ binary: '/bin/sh' });
      const { records, skipped } = decodeNodeInput(event);
      expect(records).toEqual([]);
      expect(skipped).toEqual([{ reason: 'missingClusterIdentity', detail: expect.stringMatching(/no cluster_resource_id/) as unknown, source: { index: 0 }, raw: event }]);
    });

    it('when the record names an invalid cluster id, then it is skipped as missingClusterIdentity saying it is invalid, even with a caller cluster', () => {
      const event = { ...processExecEvent({ binary: '/bin/sh' }), cluster_resource_id: '/subscriptions/x/resourceGroups/y' };
      const { skipped } = decodeNodeInput(event, { cluster: CLUSTER });
      expect(skipped).toEqual([expect.objectContaining({ reason: 'missingClusterIdentity', detail: expect.stringMatching(/not a valid/) as unknown })]);
    });

    it('when a falcosidekick alert carries the cluster id in output_fields (customfields), then that cluster is used', () => {
      const { records, skipped } = decodeNodeInput(fixtureText('falcosidekick-terminal-shell-customfields.json'));
      expect(skipped).toEqual([]);
      expect(records[0]).toMatchObject({ cluster: CLUSTER, event: { type: 'falco_alert', falco: { rule: 'Terminal shell in container' } } });
    });
  });

  describe('skips', () => {
    it('when truncated lines sit among good ones, then the good ones survive and each cut line is reported with its index', () => {
      const good = line(exec('/bin/a'));
      const cut = line(exec('/bin/cut')).slice(0, 400);
      const body = [good, cut, line(tcpConnectEvent({ daddr: '198.51.100.7', dport: 443 })), cut, line(exec('/bin/b'))].join('\n');
      const { records, skipped } = decodeNodeInput(body, { cluster: CLUSTER });
      expect(records.map((record) => record.source.index)).toEqual([0, 2, 4]);
      expect(skipped.map((skip) => [skip.reason, skip.source.index, skip.raw])).toEqual([
        ['truncatedJson', 1, cut],
        ['truncatedJson', 3, cut],
      ]);
    });

    it('when a line is broken JSON that was not cut, then it is skipped as invalidJson', () => {
      const body = `${line(exec())}\n{"process_exec": }}\nnot json at all`;
      const { records, skipped } = decodeNodeInput(body);
      expect(records).toHaveLength(1);
      expect(skipped.map((skip) => [skip.reason, skip.source.index])).toEqual([
        ['invalidJson', 1],
        ['invalidJson', 2],
      ]);
    });

    it('when the whole body is one line of text that is not JSON, then it is skipped as invalidJson', () => {
      expect(decodeNodeInput('I0603 09:41:27 kubelet.go:123] started').skipped).toEqual([expect.objectContaining({ reason: 'invalidJson' })]);
    });

    it('when foreign JSON arrives (an audit event, a scalar, a wrapper around foreign JSON), then it is skipped as notANodeEvent', () => {
      const audit = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a1', stage: 'ResponseComplete', verb: 'get' };
      const { records, skipped } = decodeNodeInput([audit, 42, 'plain text', { log: '{"level":"info","msg":"hello"}' }]);
      expect(records).toEqual([]);
      expect(skipped.map((skip) => skip.reason)).toEqual(['notANodeEvent', 'notANodeEvent', 'notANodeEvent', 'notANodeEvent']);
      expect(skipped[0]?.raw).toBe(audit);
    });

    it('when a node event misses a required field, then it is skipped as invalidNodeEvent', () => {
      const { skipped } = decodeNodeInput({ process_kprobe: { function_name: 'tcp_connect', args: [] }, node_name: 'n', time: '2025-06-03T09:41:27Z', cluster_resource_id: RESOURCE_ID });
      expect(skipped).toEqual([expect.objectContaining({ reason: 'invalidNodeEvent', detail: expect.stringMatching(/process/) as unknown })]);
    });

    it('when Tetragon sends types Argus does not read, then they are skipped as unsupportedNodeEventType', () => {
      const body = [
        { process_loader: { process: { binary: '/bin/sh' }, path: '/lib/libc.so.6' }, node_name: 'n', time: '2025-06-03T09:41:27Z' },
        { process_throttle: { type: 'THROTTLE_START', cgroup: 'x' }, node_name: 'n', time: '2025-06-03T09:41:27Z' },
        { rate_limit_info: { number_of_dropped_process_events: '12' }, node_name: 'n', time: '2025-06-03T09:41:27Z' },
        { process_uprobe: { process: { binary: '/bin/sh' }, path: '/bin/sh', symbol: 'readline' }, node_name: 'n', time: '2025-06-03T09:41:27Z' },
      ];
      expect(decodeNodeInput(body, { cluster: CLUSTER }).skipped.map((skip) => skip.reason)).toEqual(Array(4).fill('unsupportedNodeEventType'));
    });
  });

  describe('published samples', () => {
    it("when Tetragon's testdata events.json is read, then the line without time is invalid and the others are records", () => {
      const { records, skipped } = decodeNodeInput(fixtureText('tetragon-testdata-events.ndjson'), { cluster: CLUSTER });
      expect(records.map((record) => record.event.process.pod?.name)).toEqual(['deathstar-6f87496b94-qdlh8', 'deathstar-6f87496b94-gjf74']);
      expect(skipped).toEqual([expect.objectContaining({ reason: 'invalidNodeEvent', detail: 'time is missing', source: { index: 0 } })]);
    });

    it.each([
      ['tetragon-exec-curl-xwing.json', 'process_exec'],
      ['tetragon-kprobe-file-write.json', 'process_kprobe'],
      ['tetragon-kprobe-tcp-connect.json', 'process_kprobe'],
      ['hubble-enterprise-process-connect.json', 'process_connect'],
      ['falcosidekick-write-below-binary-dir.json', 'falco_alert'],
    ])('when the sample %s is read with a caller cluster, then it is one %s record', (name, type) => {
      const { records, skipped } = decodeNodeInput(fixtureText(name), { cluster: CLUSTER });
      expect(skipped).toEqual([]);
      expect(records.map((record) => record.event.type)).toEqual([type]);
    });

    it('when the samples are concatenated as compact NDJSON, then every one is a record', () => {
      const names = ['tetragon-exec-curl-xwing.json', 'tetragon-kprobe-file-write.json', 'tetragon-kprobe-tcp-connect.json', 'hubble-enterprise-process-connect.json', 'falcosidekick-terminal-shell-customfields.json'];
      const body = names.map((name) => line(JSON.parse(fixtureText(name)))).join('\n');
      const { records, skipped } = decodeNodeInput(body, { cluster: CLUSTER });
      expect(skipped).toEqual([]);
      expect(records).toHaveLength(names.length);
    });
  });

  describe('never throws', () => {
    it.each([
      ['a number', 5],
      ['a boolean', true],
      ['a function-free odd object', { log: 5, message: null }],
      ['nested arrays', [[[exec()]]]],
      ['a deeply stringified document', JSON.stringify(JSON.stringify(JSON.stringify(line(exec()))))],
      ['invalid UTF-8 bytes', new Uint8Array([0xff, 0xfe, 0x7b])],
      ['a Falco alert and a file access together', [falcoAlertEvent({ rule: 'x', outputFields: { cluster_resource_id: RESOURCE_ID } }), { ...fileAccessEvent({ path: '/etc/shadow' }), resourceId: RESOURCE_ID }]],
    ])('when the body is %s, then it decodes or skips without throwing', (_name, body) => {
      expect(() => decodeNodeInput(body)).not.toThrow();
    });
  });
});

describe('looksCutShort', () => {
  it.each([
    ['an object cut inside a string', '{"process_exec":{"process":{"binary":"/usr/b', true],
    ['an object cut between fields', '{"process_exec":{"process":{"binary":"/bin/sh",', true],
    ['an array cut short', '[{"a":1},{"b"', true],
    ['an escaped quote before the cut', '{"a":"x\\"', true],
    ['a complete object with garbage after', '{"a":1} trailing', false],
    ['a closing bracket too many', '{"a":1}}', false],
    ['text that is not JSON', 'hello', false],
  ])('when given %s, then it answers %s', (_name, text, expected) => {
    expect(looksCutShort(text)).toBe(expected);
  });
});
