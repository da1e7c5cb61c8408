import { AzureClusterSource, type AzureClusterSourceOptions } from '../../../shared/azure/azureClusterSource';
import { SubscriptionProblemKind } from '../../../shared/azure/clusterSource';
import { staticTokenCredential } from '../../../shared/azure/createClusterSource';
import { clusterChecks } from '../../../shared/posture/checks/cluster';
import { exampleAuditDiagnosticSetting } from '../../../shared/posture/exampleClusters';
import { closedPort } from '../../support/localTokens';
import { clusterIn, type LocalArmServer, startLocalArmServer, SUBSCRIPTION_A, SUBSCRIPTION_B, SUBSCRIPTION_C } from './localArmServer';

const NOW = '2026-11-02T10:15:30Z';
const hoursAfterNow = (hours: number): string => new Date(Date.parse(NOW) + hours * 3_600_000).toISOString();

describe('AzureClusterSource through the SDK clients and the local ARM endpoint', () => {
  let server: LocalArmServer;
  let sleeps: number[];

  beforeEach(async () => {
    server = await startLocalArmServer({ pageSize: 2 });
    sleeps = [];
  });
  afterEach(() => server.stop());

  function source(options: Partial<AzureClusterSourceOptions> = {}): AzureClusterSource {
    return new AzureClusterSource({
      credential: staticTokenCredential('test-token'),
      endpoint: server.endpointUrl,
      sleep: (delayInMs) => {
        sleeps.push(delayInMs);
        return Promise.resolve();
      },
      retryDelayInMs: 1,
      ...options,
    });
  }

  const resourceGraphRequests = (): number => server.arm.requests.filter((r) => r === 'POST /providers/microsoft.resourcegraph/resources').length;
  const versionRequests = (): string[] => server.arm.requests.filter((r) => r.endsWith('/kubernetesversions'));

  function writeClusters(): void {
    server.write('a1.json', clusterIn(SUBSCRIPTION_A, 'aks-a1'));
    server.write('a2.json', clusterIn(SUBSCRIPTION_A, 'aks-a2', 'eastus'));
    server.write('a3.json', clusterIn(SUBSCRIPTION_A, 'aks-a3'));
    server.write('b1.json', clusterIn(SUBSCRIPTION_B, 'aks-b1'));
    server.write('b2.json', clusterIn(SUBSCRIPTION_B, 'aks-b2'));
    server.write('c1.json', clusterIn(SUBSCRIPTION_C, 'aks-c1'));
  }

  it('when two subscriptions hold five clusters and a page holds two, then one paged query lists all five and nothing of a third subscription', async () => {
    writeClusters();

    const listing = await source().listClusters([SUBSCRIPTION_A, SUBSCRIPTION_B]);

    expect(listing.problems).toEqual([]);
    expect(listing.clusters.map((c) => c['name']).sort()).toEqual(['aks-a1', 'aks-a2', 'aks-a3', 'aks-b1', 'aks-b2']);
    expect(resourceGraphRequests()).toBe(3);
    const row = listing.clusters.find((c) => c['name'] === 'aks-b1');
    expect(row).toMatchObject({
      type: 'microsoft.containerservice/managedclusters',
      subscriptionId: SUBSCRIPTION_B,
      resourceGroup: 'rg-shop',
      location: 'westeurope',
      properties: { kubernetesVersion: '1.35', enableRBAC: true },
    });
  });

  it('when no subscription is given, then nothing is asked and nothing is listed', async () => {
    await expect(source().listClusters([])).resolves.toEqual({ clusters: [], problems: [] });
    expect(server.arm.requests).toEqual([]);
  });

  it('when a cluster has a diagnostic settings file, then its facts carry the settings in wire names; another cluster gets an empty list', async () => {
    writeClusters();
    const setting = exampleAuditDiagnosticSetting(['kube-audit-admin']);
    server.write('aks-a1.diagnosticSettings.json', { value: [setting] });
    const clusters = (await source().listClusters([SUBSCRIPTION_A])).clusters;
    const a1 = clusters.find((c) => c['name'] === 'aks-a1')!;
    const a3 = clusters.find((c) => c['name'] === 'aks-a3')!;

    const clusterSource = source();
    const [factsA1, factsA3] = [await clusterSource.factsOf(a1, NOW), await clusterSource.factsOf(a3, NOW)];

    expect(factsA1.now).toBe(NOW);
    expect(factsA1.diagnosticSettings).toEqual([setting]);
    expect(factsA3.diagnosticSettings).toEqual([]);
  });

  it('when clusters of two locations are assessed twice within a day, then the versions are read once per location, and again a day later', async () => {
    writeClusters();
    const clusters = (await source().listClusters([SUBSCRIPTION_A, SUBSCRIPTION_B])).clusters;
    const clusterSource = source();

    const first = await Promise.all(clusters.map((c) => clusterSource.factsOf(c, NOW)));
    for (const c of clusters) await clusterSource.factsOf(c, hoursAfterNow(23));

    expect(versionRequests().sort()).toEqual([
      `GET /subscriptions/${SUBSCRIPTION_A}/providers/microsoft.containerservice/locations/eastus/kubernetesversions`,
      `GET /subscriptions/${SUBSCRIPTION_A}/providers/microsoft.containerservice/locations/westeurope/kubernetesversions`,
    ]);
    expect(first[0]!.kubernetesVersions?.map((v) => v['version'])).toEqual(['1.32', '1.33', '1.34', '1.35']);
    expect(first[0]!.kubernetesVersions?.[3]).toMatchObject({ capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] } });

    await clusterSource.factsOf(clusters[0]!, hoursAfterNow(25));
    expect(versionRequests()).toHaveLength(3);
  });

  it('when Argus may not read one subscription, then the other is listed and the refused one is a noReadAccess problem, not a throw', async () => {
    writeClusters();
    server.arm.faults.denySubscription(SUBSCRIPTION_B);

    const listing = await source().listClusters([SUBSCRIPTION_A, SUBSCRIPTION_B]);

    expect(listing.clusters.map((c) => c['name']).sort()).toEqual(['aks-a1', 'aks-a2', 'aks-a3']);
    expect(listing.problems).toEqual([{ subscriptionId: SUBSCRIPTION_B, kind: SubscriptionProblemKind.NoReadAccess, detail: 'HTTP 403 AuthorizationFailed' }]);
  });

  it('when the diagnostic settings and versions of a cluster answer 403, then those facts are absent and Argus audit coverage says NotApplicable noReadAccess', async () => {
    writeClusters();
    const [b1] = (await source().listClusters([SUBSCRIPTION_B])).clusters;
    server.arm.faults.denySubscription(SUBSCRIPTION_B);

    const facts = await source().factsOf(b1!, NOW);

    expect(facts).toEqual({ now: NOW });
    const coverage = clusterChecks.find((check) => check.name === 'argus-audit-coverage')!;
    expect(coverage.evaluate(b1!, facts)).toMatchObject({ code: 'NotApplicable', cause: 'noReadAccess' });
  });

  it('when Resource Graph answers 429 with retry-after once, then Argus waits that long and the retry lists the clusters', async () => {
    writeClusters();
    server.arm.faults.throttleNext({ retryAfterInSeconds: 3 });

    const listing = await source().listClusters([SUBSCRIPTION_A]);

    expect(listing.problems).toEqual([]);
    expect(listing.clusters).toHaveLength(3);
    expect(sleeps).toEqual([3000]);
  });

  it('when Resource Graph answers 429 with only x-ms-user-quota-resets-after, then Argus waits until the quota resets', async () => {
    writeClusters();
    server.arm.faults.throttleNext({ quotaResetsAfter: '00:00:05' });

    const listing = await source().listClusters([SUBSCRIPTION_A]);

    expect(listing.clusters).toHaveLength(3);
    expect(sleeps).toEqual([5000]);
  });

  it('when Resource Graph stays throttled, then after the retries every subscription is a throttled problem, not a throw', async () => {
    writeClusters();
    server.arm.faults.throttleNext({ count: 100, retryAfterInSeconds: 1 });

    const listing = await source({ maxThrottleRetries: 2 }).listClusters([SUBSCRIPTION_A, SUBSCRIPTION_B]);

    expect(listing.clusters).toEqual([]);
    expect(listing.problems.map((p) => [p.subscriptionId, p.kind])).toEqual([
      [SUBSCRIPTION_A, SubscriptionProblemKind.Throttled],
      [SUBSCRIPTION_B, SubscriptionProblemKind.Throttled],
    ]);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('when Resource Graph answers a 4xx other than 403 and 429, then it is not retried and the subscriptions are reported', async () => {
    const broken = source({ endpoint: `${server.endpointUrl}/nowhere` });

    const listing = await broken.listClusters([SUBSCRIPTION_A]);

    expect(listing.problems).toEqual([{ subscriptionId: SUBSCRIPTION_A, kind: SubscriptionProblemKind.Unreachable, detail: 'HTTP 404 NotFound' }]);
    expect(sleeps).toEqual([]);
  });

  it('when Azure asks to wait longer than Argus accepts, then the subscription is throttled at once', async () => {
    server.arm.faults.throttleNext({ retryAfterInSeconds: 600 });

    const listing = await source().listClusters([SUBSCRIPTION_A]);

    expect(listing.problems).toEqual([{ subscriptionId: SUBSCRIPTION_A, kind: SubscriptionProblemKind.Throttled, detail: 'HTTP 429 RateLimiting' }]);
    expect(sleeps).toEqual([]);
  });

  it('when the versions request answers 429 with retry-after once, then the SDK client retries it and the versions are read', async () => {
    writeClusters();
    const [a1] = (await source().listClusters([SUBSCRIPTION_A])).clusters;
    server.write('aks-a1.diagnosticSettings.json', { value: [] });
    const clusterSource = source();
    await clusterSource.factsOf(a1!, NOW); // versions of westeurope now cached
    server.arm.faults.throttleNext({ retryAfterInSeconds: 1 });

    const facts = await clusterSource.factsOf({ ...a1!, location: 'northeurope' }, NOW);

    // The diagnostic settings or the versions request took the 429; the SDK retried after 1 s.
    expect(facts.kubernetesVersions).toHaveLength(4);
    expect(facts.diagnosticSettings).toEqual([]);
  });

  it('when ARM is unreachable, then every subscription is an unreachable problem and the facts are only the clock, never a throw', async () => {
    writeClusters();
    const [a1] = (await source().listClusters([SUBSCRIPTION_A])).clusters;
    const unreachable = source({ endpoint: `http://127.0.0.1:${await closedPort()}/api/local/arm`, maxRetries: 1 });

    const listing = await unreachable.listClusters([SUBSCRIPTION_A, SUBSCRIPTION_B]);
    const facts = await unreachable.factsOf(a1!, NOW);

    expect(listing.clusters).toEqual([]);
    expect(listing.problems.map((p) => [p.subscriptionId, p.kind])).toEqual([
      [SUBSCRIPTION_A, SubscriptionProblemKind.Unreachable],
      [SUBSCRIPTION_B, SubscriptionProblemKind.Unreachable],
    ]);
    expect(listing.problems[0]!.detail).toMatch(/ECONNREFUSED|REQUEST_SEND_ERROR/);
    expect(sleeps).toEqual([1000, 2000]);
    expect(facts).toEqual({ now: NOW });
  });
});
