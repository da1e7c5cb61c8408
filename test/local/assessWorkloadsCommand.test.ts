import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../local/argus';
import { assessWorkloadsCommand } from '../../local/assessWorkloadsCommand';
import { type CliIo } from '../../local/cliIo';
import { workloadControls } from '../../shared/posture/checks/workload';
import { testControls } from '../support/workloadControlFixtures';

const manifests = join(__dirname, '../fixtures/manifests');
const valid = join(manifests, 'valid');

function captureIo(stdinText = ''): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: Readable.from([stdinText]),
    now: () => new Date('2026-11-02T12:00:00Z'),
    elapsedInMs: () => 0,
    out: () => out,
    err: () => err,
  };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `kind/namespace/name control` for each failing line. */
function failures(text: string): string[] {
  return lines(text).map((line) => `${String(line['kind'])}/${String(line['namespace'])}/${String(line['name'])} ${String(line['control'])}`);
}

async function run(argv: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(stdinText);
  const code = await assessWorkloadsCommand(argv, io, testControls);
  return { code, out: io.out(), err: io.err() };
}

describe('argus assess-workloads', () => {
  it('when given the manifests folder, then it prints the failing controls per object from YAML, Helm output and a kubectl List, and skips excluded namespaces', async () => {
    const { code, out, err } = await run([valid]);
    expect(code).toBe(0);
    expect(failures(out).sort()).toEqual([
      'CronJob/reports/nightly-report test-limits',
      'DaemonSet/monitoring/node-agent test-limits',
      'DaemonSet/monitoring/node-agent test-privileged',
      'DaemonSet/monitoring/node-agent test-run-as-non-root',
      'Deployment/billing/billing test-limits',
      'Pod/batch/batch-runner test-limits',
      'Pod/batch/batch-runner test-run-as-non-root',
    ]);
    const privileged = lines(out).find((line) => line['control'] === 'test-privileged');
    expect(privileged).toMatchObject({
      source: `${join(valid, 'privileged-daemonset.yaml')}:1`,
      severity: 'High',
      podSecurityLevel: 'baseline',
      objectPodSecurityLevel: 'privileged',
      findings: [{ container: 'agent', field: 'agent.securityContext.privileged', value: 'true' }],
    });
    const billing = lines(out).find((line) => line['name'] === 'billing');
    expect(billing).toMatchObject({ helmSource: 'billing/templates/deployment.yaml', objectPodSecurityLevel: 'restricted' });
    expect(billing?.['findings']).toHaveLength(2); // the init container and the container
    expect(err).toContain('7 objects judged from 6 inputs (1 of other kinds)');
    expect(err).toContain('1 files ignored');
    expect(err).toContain('no kind (not a Kubernetes object)');
    expect(err).toContain('kube-system: excluded');
  });

  it('when --fail-on is given, then it exits 1 only when a failing control is at or above that severity', async () => {
    expect((await run(['--fail-on', 'high', valid])).code).toBe(1);
    expect((await run(['--fail-on', 'high', join(valid, 'root-pod.yaml')])).code).toBe(0);
    expect((await run(['--fail-on', 'medium', join(valid, 'root-pod.yaml')])).code).toBe(1);
    expect((await run(['--fail-on', 'low', join(valid, 'restricted-deployment.yaml')])).code).toBe(0);
  });

  it('when --level baseline is given, then only baseline PSS controls are reported, and the namespace levels still use every control', async () => {
    const baseline = await run(['--level', 'baseline', '--fail-on', 'low', valid]);
    expect(failures(baseline.out)).toEqual(['DaemonSet/monitoring/node-agent test-privileged']);
    expect(baseline.code).toBe(1);
    expect((await run(['--level', 'baseline', '--fail-on', 'low', join(valid, 'root-pod.yaml')])).code).toBe(0);
    expect(baseline.err).toContain('batch: baseline (pod-security.kubernetes.io/enforce: baseline); below restricted because of Pod/batch-runner (test-run-as-non-root)');
    const restricted = await run(['--level', 'restricted', join(valid, 'root-pod.yaml')]);
    expect(failures(restricted.out)).toEqual(['Pod/batch/batch-runner test-run-as-non-root']);
  });

  it('when asked for a table, then it prints the failures, a summary and the Pod Security level per namespace with the label', async () => {
    const { code, out } = await run(['--format', 'table', valid]);
    expect(code).toBe(0);
    const table = out.split('\n');
    expect(table[0]).toMatch(/^NAMESPACE\s+OBJECT\s+CONTROL\s+SEVERITY\s+PSS\s+FINDINGS$/);
    expect(out).toMatch(/monitoring\s+DaemonSet\/node-agent\s+test-privileged\s+High\s+baseline\s+agent: agent\.securityContext\.privileged=true/);
    expect(out).toContain('7 failing controls (1 High, 2 Medium, 4 Low) on 4 of 7 objects');
    expect(out).toContain('  shop: restricted (pod-security.kubernetes.io/enforce: restricted)');
    expect(out).toContain('  billing: restricted (pod-security.kubernetes.io/enforce: restricted)');
    expect(out).toContain('  monitoring: privileged (pod-security.kubernetes.io/enforce: privileged); below baseline because of DaemonSet/node-agent (test-privileged)');
    expect(out).toContain('  kube-system: excluded (not judged)');
  });

  it('when an input holds a broken YAML document, then the rest is evaluated, the problem names file and line, and it exits 2', async () => {
    const { code, out, err } = await run(['--fail-on', 'high', manifests]);
    expect(code).toBe(2);
    expect(failures(out)).toContain('DaemonSet/monitoring/node-agent test-privileged');
    expect(err).toMatch(new RegExp(`1 unreadable document:\\n\\s+${join(manifests, 'broken', 'broken.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1[4-7]: `));
  });

  it('when --exclude-namespaces, --allowed-images or --allowed-ports are given, then the settings follow them', async () => {
    const judged = await run(['--exclude-namespaces', '', join(valid, 'kubectl-list.json')]);
    expect(failures(judged.out)).toContain('Pod/kube-system/coredns-5d78c9869d-abcde test-privileged');
    const excluded = await run(['--exclude-namespaces', 'monitoring, batch', join(valid, 'privileged-daemonset.yaml'), join(valid, 'root-pod.yaml')]);
    expect(excluded.out).toBe('');
    expect((await run(['--allowed-images', 'contoso.azurecr.io/', '--allowed-ports', '80,443', join(valid, 'root-pod.yaml')])).code).toBe(0);
  });

  it('when reading standard input, then it evaluates the documents from it', async () => {
    const { code, out } = await run(['-', '--fail-on', 'high'], 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, securityContext: {privileged: true}}]\n');
    expect(code).toBe(1);
    expect(lines(out)[0]).toMatchObject({ source: '-:1', namespace: 'default', control: 'test-privileged' });
  });

  it.each([
    [['--fail-on', 'critical', valid], '--fail-on must be high, medium or low'],
    [['--level', 'privileged', valid], '--level must be baseline or restricted'],
    [['--allowed-ports', '80,http', valid], '--allowed-ports must be ports'],
    [['--allowed-ports', '70000', valid], '--allowed-ports must be ports'],
    [['--format', 'yaml', valid], '--format must be json or table'],
    [['--nope', valid], "Unknown option '--nope'"],
    [[], 'give at least one file'],
    [[join(manifests, 'missing.yaml')], 'no such file or directory'],
  ])('when run with %j, then it exits 2 and says why', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('when run through argus with the registered controls, then the privileged DaemonSet and the root pod fail their PSS controls and the clean Deployment fails none', async () => {
    const names = workloadControls.map((control) => control.name);
    if (!names.includes('pss-privileged') || !names.includes('pss-run-as-non-root')) return; // the registry is still being filled
    const io = captureIo();
    const code = await main(['assess-workloads', '--level', 'restricted', '--fail-on', 'low', valid], io);
    expect(code).toBe(1);
    const found = failures(io.out());
    expect(found).toContain('DaemonSet/monitoring/node-agent pss-privileged');
    expect(found).toContain('Pod/batch/batch-runner pss-run-as-non-root');
    expect(found.filter((line) => line.startsWith('Deployment/shop/storefront'))).toEqual([]);
    expect(io.err()).toContain('shop: restricted (pod-security.kubernetes.io/enforce: restricted)');
    expect(io.err()).toContain('monitoring: privileged');
    expect(io.err()).toContain('batch: baseline');
  });

  it('when asked for help, then it prints the usage and exits 0', async () => {
    const io = captureIo();
    expect(await main(['assess-workloads', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--fail-on high|medium|low');
  });
});
