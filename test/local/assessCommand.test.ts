import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';
import { clusterChecks } from '../../shared/posture/checks/cluster';
import { EXAMPLE_CLUSTER_ID, exampleCluster, hardenedCluster } from '../../shared/posture/exampleClusters';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

const fixtures = join(__dirname, '../fixtures/clusters');
const NOW = '2026-11-02T12:00:00Z';

function captureIo(stdinText = ''): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: Readable.from([stdinText]),
    now: () => new Date(NOW),
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

describe('argus assess', () => {
  let temporary: ReturnType<typeof createTemporaryDirectory>;
  beforeEach(() => (temporary = createTemporaryDirectory()));
  afterEach(() => temporary.remove());

  it('when given the published ARM examples directory, then it prints one result per check and cluster, and skips what is not a cluster', async () => {
    const io = captureIo();
    const code = await main(['assess', fixtures, '--now', NOW], io);
    expect(code).toBe(0);
    const results = lines(io.out());
    // Get, List (1), SecurityProfile, AzureRBAC, az aks show, Resource Graph row: 6 clusters.
    expect(results).toHaveLength(6 * clusterChecks.length);
    const status = (cluster: string, check: string): unknown[] =>
      results.filter((r) => String(r['clusterResourceId']).endsWith(`/${cluster}`) && r['checkName'] === check).map((r) => (r['status'] as { code: string }).code);
    expect(status('clustername1', 'kubernetes-rbac-enabled')).toEqual(expect.arrayContaining(['Unhealthy', 'Healthy']));
    expect(status('aks-k8sdemo', 'azure-rbac-authorization')).toEqual(['Healthy']);
    expect(status('aks-k8sdemo', 'supported-kubernetes-version')).toEqual(['Healthy']);
    expect(status('clustername1', 'supported-kubernetes-version')).not.toContain('Healthy');
    expect(io.err()).toContain('6 clusters from 6 inputs');
    expect(io.err()).toContain('notManagedCluster');
    expect(io.err()).toContain('1 files ignored');
  });

  it('when asked for a table, then it prints the columns and a summary line per cluster with the secure score', async () => {
    const dir = temporary.path;
    writeFileSync(join(dir, 'default.json'), JSON.stringify(exampleCluster()));
    writeFileSync(join(dir, 'hardened.json'), JSON.stringify(hardenedCluster({}, { name: 'aks-hardened', id: EXAMPLE_CLUSTER_ID.replace('aks-shop-prod', 'aks-hardened') })));
    const io = captureIo();
    expect(await main(['assess', '--format', 'table', '--now', NOW, dir], io)).toBe(0);
    const table = io.out();
    expect(table.split('\n')[0]).toMatch(/^CLUSTER\s+CHECK\s+SEVERITY\s+STATUS\s+CAUSE$/);
    expect(table).toMatch(/aks-shop-prod: \d+ healthy, \d+ unhealthy, \d+ not applicable, 0 exempted; secure score \d+\.\d%/);
    // Without diagnostic settings the coverage check is NotApplicable: every other check of the hardened cluster is Healthy.
    expect(table).toMatch(/aks-hardened: \d+ healthy, 0 unhealthy, \d+ not applicable, 0 exempted; secure score 100\.0%/);
  });

  it('when reading NDJSON from standard input, then it evaluates every line', async () => {
    const io = captureIo(`${JSON.stringify(exampleCluster())}\n${JSON.stringify(hardenedCluster())}\n`);
    expect(await main(['assess', '-', '--now', NOW], io)).toBe(0);
    expect(lines(io.out())).toHaveLength(2 * clusterChecks.length);
    expect(io.err()).toContain('2 clusters from 1 input,');
  });

  it('when the same options and input are given twice, then the output is identical', async () => {
    const first = captureIo();
    const second = captureIo();
    await main(['assess', join(fixtures, 'az-aks-show-entra-azure-rbac.json'), '--now', NOW], first);
    await main(['assess', join(fixtures, 'az-aks-show-entra-azure-rbac.json'), '--now', NOW], second);
    expect(first.out()).toBe(second.out());
  });

  it.each([
    [['assess'], 'give at least one file'],
    [['assess', '--format', 'yaml', 'x.json'], '--format must be json or table'],
    [['assess', '--now', 'tomorrow', 'x.json'], '--now must be an RFC 3339 time'],
    [['assess', '--bogus', 'x.json'], "Unknown option '--bogus'"],
    [['assess', '/no/such/file.json'], 'cannot read /no/such/file.json: no such file or directory'],
  ])('when run as %j, then it exits 2 and says why', async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
  });

  it('when a file holds no cluster, then it still exits 0 and reports the skipped items', async () => {
    const dir = temporary.path;
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'broken.json'), '{"not": "a cluster"}');
    const io = captureIo();
    expect(await main(['assess', dir, '--now', NOW], io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toContain('unrecognizedShape');
  });

  it('when asked for help, then it prints the usage and exits 0', async () => {
    const io = captureIo();
    expect(await main(['assess', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: argus assess');
  });
});
