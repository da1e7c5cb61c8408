import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AzureClusterSource } from '../../shared/azure/azureClusterSource';
import { staticTokenCredential } from '../../shared/azure/createClusterSource';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { clusterIn, type LocalArmServer, startLocalArmServer, SUBSCRIPTION_A, SUBSCRIPTION_B } from '../shared/azure/localArmServer';

const RESOURCE_GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01';

describe('local ARM endpoint', () => {
  let server: LocalArmServer;

  beforeEach(async () => {
    server = await startLocalArmServer({ pageSize: 2 });
  });
  afterEach(() => server.stop());

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${server.endpointUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = (path: string): Promise<Response> => fetch(`${server.endpointUrl}${path}`);

  it('when more rows match than a page holds, then it answers the Resource Graph shape with a $skipToken that gives the rest', async () => {
    for (const name of ['aks-1', 'aks-2', 'aks-3']) server.write(`${name}.json`, clusterIn(SUBSCRIPTION_A, name));
    server.write('other.json', clusterIn(SUBSCRIPTION_B, 'aks-other'));
    const query = { subscriptions: [SUBSCRIPTION_A], query: 'resources', options: { resultFormat: 'objectArray' } };

    const first = (await (await post(RESOURCE_GRAPH, query)).json()) as Record<string, unknown>;
    const second = (await (await post(RESOURCE_GRAPH, { ...query, options: { ...query.options, $skipToken: first['$skipToken'] } })).json()) as Record<string, unknown>;

    expect(first).toMatchObject({ totalRecords: 3, count: 2, resultTruncated: 'false', facets: [] });
    expect(typeof first['$skipToken']).toBe('string');
    expect(second).toMatchObject({ totalRecords: 3, count: 1 });
    expect(second['$skipToken']).toBeUndefined();
    const names = [...(first['data'] as { name: string }[]), ...(second['data'] as { name: string }[])].map((row) => row.name);
    expect(names.sort()).toEqual(['aks-1', 'aks-2', 'aks-3']);
    expect((first['data'] as Record<string, unknown>[])[0]).toMatchObject({
      type: 'microsoft.containerservice/managedclusters',
      resourceGroup: 'rg-shop',
      subscriptionId: SUBSCRIPTION_A,
    });
  });

  it('when a cluster file is dropped while it runs, then the next request sees it (files are read per request)', async () => {
    const query = { subscriptions: [SUBSCRIPTION_A] };
    expect(await (await post(RESOURCE_GRAPH, query)).json()).toMatchObject({ totalRecords: 0, data: [] });

    server.write('late.json', clusterIn(SUBSCRIPTION_A, 'aks-late'));

    expect(await (await post(RESOURCE_GRAPH, query)).json()).toMatchObject({ totalRecords: 1, data: [{ name: 'aks-late' }] });
  });

  it('when the folder holds az aks show output and a Resource Graph response, then both become rows and the diagnostic settings and versions files add none', async () => {
    server.write('az.json', readFileSync(join(__dirname, '../fixtures/clusters/az-aks-show-entra-azure-rbac.json'), 'utf8'));
    server.write('graph.json', readFileSync(join(__dirname, '../fixtures/clusters/resource-graph-response.json'), 'utf8'));
    server.write('aks-1.diagnosticSettings.json', { value: [] });
    server.write('kubernetesVersions.json', { values: [] });
    const azSubscription = (JSON.parse(readFileSync(join(__dirname, '../fixtures/clusters/az-aks-show-entra-azure-rbac.json'), 'utf8')) as { id: string }).id.split('/')[2]!;

    const body = (await (await post(RESOURCE_GRAPH, { subscriptions: [azSubscription, '00000000-0000-0000-0000-000000000000'] })).json()) as { totalRecords: number; data: { properties: Record<string, unknown> }[] };

    expect(body.totalRecords).toBe(2);
    // az's flattened output comes back in wire names, under properties.
    expect(body.data.some((row) => row.properties['enableRBAC'] === true)).toBe(true);
  });

  it('when a diagnostic settings file exists, then the cluster answers it; an unknown cluster is 404 ResourceNotFound', async () => {
    const cluster = clusterIn(SUBSCRIPTION_A, 'aks-1');
    server.write('aks-1.json', cluster);
    server.write('aks-1.diagnosticSettings.json', [{ name: 'argus-audit', properties: { eventHubName: 'aks-audit', logs: [] } }]);

    const found = await get(`${String(cluster['id'])}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview`);
    const missing = await get(`/subscriptions/${SUBSCRIPTION_A}/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/nope/providers/Microsoft.Insights/diagnosticSettings`);

    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ value: [{ name: 'argus-audit', properties: { eventHubName: 'aks-audit', logs: [] } }] });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('when asked for the versions of a location, then it answers the built-in list, or kubernetesVersions.json when the folder has one', async () => {
    const path = `/subscriptions/${SUBSCRIPTION_A}/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions?api-version=2025-05-01`;
    const builtIn = (await (await get(path)).json()) as { values: { version: string; isDefault?: boolean }[] };
    server.write('kubernetesVersions.json', { values: [{ version: '1.36', capabilities: { supportPlan: ['KubernetesOfficial'] }, patchVersions: {} }] });
    const fromFile = (await (await get(path)).json()) as { values: { version: string }[] };

    expect(builtIn.values.map((v) => v.version)).toEqual(['1.32', '1.33', '1.34', '1.35']);
    expect(builtIn.values.filter((v) => v.isDefault === true)).toHaveLength(1);
    expect(fromFile.values.map((v) => v.version)).toEqual(['1.36']);
  });

  it('when a subscription is denied, then its queries and reads answer 403 AuthorizationFailed until cleared', async () => {
    server.arm.faults.denySubscription(SUBSCRIPTION_B);

    const query = await post(RESOURCE_GRAPH, { subscriptions: [SUBSCRIPTION_A, SUBSCRIPTION_B] });
    const versions = await get(`/subscriptions/${SUBSCRIPTION_B}/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions`);
    server.arm.faults.clear();
    const after = await post(RESOURCE_GRAPH, { subscriptions: [SUBSCRIPTION_B] });

    expect(query.status).toBe(403);
    expect(await query.json()).toMatchObject({ error: { code: 'AuthorizationFailed' } });
    expect(versions.status).toBe(403);
    expect(after.status).toBe(200);
  });

  it('when throttling is switched on once, then one request answers 429 with the throttling headers and the next succeeds', async () => {
    server.arm.faults.throttleNext({ retryAfterInSeconds: 2, quotaResetsAfter: '00:00:02' });

    const throttled = await post(RESOURCE_GRAPH, { subscriptions: [SUBSCRIPTION_A] });
    const next = await post(RESOURCE_GRAPH, { subscriptions: [SUBSCRIPTION_A] });

    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(throttled.headers.get('x-ms-user-quota-resets-after')).toBe('00:00:02');
    expect(await throttled.json()).toMatchObject({ error: { code: 'RateLimiting' } });
    expect(next.status).toBe(200);
  });

  it('when a request is neither of the three, or the skip token is forged, then it answers an ARM error', async () => {
    expect((await get('/subscriptions/x/resourceGroups/y')).status).toBe(404);
    expect((await post(RESOURCE_GRAPH, { query: 'resources' })).status).toBe(400);
    expect((await post(RESOURCE_GRAPH, { subscriptions: [SUBSCRIPTION_A], options: { $skipToken: 'forged' } })).status).toBe(400);
  });
});

describe('local runtime: ARM endpoint', () => {
  const harness = new LocalRuntimeHarness();
  afterAll(() => harness.stop());

  it('when the runtime runs, then ARM_ENDPOINT points at its ARM endpoint and the SDK clients list the clusters of <data>/clusters', async () => {
    const runtime = await harness.start({ definitions: [] });
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(harness.dataDir.path, 'clusters'), { recursive: true });
    writeFileSync(join(harness.dataDir.path, 'clusters', 'aks-1.json'), JSON.stringify(clusterIn(SUBSCRIPTION_A, 'aks-1')));

    const source = new AzureClusterSource({ credential: staticTokenCredential('any'), endpoint: runtime.config.arm.endpoint });
    const listing = await source.listClusters([SUBSCRIPTION_A]);

    expect(runtime.config.arm).toEqual({ endpoint: `${runtime.url}/api/local/arm`, useStaticToken: true });
    expect(listing).toMatchObject({ problems: [], clusters: [{ name: 'aks-1' }] });
    expect(runtime.arm.requests).toContain('POST /providers/microsoft.resourcegraph/resources');
  });
});
