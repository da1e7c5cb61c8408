import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SubscriptionProblemKind } from '../../../shared/azure/clusterSource';
import { staticTokenCredential } from '../../../shared/azure/createClusterSource';
import { createPolicyStateSource } from '../../../shared/azure/createPolicyStateSource';
import { AzurePolicyStateSource, type AzurePolicyStateSourceOptions } from '../../../shared/azure/policyStateSource';
import { closedPort } from '../../support/localTokens';
import { clusterIn, type LocalArmServer, startLocalArmServer, SUBSCRIPTION_A, SUBSCRIPTION_B } from './localArmServer';

const FIXTURE = join(__dirname, '../../fixtures/policyStates/aks-component-policy-states.json');
/** As Resource Graph and ARM spell it (`resourceGroups`); the policy records say `resourcegroups`. */
const AKS_A1 = String(clusterIn(SUBSCRIPTION_A, 'aks-a1')['id']);
const AKS_A2 = String(clusterIn(SUBSCRIPTION_A, 'aks-a2')['id']);
const queryPath = (clusterId: string): string => `POST ${clusterId.toLowerCase()}/providers/microsoft.policyinsights/componentpolicystates/latest/queryresults`;

describe('AzurePolicyStateSource through @azure/arm-policyinsights and the local ARM endpoint', () => {
  let server: LocalArmServer;

  beforeEach(async () => {
    server = await startLocalArmServer();
  });
  afterEach(() => server.stop());

  function source(options: Partial<AzurePolicyStateSourceOptions> = {}): AzurePolicyStateSource {
    return new AzurePolicyStateSource({ credential: staticTokenCredential('test-token'), endpoint: server.endpointUrl, retryDelayInMs: 1, ...options });
  }

  it('when a file holds the records of two clusters, then one query lists the cluster’s records only, in wire names, matched case-insensitively', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));

    const listing = await source().listComponentPolicyStates(AKS_A1);

    expect(listing.ok).toBe(true);
    if (!listing.ok) return;
    expect(listing.clusterResourceId).toBe(AKS_A1);
    expect(listing.states).toHaveLength(8);
    expect(listing.states.every((state) => String(state['resourceId']).endsWith('/managedClusters/aks-a1'))).toBe(true);
    expect(listing.states[0]).toMatchObject({
      componentType: 'pod',
      componentId: 'shop/web-7d4b9c6f8d-x2k9p',
      complianceState: 'Compliant',
      policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4',
      timestamp: '2026-11-02T09:41:07Z',
    });
    expect(server.arm.requests).toEqual([queryPath(AKS_A1)]);
  });

  it('when the folder holds a bare array for another cluster, then that cluster gets it and a cluster without records gets an empty list', async () => {
    const records = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { value: Record<string, unknown>[] }).value;
    server.writePolicyStates('a2.json', records.filter((record) => String(record['resourceId']).endsWith('/aks-a2')));

    const a2 = await source().listComponentPolicyStates(AKS_A2);
    const a3 = await source().listComponentPolicyStates(String(clusterIn(SUBSCRIPTION_A, 'aks-a3')['id']));

    expect(a2).toMatchObject({ ok: true, states: [{ componentId: 'shop/cart-0', complianceState: 'Compliant' }] });
    expect(a3).toEqual({ ok: true, clusterResourceId: expect.stringContaining('aks-a3') as unknown, states: [] });
  });

  it('when Argus may not read the cluster’s subscription, then the listing is a noReadAccess problem, not a throw', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));
    server.arm.faults.denySubscription(SUBSCRIPTION_A);

    const listing = await source().listComponentPolicyStates(AKS_A1);

    expect(listing).toEqual({ ok: false, clusterResourceId: AKS_A1, problem: { kind: SubscriptionProblemKind.NoReadAccess, detail: 'HTTP 403 AuthorizationFailed' } });
    expect(server.arm.requests).toHaveLength(1);
  });

  it('when the query answers 429 with retry-after once, then the SDK waits that long and the retry lists the records', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));
    server.arm.faults.throttleNext({ retryAfterInSeconds: 1 });

    const startedAt = Date.now();
    const listing = await source().listComponentPolicyStates(AKS_A1);

    expect(listing).toMatchObject({ ok: true });
    expect(listing.ok && listing.states).toHaveLength(8);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(server.arm.requests).toEqual([queryPath(AKS_A1), queryPath(AKS_A1)]);
  });

  it('when Azure asks to wait longer than Argus accepts, then the cluster is throttled at once', async () => {
    server.arm.faults.throttleNext({ count: 5, retryAfterInSeconds: 600 });

    const startedAt = Date.now();
    const listing = await source({ maxRetries: 2 }).listComponentPolicyStates(AKS_A1);

    expect(listing).toEqual({ ok: false, clusterResourceId: AKS_A1, problem: { kind: SubscriptionProblemKind.Throttled, detail: 'HTTP 429 RateLimiting' } });
    expect(server.arm.requests).toHaveLength(1);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('when the query stays throttled, then after the SDK’s retries the cluster is a throttled problem', async () => {
    server.arm.faults.throttleNext({ count: 10, retryAfterInSeconds: 0 });

    const listing = await source({ maxRetries: 2 }).listComponentPolicyStates(AKS_A2);

    expect(listing).toMatchObject({ ok: false, problem: { kind: SubscriptionProblemKind.Throttled } });
    expect(server.arm.requests).toHaveLength(3);
  });

  it('when ARM is unreachable, then the listing is an unreachable problem, not a throw', async () => {
    const unreachable = source({ endpoint: `http://127.0.0.1:${await closedPort()}/api/local/arm`, maxRetries: 1 });

    const listing = await unreachable.listComponentPolicyStates(AKS_A1);

    expect(listing.ok).toBe(false);
    if (listing.ok) return;
    expect(listing.problem.kind).toBe(SubscriptionProblemKind.Unreachable);
    expect(listing.problem.detail).toMatch(/ECONNREFUSED|REQUEST_SEND_ERROR/);
  });

  it('when the settings point at the local endpoint with a static token, then the factory’s source reads the same records', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));

    const listing = await createPolicyStateSource({ endpoint: server.endpointUrl, useStaticToken: true }).listComponentPolicyStates(AKS_A1);

    expect(listing.ok && listing.states.length).toBe(8);
  });
});

describe('local ARM endpoint: component policy states', () => {
  let server: LocalArmServer;

  beforeEach(async () => {
    server = await startLocalArmServer();
  });
  afterEach(() => server.stop());

  const query = (clusterId: string, suffix = 'latest/queryResults?api-version=2024-10-01'): Promise<Response> =>
    fetch(`${server.endpointUrl}${clusterId}/providers/Microsoft.PolicyInsights/componentPolicyStates/${suffix}`, { method: 'POST' });

  it('when $top is given, then it answers at most that many records in the API’s response shape', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));

    const body = (await (await query(AKS_A1, 'latest/queryResults?api-version=2024-10-01&$top=3')).json()) as Record<string, unknown>;

    expect(body['@odata.count']).toBe(3);
    expect(body['value']).toHaveLength(3);
    expect(String(body['@odata.context'])).toMatch(/\/providers\/Microsoft\.PolicyInsights\/componentPolicyStates\/\$metadata#latest$/);
  });

  it('when the resource is not latest, or a file is not JSON, then the first answers 400 and the second adds nothing', async () => {
    server.writePolicyStates('broken.json', '{ "value": [');
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));

    const wrong = await query(AKS_A1, 'yesterday/queryResults?api-version=2024-10-01');
    const right = (await (await query(AKS_A1)).json()) as { value: unknown[] };

    expect(wrong.status).toBe(400);
    expect(right.value).toHaveLength(8);
  });

  it('when another subscription is denied, then the cluster of this one is still served', async () => {
    server.writePolicyStates('states.json', readFileSync(FIXTURE, 'utf8'));
    server.arm.faults.denySubscription(SUBSCRIPTION_B);

    expect((await query(AKS_A1)).status).toBe(200);
  });
});
