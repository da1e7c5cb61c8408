import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Alert } from '../../shared/alerts/alert';
import { createDetectionContext } from '../../shared/detection/detectionContext';
import { auditEvent, bindingEvent, container, execEvent, podObject } from '../../shared/detection/exampleEvents';
import { defineRule } from '../../shared/detection/rule';
import { allRules } from '../../shared/detection/rules';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';
import { type RuleSummary } from '../../local/rulesCommand';
import { formatSummary, type IncidentLine, type ResolvedInputs, resolveInputs, scanInputs, STREAM_THRESHOLD_IN_BYTES } from '../../local/scanCommand';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

/** As AKS writes it in diagnostic records: upper case. */
const AKS_RESOURCE_ID =
  '/SUBSCRIPTIONS/6B1F3C2A-0D4E-4F5A-8B7C-9D0E1F2A3B4C/RESOURCEGROUPS/RG-SHOP/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP';
const CLUSTER_ARG = '/subscriptions/6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop';
const CLUSTER = parseClusterResourceId(CLUSTER_ARG) as ClusterIdentity;
const NOW = new Date('2026-11-02T12:00:00.000Z');

function privilegedPod(auditID: string, time?: string, namespace = 'default'): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace,
    auditID,
    ...(time === undefined ? {} : { time }),
    requestObject: podObject({ containers: [container({ securityContext: { privileged: true } })] }, 'debug', namespace),
  });
}

function alertTestRequest(auditID: string): Record<string, unknown> {
  return auditEvent({ verb: 'list', resource: 'pods', namespace: 'argus-alerttest', auditID });
}

function ordinaryRequest(auditID: string): Record<string, unknown> {
  return auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'settings', auditID });
}

const attackEvents = (): Record<string, unknown>[] => [privilegedPod('a-1'), alertTestRequest('a-2'), ordinaryRequest('a-3')];

/** One record of an AKS diagnostic setting: the audit event is a JSON string in `properties.log`. */
function diagnosticRecord(log: string, category = 'kube-audit'): Record<string, unknown> {
  return {
    time: '2026-11-02T10:15:31.0000000Z',
    resourceId: AKS_RESOURCE_ID,
    category,
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { log, stream: 'stdout', pod: 'kube-apiserver-6d8f9b7c5-x7k2p' },
  };
}

const auditRecord = (event: Record<string, unknown>): Record<string, unknown> => diagnosticRecord(`${JSON.stringify(event)}\n`);
const klogRecord = diagnosticRecord('I1102 10:15:30.123456      11 httplog.go:132] "HTTP" verb="GET" URI="/readyz" latency="1.1ms" resp=200\n', 'kube-apiserver');
/** AKS cuts `properties.log` at 16 KiB. */
const truncatedRecord = diagnosticRecord(
  JSON.stringify(
    auditEvent({
      verb: 'update',
      resource: 'configmaps',
      namespace: 'shop',
      name: 'big',
      auditID: 'a-big',
      requestObject: { kind: 'ConfigMap', metadata: { name: 'big', annotations: { note: 'x'.repeat(20_000) } } },
    }),
  ).slice(0, 16 * 1024),
);

interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  alerts(): Alert[];
}

function captureIo(options: { stdin?: string; stderrIsTTY?: boolean; elapsedInMs?: () => number } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), columns: 200 },
    stderr: { write: (text: string) => err.push(text), isTTY: options.stderrIsTTY ?? false, columns: 100 },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    now: () => NOW,
    elapsedInMs: options.elapsedInMs ?? (() => performance.now()),
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

/** The rules of the attacks these tests send, so that rules added to the library later do not change their alerts. */
const WATCHED_RULES = ['--rule', 'privileged-container', '--rule', 'alert-test-trigger'];
const watched = (alerts: readonly Alert[]): Alert[] => alerts.filter((a) => ['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer'].includes(a.alertType));

const ndjson = (values: readonly unknown[]): string => values.map((value) => JSON.stringify(value)).join('\n') + '\n';

describe('argus scan', () => {
  const dir = createTemporaryDirectory('argus-cli-');
  afterAll(() => dir.remove());
  let fileCount = 0;
  const write = (content: string, name = `input-${++fileCount}.json`): string => {
    const path = join(dir.path, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    return path;
  };

  it('when given an AKS Event Hubs message, then it prints one alert per line with alertType and equivalents, for the cluster of the records', async () => {
    const message = { records: [...attackEvents().map(auditRecord), klogRecord, truncatedRecord] };
    const out = captureIo();

    expect(await main(['scan', write(JSON.stringify(message))], out.io)).toBe(0);

    const alerts = watched(out.alerts());
    expect(alerts.map((a) => a.alertType)).toEqual(['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']);
    expect(alerts[1]).toMatchObject({
      compromisedEntity: 'aks-shop',
      subscriptionId: '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c',
      clusterResourceId: CLUSTER_ARG,
      evidenceAuditIds: ['a-1'],
      timeGeneratedUtc: NOW.toISOString(),
      equivalents: { defender: ['K8S_PrivilegedContainer'] },
    });
    expect(out.stderr()).toContain('scanned 1 file, 3 events');
    expect(out.stderr()).toContain('skipped 2 (otherCategory 1, truncatedJson 1)');
    expect(out.stderr()).toMatch(/; \d+ alerts: .*K8S_ArgusAlertTest 1/);
    expect(out.stderr()).toMatch(/; \d+ alerts: .*K8S_PrivilegedContainer 1/);
  });

  it.each([
    ['one raw audit Event', () => JSON.stringify(privilegedPod('a-1')), ['K8S_PrivilegedContainer']],
    ['an EventList (audit webhook)', () => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: attackEvents() }), ['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']],
    ['NDJSON of events (audit log file)', () => ndjson(attackEvents()), ['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']],
    ['a JSON array of events', () => JSON.stringify(attackEvents()), ['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']],
    ['an EventList with a byte-order mark', () => `\uFEFF${JSON.stringify({ kind: 'EventList', items: attackEvents() })}`, ['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']],
  ])('when given %s with --cluster, then the alerts are for that cluster', async (_form, content, alertTypes) => {
    const out = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, '--cluster', CLUSTER_ARG, write(content())], out.io)).toBe(0);

    expect(out.alerts().map((a) => a.alertType)).toEqual(alertTypes);
    expect(out.alerts().every((a) => a.compromisedEntity === 'aks-shop' && a.equivalents !== undefined)).toBe(true);
    expect(out.stderr()).not.toContain('skipped');
  });

  it('when given NDJSON of diagnostic records (a storage-account PT1H.json blob), then no --cluster is needed', async () => {
    const out = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, write(ndjson([...attackEvents().map(auditRecord), klogRecord]), 'PT1H.json')], out.io)).toBe(0);

    expect(out.alerts().map((a) => [a.alertType, a.compromisedEntity])).toEqual([
      ['K8S_ArgusAlertTest', 'aks-shop'],
      ['K8S_PrivilegedContainer', 'aks-shop'],
    ]);
    expect(out.stderr()).toContain('skipped 1 (otherCategory 1)');
  });

  it('when raw events come without --cluster, then they are skipped as missingClusterIdentity, with a hint, and it exits 0', async () => {
    const out = captureIo();

    expect(await main(['scan', write(JSON.stringify({ kind: 'EventList', items: attackEvents() }))], out.io)).toBe(0);

    expect(out.stdout()).toBe('');
    expect(out.stderr()).toContain('0 events');
    expect(out.stderr()).toContain('skipped 3 (missingClusterIdentity 3)');
    expect(out.stderr()).toContain('--cluster');
  });

  it('when given a directory, then it reads the audit files in it recursively and counts the others as ignored', async () => {
    const root = join(dir.path, 'logs');
    write(ndjson([auditRecord(privilegedPod('d-1'))]), 'logs/insights-logs-kube-audit/h=10/PT1H.json');
    write(ndjson([auditRecord(alertTestRequest('d-2'))]), 'logs/insights-logs-kube-audit-admin/h=10/PT1H.json');
    write('# notes', 'logs/README.md');
    const out = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, root], out.io)).toBe(0);

    expect(out.alerts().map((a) => a.alertType)).toEqual(['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']);
    expect(out.stderr()).toContain('scanned 2 files, 2 events');
    expect(out.stderr()).toContain('ignored 1 other files');
  });

  it('when the same request is in two files (kube-audit and kube-audit-admin), then it counts once', async () => {
    const first = write(ndjson([auditRecord(privilegedPod('same-1'))]));
    const second = write(ndjson([auditRecord(privilegedPod('same-1'))]));
    const out = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, first, second], out.io)).toBe(0);

    expect(out.alerts().map((a) => [a.alertType, a.count])).toEqual([['K8S_PrivilegedContainer', 1]]);
  });

  it('when the input is - , then it reads standard input', async () => {
    const out = captureIo({ stdin: ndjson(attackEvents()) });

    expect(await main(['scan', ...WATCHED_RULES, '--cluster', CLUSTER_ARG, '-'], out.io)).toBe(0);

    expect(out.alerts().map((a) => a.alertType)).toEqual(['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']);
    expect(out.stderr()).toContain('scanned standard input, 3 events');
  });

  it('when standard input is a pretty-printed EventList longer than a chunk of lines, then it is decoded whole', async () => {
    const ordinary = Array.from({ length: 300 }, (_, index) => ordinaryRequest(`p-${index}`));
    const stdin = JSON.stringify({ kind: 'EventList', items: [...attackEvents(), ...ordinary] }, null, 2);
    expect(stdin.split('\n').length).toBeGreaterThan(5000);
    const out = captureIo({ stdin });

    expect(await main(['scan', ...WATCHED_RULES, '--cluster', CLUSTER_ARG, '-'], out.io)).toBe(0);

    expect(out.alerts().map((a) => a.alertType)).toEqual(['K8S_ArgusAlertTest', 'K8S_PrivilegedContainer']);
  });

  it('when --format table is given, then it prints a plain table with the cluster, namespace and actor (the account, or the pod and process of a node alert)', async () => {
    const out = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, '--format', 'table', '--cluster', CLUSTER_ARG, write(ndjson(attackEvents()))], out.io)).toBe(0);

    const lines = out.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^time\s+severity\s+alertType\s+cluster\s+namespace\s+actor\s+count\s+name$/);
    expect(lines[1]).toMatch(/^-+( +-+){7}$/);
    expect(lines[3]).toMatch(/^2026-11-02 10:15:30 +Informational +K8S_PrivilegedContainer +aks-shop +default +dana@contoso\.com +1 +Privileged container detected$/);
    expect(out.stdout()).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('when --window is given, then requests of the same alert are grouped within windows of that many minutes', async () => {
    const path = write(ndjson([privilegedPod('w-1', '2026-11-02T10:05:00Z'), privilegedPod('w-2', '2026-11-02T10:50:00Z')]));
    const hourly = captureIo();
    const quarterly = captureIo();

    expect(await main(['scan', ...WATCHED_RULES, '--cluster', CLUSTER_ARG, path], hourly.io)).toBe(0);
    expect(await main(['scan', ...WATCHED_RULES, '--cluster', CLUSTER_ARG, '--window', '15', path], quarterly.io)).toBe(0);

    expect(hourly.alerts().map((a) => a.count)).toEqual([2]);
    expect(quarterly.alerts().map((a) => a.count)).toEqual([1, 1]);
  });

  it('when --rule is given, then only those rules run', async () => {
    const out = captureIo();

    expect(await main(['scan', '--rule', 'privileged-container', '--cluster', CLUSTER_ARG, write(ndjson(attackEvents()))], out.io)).toBe(0);

    expect(out.alerts().map((a) => a.alertType)).toEqual(['K8S_PrivilegedContainer']);
  });

  it('when --lists adds the user to the system identities, then her exec into a pod raises nothing', async () => {
    // Pod-spec rules judge a pod whoever creates it; exec-into-pod still spares system identities.
    const exec = ndjson([execEvent({ namespace: 'shop', pod: 'web-1', container: 'web', command: ['sh'], auditID: 'x-1' })]);
    const lists = write(JSON.stringify({ systemIdentities: { add: ['dana@contoso.com'] } }));
    const without = captureIo();
    const out = captureIo();

    expect(await main(['scan', '--rule', 'exec-into-pod', '--cluster', CLUSTER_ARG, write(exec)], without.io)).toBe(0);
    expect(await main(['scan', '--lists', lists, '--rule', 'exec-into-pod', '--cluster', CLUSTER_ARG, write(exec)], out.io)).toBe(0);

    expect(without.alerts().map((a) => a.alertType)).toEqual(['K8S_ExecIntoPod']);
    expect(out.stdout()).toBe('');
    expect(out.stderr()).toContain('1 events');
  });

  it.each([
    [['scan', '/nonexistent/audit.json'], 'cannot read /nonexistent/audit.json: no such file or directory'],
    [['scan', `${__filename}/logs`], `cannot read ${__filename}/logs: not a directory`],
    [['scan'], 'give at least one file, directory, or - for standard input'],
    [['scan', '--cluster', '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x', 'x.json'], '--cluster must be'],
    [['scan', '--cluster', 'aks-shop', 'x.json'], "got 'aks-shop'"],
    [['scan', '--bogus', 'x.json'], "Unknown option '--bogus'"],
    [['scan', '--format', 'xml', 'x.json'], '--format must be json or table'],
    [['scan', '--window', '0', 'x.json'], '--window must be at least 1 minute'],
    [['scan', '--window', 'soon', 'x.json'], '--window must be a number of minutes'],
    [['scan', '--rule', 'no-such-rule', 'x.json'], "unknown rule id 'no-such-rule'"],
    [['scan', '--lists', '/nonexistent/lists.json', 'x.json'], '--lists: cannot read /nonexistent/lists.json'],
  ])('when the arguments are %j, then it exits 2 with a clear message and prints nothing on stdout', async (argv, message) => {
    const out = captureIo();

    expect(await main(argv, out.io)).toBe(2);

    expect(out.stdout()).toBe('');
    expect(out.stderr()).toContain(message);
  });

  it('when the --lists file names an unknown list, then it exits 2 with the problem', async () => {
    const lists = write(JSON.stringify({ systemIdentity: ['ci-bot'] }));
    const out = captureIo();

    expect(await main(['scan', '--lists', lists, write(ndjson(attackEvents()))], out.io)).toBe(2);

    expect(out.stderr()).toContain(`--lists: ${lists} is not a valid list override file`);
    expect(out.stderr()).toContain('systemIdentity');
  });

  it('when a rule throws, then the summary names the rule and the audit id, and the other rules still raise their alerts', async () => {
    const throwing = defineRule({
      ...privilegedContainer,
      id: 'always-throws',
      alertType: 'K8S_AlwaysThrows',
      resources: undefined,
      match: () => {
        throw new Error('kaboom');
      },
    });
    const resolved = (await resolveInputs([write(ndjson(attackEvents()))])) as ResolvedInputs;

    const result = await scanInputs(resolved.inputs, {
      rules: [throwing, privilegedContainer],
      context: createDetectionContext(),
      cluster: CLUSTER,
      windowInMs: 3_600_000,
      now: NOW,
      stdin: Readable.from([]),
    });

    expect(result.alerts.map((a) => a.alertType)).toEqual(['K8S_PrivilegedContainer']);
    const summary = formatSummary(result, resolved, 1200);
    expect(summary).toContain('scanned 1 file, 3 events in 1.2 s; 1 alert: K8S_PrivilegedContainer 1');
    expect(summary).toContain('3 rule failures');
    expect(summary).toContain('rule always-throws on event a-1: kaboom');
  });

  describe('--incidents', () => {
    // dana binds herself to cluster-admin, creates a privileged pod, then opens a shell in it: three intents, one actor.
    const escalation = (): Record<string, unknown>[] => [
      bindingEvent(
        { name: 'dana-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] },
        { auditID: 'i-1', time: '2026-11-02T10:15:30.000000Z' },
      ),
      privilegedPod('i-2', '2026-11-02T10:16:05.000000Z'),
      execEvent({ namespace: 'default', pod: 'debug', container: 'app', command: ['sh'], auditID: 'i-3', time: '2026-11-02T10:16:40.000000Z' }),
    ];
    const ESCALATION_RULES = ['--rule', 'cluster-admin-binding', '--rule', 'privileged-container', '--rule', 'exec-into-pod'];
    const lines = (out: CapturedIo): Record<string, unknown>[] =>
      out
        .stdout()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const incidentsOf = (out: CapturedIo): IncidentLine[] => lines(out).filter((line) => line['kind'] === 'incident') as unknown as IncidentLine[];

    it('when an RBAC escalation is followed by a privileged pod and an exec into it by the same user, then one incident follows the alerts, in kill-chain order, with the user shared', async () => {
      const out = captureIo();

      expect(await main(['scan', ...ESCALATION_RULES, '--incidents', '--cluster', CLUSTER_ARG, write(ndjson(escalation()))], out.io)).toBe(0);

      const printed = lines(out);
      const alerts = printed.slice(0, 3) as unknown as Alert[];
      expect(alerts.map((a) => a.alertType)).toEqual(['K8S_ClusterAdminBinding', 'K8S_PrivilegedContainer', 'K8S_ExecIntoPod']);
      expect(printed).toHaveLength(4);
      const [incident] = incidentsOf(out);
      expect(printed[3]).toEqual(incident);
      expect(incident).toMatchObject({
        kind: 'incident',
        clusterResourceId: CLUSTER_ARG,
        severity: 'Medium',
        intents: ['Persistence', 'PrivilegeEscalation', 'Execution'],
        alertIds: alerts.map((a) => a.id),
        startTimeUtc: '2026-11-02T10:15:30.000Z',
        endTimeUtc: '2026-11-02T10:16:40.000Z',
      });
      expect(incident?.alertSummaries.map((s) => s.alertDisplayName)).toEqual(alerts.map((a) => a.alertDisplayName));
      expect(incident?.sharedEntities).toContainEqual({ type: 'account', name: 'dana@contoso.com' });
      expect(incident?.sharedEntities).toContainEqual({ type: 'K8s-pod', namespace: 'default', name: 'debug' });
      expect(incident?.correlationKey).toMatch(/\S/);
      expect(out.stderr()).toMatch(/; 3 alerts: .*; 1 incident\n/);
    });

    it('when every rule runs, then the sequence alerts join the same single incident', async () => {
      const out = captureIo();

      expect(await main(['scan', '--incidents', '--cluster', CLUSTER_ARG, write(ndjson(escalation()))], out.io)).toBe(0);

      const alerts = lines(out).filter((line) => line['kind'] !== 'incident') as unknown as Alert[];
      const incidents = incidentsOf(out);
      expect(incidents).toHaveLength(1);
      const escalationAlerts = alerts.filter((a) => ['K8S_ClusterAdminBinding', 'K8S_PrivilegedContainer', 'K8S_ExecIntoPod'].includes(a.alertType));
      expect(escalationAlerts).toHaveLength(3);
      expect(incidents[0]?.alertIds).toEqual(expect.arrayContaining(escalationAlerts.map((a) => a.id)));
      expect(incidents[0]?.alertIds).toHaveLength(alerts.length);
    });

    it('when --incidents is not given, then the output is the alerts alone, as with it minus the incident line', async () => {
      const path = write(ndjson(escalation()));
      const without = captureIo();
      const withIncidents = captureIo();

      expect(await main(['scan', ...ESCALATION_RULES, '--cluster', CLUSTER_ARG, path], without.io)).toBe(0);
      expect(await main(['scan', ...ESCALATION_RULES, '--incidents', '--cluster', CLUSTER_ARG, path], withIncidents.io)).toBe(0);

      expect(incidentsOf(without)).toEqual([]);
      expect(without.stdout()).toBe(lines(withIncidents).filter((line) => line['kind'] !== 'incident').map((line) => `${JSON.stringify(line)}\n`).join(''));
      expect(without.stdout()).not.toContain('"kind":"incident"');
      expect(without.stderr()).not.toContain('incident');
    });

    it('when the input raises one alert only, then no incident is printed', async () => {
      const out = captureIo();

      expect(await main(['scan', ...ESCALATION_RULES, '--incidents', '--cluster', CLUSTER_ARG, write(ndjson([privilegedPod('i-9')]))], out.io)).toBe(0);

      expect(lines(out).map((line) => line['alertType'] ?? line['kind'])).toEqual(['K8S_PrivilegedContainer']);
      expect(out.stderr()).toMatch(/; 1 alert: K8S_PrivilegedContainer 1; 0 incidents\n/);
    });

    it('when --format table is given, then a second table follows the alerts with one row per incident', async () => {
      const out = captureIo();

      expect(await main(['scan', ...ESCALATION_RULES, '--incidents', '--format', 'table', '--cluster', CLUSTER_ARG, write(ndjson(escalation()))], out.io)).toBe(0);

      const [alertTable, incidentTable] = out.stdout().split('\n\n');
      expect(alertTable?.split('\n')).toHaveLength(5);
      const rows = incidentTable?.trimEnd().split('\n') ?? [];
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatch(/^time\s+severity\s+alerts\s+intents\s+sharedEntities$/);
      expect(rows[2]).toMatch(/^2026-11-02 10:15:30 +Medium +3 +Persistence > PrivilegeEscalation > Execution +.*account dana@contoso\.com/);
      expect(rows[2]).toContain('pod default/debug');
    });

    it('when --format table is given and nothing correlates, then it says there are no incidents', async () => {
      const out = captureIo();

      expect(await main(['scan', ...ESCALATION_RULES, '--incidents', '--format', 'table', '--cluster', CLUSTER_ARG, write(ndjson([privilegedPod('i-10')]))], out.io)).toBe(0);

      expect(out.stdout()).toMatch(/K8S_PrivilegedContainer.*\n\nno incidents\n$/);
    });

    it('when asked for help, then the usage names --incidents', async () => {
      const out = captureIo();
      expect(await main(['scan', '--help'], out.io)).toBe(0);
      expect(out.stdout()).toContain('--incidents');
    });
  });

  describe('a file larger than the streaming threshold', () => {
    let bigPath: string;
    let resolved: ResolvedInputs;

    beforeAll(async () => {
      // Ordinary traffic with attacks spread through it; the first attack is repeated at the very end.
      const lines: string[] = [JSON.stringify(privilegedPod('big-attack-0', '2026-11-02T09:00:00Z'))];
      let index = 0;
      let size = 0;
      while (size <= STREAM_THRESHOLD_IN_BYTES) {
        index++;
        const minute = String(index % 60).padStart(2, '0');
        const line =
          index % 1000 === 0
            ? JSON.stringify(privilegedPod(`big-attack-${index}`, `2026-11-02T1${index % 10}:${minute}:00Z`, `team-${index % 3}`))
            : index % 1500 === 0
              ? JSON.stringify(alertTestRequest(`big-test-${index}`))
              : JSON.stringify(
                  auditEvent({
                    verb: 'update',
                    resource: 'configmaps',
                    namespace: 'shop',
                    name: 'settings',
                    auditID: `big-ordinary-${index}`,
                    requestObject: { kind: 'ConfigMap', metadata: { name: 'settings' }, data: { 'app.properties': 'feature.enabled=true\n'.repeat(30) } },
                  }),
                );
        lines.push(line);
        size += line.length + 1;
      }
      lines.push(lines[0] as string);
      bigPath = write(`\uFEFF${lines.join('\n')}\n`, 'big/audit.log');
      resolved = (await resolveInputs([bigPath])) as ResolvedInputs;
    });

    const scanOptions = { rules: allRules, context: createDetectionContext(), windowInMs: 3_600_000, now: NOW, stdin: Readable.from([]) };

    it('when scanned, then it is streamed in chunks and gives the same alerts as decoding it whole', async () => {
      const streamed = await scanInputs(resolved.inputs, { ...scanOptions, cluster: CLUSTER });
      const whole = await scanInputs(resolved.inputs, { ...scanOptions, cluster: CLUSTER, streamThresholdInBytes: Infinity });

      expect(streamed).toMatchObject({ streamedInputs: 1 });
      expect(streamed.chunks).toBeGreaterThan(1);
      expect(whole).toMatchObject({ streamedInputs: 0, chunks: 1 });
      expect(streamed.events).toBe(whole.events);
      expect(streamed.alerts).toEqual(whole.alerts);
      const privileged = streamed.alerts.filter((a) => a.alertType === 'K8S_PrivilegedContainer');
      expect(privileged.length).toBeGreaterThan(3);
      expect(privileged.find((a) => a.evidenceAuditIds.includes('big-attack-0'))?.count).toBe(1);
      expect(streamed.alerts.some((a) => a.alertType === 'K8S_ArgusAlertTest')).toBe(true);
    });

    it('when scanned from the command line on a terminal, then a progress bar is drawn on stderr and cleared before the summary', async () => {
      let clock = 0;
      const out = captureIo({ stderrIsTTY: true, elapsedInMs: () => (clock += 50) });

      expect(await main(['scan', '--cluster', CLUSTER_ARG, bigPath], out.io)).toBe(0);

      const stderr = out.stderr();
      expect(stderr).toMatch(/\r\[#*\.*\] +\d+% {2}\d+\.\d\/8\.\d MiB {2}[\d,]+ events\/s/);
      const summary = stderr.slice(stderr.lastIndexOf('\r') + 1);
      expect(summary).toMatch(/^scanned 1 file, [\d,]+ events in [\d.]+ s; \d+ alerts: .*K8S_PrivilegedContainer \d+/);
      expect(out.alerts().length).toBeGreaterThan(3);
    });
  });
});

describe('argus rules', () => {
  it('when asked for --json, then it lists every rule with its metadata, equivalents and number of examples, without code', async () => {
    const out = captureIo();

    expect(await main(['rules', '--json'], out.io)).toBe(0);

    const rules = JSON.parse(out.stdout()) as (RuleSummary & Record<string, unknown>)[];
    expect(rules.map((r) => r.id)).toEqual(allRules.map((r) => r.id).sort((a, b) => a.localeCompare(b)));
    for (const summary of rules) {
      const rule = allRules.find((r) => r.id === summary.id);
      expect(summary).toMatchObject({ alertType: rule?.alertType, severity: rule?.severity, exampleCount: rule?.examples.length });
      expect(Object.keys(summary.equivalents).sort()).toEqual(['defender', 'elastic', 'falco', 'guardDuty']);
      expect(summary).not.toHaveProperty('match');
      expect(summary).not.toHaveProperty('examples');
      expect(summary.source).toBe(rule?.source);
      if (rule?.source === 'node') {
        expect(summary.eventTypes).toEqual(rule.eventTypes ?? []);
        expect(summary).not.toHaveProperty('stages');
      } else {
        expect(summary.stages).toEqual(rule?.stages);
        expect(summary).not.toHaveProperty('eventTypes');
      }
    }
    expect(new Set(rules.map((rule) => rule.source))).toEqual(new Set(allRules.map((rule) => rule.source)));
  });

  it.each(['audit', 'node'] as const)('when asked for --source %s, then only the rules of that signal are listed', async (source) => {
    const out = captureIo();

    expect(await main(['rules', '--json', '--source', source], out.io)).toBe(0);

    const rules = JSON.parse(out.stdout()) as RuleSummary[];
    expect(rules.map((r) => r.id)).toEqual(
      allRules
        .filter((rule) => rule.source === source)
        .map((r) => r.id)
        .sort((a, b) => a.localeCompare(b)),
    );
  });

  it('when --source names no signal, then it exits 2 naming the signals', async () => {
    const out = captureIo();
    expect(await main(['rules', '--source', 'syslog'], out.io)).toBe(2);
    expect(out.stderr()).toContain("--source must be audit or node; got 'syslog'");
  });

  it('when asked without options, then it prints a table with a line per rule', async () => {
    const out = captureIo();

    expect(await main(['rules'], out.io)).toBe(0);

    const lines = out.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+source\s+alertType\s+severity\s+intent\s+techniques\s+defender\s+falco\s+guardDuty\s+elastic$/);
    expect(lines.slice(2).map((line) => line.split(' ')[0])).toEqual(allRules.map((r) => r.id).sort((a, b) => a.localeCompare(b)));
    expect(out.stdout()).toMatch(/privileged-container +audit +K8S_PrivilegedContainer +Informational +PrivilegeEscalation +T1611; T1610 +K8S_PrivilegedContainer +Create Privileged Pod/);
    expect(out.stdout()).toMatch(/\nreverse-shell +node +K8S\.NODE_ReverseShell /);
    const count = (source: string): number => allRules.filter((rule) => rule.source === source).length;
    expect(out.stderr()).toContain(`${allRules.length} rules (${count('audit')} audit, ${count('node')} node)`);
  });

  it('when given an unknown option, then it exits 2', async () => {
    const out = captureIo();
    expect(await main(['rules', '--yaml'], out.io)).toBe(2);
    expect(out.stderr()).toContain("Unknown option '--yaml'");
  });
});

describe('argus', () => {
  it.each([
    [['frobnicate'], 2, "unknown command 'frobnicate'"],
    [[], 2, 'Usage: argus <command>'],
  ])('when the command line is %j, then it exits %i with the usage', async (argv, code, message) => {
    const out = captureIo();
    expect(await main(argv, out.io)).toBe(code);
    expect(out.stderr()).toContain(message);
  });

  it.each([[['--help']], [['scan', '--help']], [['rules', '--help']]])('when asked for %j, then it prints the usage on stdout and exits 0', async (argv) => {
    const out = captureIo();
    expect(await main(argv, out.io)).toBe(0);
    expect(out.stdout()).toMatch(/^Usage: argus/);
  });
});
