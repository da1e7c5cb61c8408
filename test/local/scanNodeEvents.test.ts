import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { type Alert } from '../../shared/alerts/alert';
import { createDetectionContext } from '../../shared/detection/detectionContext';
import { auditEvent, container, podObject } from '../../shared/detection/exampleEvents';
import { nodeDedupKey, nodeEventEntities } from '../../shared/detection/nodeEntities';
import { defineNodeRule, type NodeRule } from '../../shared/detection/rule';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { decodeNodeInput } from '../../shared/node/decodeNodeInput';
import { processExecEvent } from '../../shared/node/exampleNodeEvents';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';
import { formatSummary, inputSignalOf, type ResolvedInputs, resolveInputs, scanInputs } from '../../local/scanCommand';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

/*
 * `argus scan` on node events: a Tetragon JSON export (one GetEventsResponse per line) and falcosidekick
 * alerts, told apart from audit logs by their shape, decoded with --cluster as the identity they lack,
 * alone or beside audit logs in one run; bad lines counted by reason.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'node-scan');
/** Three lines: a reverse shell from nginx, XMRig in a CronJob's pod, nginx itself starting (benign). */
const TETRAGON_EXPORT = join(FIXTURES, 'tetragon-export.jsonl');
/** A pretty-printed array of two falcosidekick alerts: "Terminal shell in container" and a miner pool connection. */
const FALCO_ALERTS = join(FIXTURES, 'falcosidekick-alerts.json');
const CLUSTER_ARG = '/subscriptions/6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop';
const CLUSTER = parseClusterResourceId(CLUSTER_ARG) as ClusterIdentity;
const NOW = new Date('2026-11-02T12:00:00.000Z');

const tetragonLines = readFileSync(TETRAGON_EXPORT, 'utf8').trimEnd().split('\n');
/** The ids the decoder gives the export's events, in file order. */
const [reverseShellId, minerId, benignId] = decodeNodeInput(tetragonLines.join('\n'), { cluster: CLUSTER }).records.map((record) => record.event.id) as [string, string, string];

/** Node rules of the test's own, so that what these tests expect does not move with the library. */
const testRules: readonly NodeRule[] = [
  testRule('test-dev-tcp-shell', 'K8S.NODE_TestReverseShell', (event) => event.type === 'process_exec' && event.process.arguments.includes('/dev/tcp/')),
  testRule('test-xmrig', 'K8S.NODE_TestMiner', (event) => event.type === 'process_exec' && event.process.binary.endsWith('/xmrig')),
  defineNodeRule({
    ...testRule('test-falco', 'K8S.NODE_TestFalco', () => true),
    eventTypes: ['falco_alert'],
  }),
];

function testRule(id: string, alertType: string, match: NodeRule['match']): NodeRule {
  return defineNodeRule({
    id,
    alertType,
    displayName: `Test ${id}`,
    description: 'A test rule.',
    severity: 'High',
    intent: 'Execution',
    techniques: [],
    remediation: [],
    falsePositives: [],
    references: [],
    equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
    eventTypes: ['process_exec'],
    match,
    entities: (event) => nodeEventEntities(event),
    dedupKey: (event) => nodeDedupKey(event),
    examples: [],
  });
}

const scanOptions = { rules: testRules, context: createDetectionContext(), windowInMs: 3_600_000, now: NOW, stdin: Readable.from([]) };

interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  alerts(): Alert[];
}

function captureIo(options: { stdin?: string } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), columns: 200 },
    stderr: { write: (text: string) => err.push(text), isTTY: false, columns: 100 },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    now: () => NOW,
    elapsedInMs: () => 0,
  };
  const stdout = (): string => out.join('');
  return {
    io,
    stdout,
    stderr: () => err.join(''),
    alerts: () =>
      stdout()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Alert),
  };
}

const nodeAlerts = (alerts: readonly Alert[]): Alert[] => alerts.filter((alert) => alert.alertType.startsWith('K8S.NODE_'));

describe('argus scan: node events', () => {
  const dir = createTemporaryDirectory('argus-scan-node-');
  afterAll(() => dir.remove());
  let fileCount = 0;
  const write = (content: string | Buffer, name = `input-${++fileCount}.jsonl`): string => {
    const path = join(dir.path, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    return path;
  };

  it('when given a Tetragon export with --cluster, then the reverse shell and the miner raise their alerts on that cluster, and the benign exec none', async () => {
    const resolved = (await resolveInputs([TETRAGON_EXPORT])) as ResolvedInputs;

    const result = await scanInputs(resolved.inputs, { ...scanOptions, cluster: CLUSTER });

    expect(result.alerts.map((alert) => [alert.alertType, alert.evidenceAuditIds])).toEqual([
      ['K8S.NODE_TestReverseShell', [reverseShellId]],
      ['K8S.NODE_TestMiner', [minerId]],
    ]);
    expect(result.alerts.every((alert) => alert.clusterResourceId === CLUSTER_ARG)).toBe(true);
    expect(result.alerts[1]?.extendedProperties).toMatchObject({ signal: 'node', namespace: 'batch', pod: 'report-28571430-7xk2p', eventType: 'process_exec' });
    expect(result).toMatchObject({ events: 0, nodeEvents: 3, skippedByReason: {}, nodeSkippedByReason: {} });
    expect(formatSummary(result, resolved, 300)).toMatch(/^scanned 1 file, 3 node events in 0\.3 s; 2 alerts: K8S\.NODE_TestMiner 1, K8S\.NODE_TestReverseShell 1\n$/);
  });

  it('when given falcosidekick alerts (a pretty-printed array), then each alert reaches the rules as a Falco alert', async () => {
    const result = await scanInputs(((await resolveInputs([FALCO_ALERTS])) as ResolvedInputs).inputs, { ...scanOptions, cluster: CLUSTER });

    expect(result.nodeEvents).toBe(2);
    // Two processes (bash, xmrig): two alerts of the rule.
    expect(result.alerts.map((alert) => [alert.alertType, alert.extendedProperties['falcoRule']])).toEqual([
      ['K8S.NODE_TestFalco', 'Terminal shell in container'],
      ['K8S.NODE_TestFalco', 'Detect outbound connections to common miner pool ports'],
    ]);
  });

  it.each<[string, (alerts: unknown[]) => string, number]>([
    ['one alert', (alerts) => JSON.stringify(alerts[0]), 1],
    ['NDJSON', (alerts) => alerts.map((alert) => JSON.stringify(alert)).join('\n'), 2],
  ])('when falcosidekick alerts come as %s, then they are read as node events', async (_form, content, count) => {
    const path = write(content(JSON.parse(readFileSync(FALCO_ALERTS, 'utf8')) as unknown[]));

    const result = await scanInputs(((await resolveInputs([path])) as ResolvedInputs).inputs, { ...scanOptions, cluster: CLUSTER });

    expect(result.nodeEvents).toBe(count);
    expect(result.alerts).toHaveLength(count);
    expect(result.alerts.every((alert) => alert.alertType === 'K8S.NODE_TestFalco')).toBe(true);
  });

  it('when an audit log and a Tetragon export are scanned in one run, then both raise their alerts and the summary counts each signal', async () => {
    const privileged = auditEvent({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      auditID: 'mixed-1',
      requestObject: podObject({ containers: [container({ securityContext: { privileged: true } })] }, 'debug', 'default'),
    });
    const auditLog = write(`${JSON.stringify(privileged)}\n`, 'mixed/audit.log');
    const out = captureIo();

    expect(await main(['scan', '--rule', 'privileged-container', '--rule', 'reverse-shell', '--cluster', CLUSTER_ARG, auditLog, TETRAGON_EXPORT], out.io)).toBe(0);

    const types = out.alerts().map((alert) => alert.alertType);
    expect(types).toContain('K8S_PrivilegedContainer');
    expect(types).toContain('K8S.NODE_ReverseShell');
    expect(out.alerts().find((alert) => alert.alertType === 'K8S.NODE_ReverseShell')?.evidenceAuditIds).toEqual([reverseShellId]);
    expect(out.stderr()).toContain('scanned 2 files, 1 audit events and 3 node events');
  });

  it('when the library scans the export and the Falco alerts (--format json), then node alerts print as JSON lines, none from the benign exec', async () => {
    const out = captureIo();

    expect(await main(['scan', '--cluster', CLUSTER_ARG, TETRAGON_EXPORT, FALCO_ALERTS], out.io)).toBe(0);

    const alerts = nodeAlerts(out.alerts());
    const evidenceOf = (alertType: string): string[] | undefined => alerts.find((alert) => alert.alertType === alertType)?.evidenceAuditIds;
    expect(evidenceOf('K8S.NODE_ReverseShell')).toEqual([reverseShellId]);
    expect(evidenceOf('K8S.NODE_DigitalCurrencyMining')).toEqual([minerId]);
    expect(alerts.every((alert) => alert.clusterResourceId === CLUSTER_ARG && alert.equivalents !== undefined)).toBe(true);
    expect(alerts.flatMap((alert) => alert.evidenceAuditIds)).not.toContain(benignId);
    expect(alerts.find((alert) => alert.alertType === 'K8S.NODE_ReverseShell')?.entities).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'process', name: '/bin/bash' }), expect.objectContaining({ type: 'K8s-pod', name: 'web-7d4b9c6f5-x2x9k' })]),
    );
    expect(out.stderr()).toContain('scanned 2 files, 5 node events');
  });

  it('when --format table is given, then node alerts are rows of the alert table with their namespace', async () => {
    const out = captureIo();

    expect(await main(['scan', '--rule', 'reverse-shell', '--format', 'table', '--cluster', CLUSTER_ARG, TETRAGON_EXPORT], out.io)).toBe(0);

    const lines = out.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+severity\s+alertType\s+cluster\s+namespace\s+/);
    expect(lines.slice(2).some((line) => /^2025-06-03 09:41:27 +\w+ +K8S\.NODE_ReverseShell +aks-shop +shop /.test(line))).toBe(true);
  });

  it('when the export has bad lines, then each is counted as skipped with its reason and the good lines are still scanned', async () => {
    const unsupported = JSON.stringify({ process_loader: { process: { binary: '/usr/sbin/nginx' }, path: '/usr/lib/libssl.so.3' }, node_name: 'aks-nodepool1-12345678-vmss000000', time: '2025-06-03T09:41:28Z' });
    const path = write([tetragonLines[0], 'not json at all', '{"process_exec": {"process": {"binary": "/bin/sh"', unsupported, '[1, 2]', tetragonLines[1]].join('\n'));
    const resolved = (await resolveInputs([path])) as ResolvedInputs;

    const result = await scanInputs(resolved.inputs, { ...scanOptions, cluster: CLUSTER });

    expect(result.nodeEvents).toBe(2);
    expect(result.alerts.map((alert) => alert.alertType).sort()).toEqual(['K8S.NODE_TestMiner', 'K8S.NODE_TestReverseShell']);
    expect(result.nodeSkippedByReason).toEqual({ invalidJson: 1, truncatedJson: 1, unsupportedNodeEventType: 1, notANodeEvent: 2 });
    expect(result.skippedByReason).toEqual({});
    expect(formatSummary(result, resolved, 0)).toContain('skipped 5 node records (notANodeEvent 2, invalidJson 1, truncatedJson 1, unsupportedNodeEventType 1)');
  });

  it('when node events come without --cluster and name none, then they are skipped as missingClusterIdentity with a hint', async () => {
    const out = captureIo();

    expect(await main(['scan', TETRAGON_EXPORT], out.io)).toBe(0);

    expect(out.stdout()).toBe('');
    expect(out.stderr()).toContain('skipped 3 node records (missingClusterIdentity 3)');
    expect(out.stderr()).toContain('node events without cluster_resource_id carry no cluster: give it with --cluster');
  });

  it('when node events name their cluster in cluster_resource_id, then no --cluster is needed and the alerts are for that cluster', async () => {
    const other = '/subscriptions/6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c/resourceGroups/rg-batch/providers/Microsoft.ContainerService/managedClusters/aks-batch';
    const tagged = tetragonLines.map((line) => JSON.stringify({ ...(JSON.parse(line) as object), cluster_resource_id: other.toUpperCase() })).join('\n');
    const resolved = (await resolveInputs([write(tagged)])) as ResolvedInputs;

    const result = await scanInputs(resolved.inputs, { ...scanOptions, cluster: CLUSTER });

    expect(result.alerts).toHaveLength(2);
    expect(result.alerts.every((alert) => alert.clusterResourceId === other)).toBe(true);
  });

  it('when the export is read from standard input, then it is detected by its first line and scanned', async () => {
    const out = captureIo({ stdin: `${tetragonLines.join('\n')}\n` });

    expect(await main(['scan', '--rule', 'reverse-shell', '--cluster', CLUSTER_ARG, '-'], out.io)).toBe(0);

    expect(out.alerts().map((alert) => alert.alertType)).toEqual(['K8S.NODE_ReverseShell']);
    expect(out.stderr()).toContain('scanned standard input, 3 node events');
  });

  it('when the export is larger than the streaming threshold, then it is streamed in chunks with the same alerts as read whole', async () => {
    const lines = Array.from({ length: 6000 }, (_, index) =>
      JSON.stringify(processExecEvent({ binary: '/usr/bin/sleep', arguments: '1', execId: `benign-${index}`, time: `2025-06-03T09:4${index % 10}:00.000000000Z` })),
    );
    const path = write([tetragonLines[0], ...lines, tetragonLines[1]].join('\n'), 'big/tetragon.log');
    const inputs = ((await resolveInputs([path])) as ResolvedInputs).inputs;

    const streamed = await scanInputs(inputs, { ...scanOptions, cluster: CLUSTER, streamThresholdInBytes: 0 });
    const whole = await scanInputs(inputs, { ...scanOptions, cluster: CLUSTER });

    expect(streamed.chunks).toBeGreaterThan(1);
    expect(streamed.nodeEvents).toBe(6002);
    expect(streamed.alerts).toEqual(whole.alerts);
    expect(streamed.alerts.map((alert) => alert.alertType).sort()).toEqual(['K8S.NODE_TestMiner', 'K8S.NODE_TestReverseShell']);
  });
});

describe('inputSignalOf', () => {
  const falcoAlerts = readFileSync(FALCO_ALERTS, 'utf8');
  const audit = JSON.stringify(auditEvent({ verb: 'get', resource: 'pods', namespace: 'shop', auditID: 'x-1' }));

  it.each<[string, 'audit' | 'node', string | Uint8Array]>([
    ['a Tetragon export (NDJSON)', 'node', tetragonLines.join('\n')],
    ['a Tetragon export whose first line is broken', 'node', `{"process_exec": {"pro\n${tetragonLines.join('\n')}`],
    ['a Tetragon export as UTF-8 bytes with a byte-order mark', 'node', Buffer.from(`\uFEFF${tetragonLines.join('\n')}`)],
    ['a pretty-printed array of Falco alerts', 'node', falcoAlerts],
    ['one Falco alert on one line', 'node', JSON.stringify((JSON.parse(falcoAlerts) as unknown[])[0])],
    ["Tetragon lines inside Fluent Bit's log field", 'node', JSON.stringify({ log: tetragonLines[0], cluster_resource_id: CLUSTER_ARG })],
    ['an audit event', 'audit', audit],
    ['an EventList', 'audit', JSON.stringify({ kind: 'EventList', items: [JSON.parse(audit)] }, null, 2)],
    ['an AKS diagnostic message', 'audit', JSON.stringify({ records: [{ category: 'kube-audit', properties: { log: audit } }] })],
    ['gzip bytes', 'audit', gzipSync(tetragonLines.join('\n'))],
    ['text that is no JSON', 'audit', 'hello\nworld'],
  ])('when the input is %s, then it is read as %s', (_case, signal, chunk) => {
    expect(inputSignalOf(chunk)).toBe(signal);
  });
});
