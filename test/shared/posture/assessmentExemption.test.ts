import { applyExemptions, type AssessmentExemption, parseAssessmentExemptionBody } from '../../../shared/posture/assessmentExemption';
import { type ClusterAssessmentResult } from '../../../shared/posture/evaluateClusterChecks';

const SUB = '3f2c9a4e-7b1d-4c8e-9f60-2a5b8d1e4c73';
const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop`;
const OTHER = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-other`;
const NOW = '2026-11-02T10:00:00Z';
const context = { name: 'waive-private', subscriptionId: SUB, createdBy: 'admin@contoso.com', now: NOW };

function result(checkName: string, code: 'Healthy' | 'Unhealthy' | 'NotApplicable', cluster = CLUSTER): ClusterAssessmentResult {
  return {
    checkName,
    clusterResourceId: cluster,
    subscriptionId: SUB,
    displayName: checkName,
    status: { code },
    severity: 'High',
    metadata: { displayName: checkName, description: '', remediationDescription: '', severity: 'High', categories: [], threats: [], userImpact: 'Low', implementationEffort: 'Low' },
    additionalData: {},
    equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  };
}

function exemption(overrides: Partial<AssessmentExemption> = {}): AssessmentExemption {
  return { name: 'waive-private', subscriptionId: SUB, checkName: 'private-cluster', scope: CLUSTER, category: 'waiver', reason: 'Public by design.', createdBy: 'a', createdUtc: NOW, ...overrides };
}

describe('parseAssessmentExemptionBody', () => {
  it('when the body is valid, then the scope is canonicalized and the expiry normalized to UTC', () => {
    const parsed = parseAssessmentExemptionBody(
      { checkName: 'private-cluster', scope: CLUSTER.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), category: 'mitigated', reason: ' Behind a firewall. ', expiresOnUtc: '2027-01-31T01:00:00+01:00' },
      context,
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        name: 'waive-private',
        subscriptionId: SUB,
        checkName: 'private-cluster',
        scope: CLUSTER.toLowerCase().replace('resourcegroups', 'resourceGroups').replace('microsoft.containerservice/managedclusters', 'Microsoft.ContainerService/managedClusters'),
        category: 'mitigated',
        reason: 'Behind a firewall.',
        expiresOnUtc: '2027-01-31T00:00:00.000Z',
        createdBy: 'admin@contoso.com',
        createdUtc: '2026-11-02T10:00:00.000Z',
      },
    });
  });

  it('when the scope is the subscription, then it applies to all its clusters', () => {
    const parsed = parseAssessmentExemptionBody({ checkName: 'private-cluster', scope: `/subscriptions/${SUB}`, category: 'waiver', reason: 'All public.' }, context);
    expect(parsed.ok && parsed.value.scope).toBe(`/subscriptions/${SUB}`);
  });

  it.each([
    [{ checkName: 'Private Cluster', scope: CLUSTER, category: 'waiver', reason: 'x' }, 'checkName'],
    [{ checkName: '*', scope: CLUSTER, category: 'waiver', reason: 'x' }, 'checkName'],
    [{ checkName: 'private-cluster', scope: CLUSTER, category: 'accepted', reason: 'x' }, 'category'],
    [{ checkName: 'private-cluster', scope: CLUSTER, category: 'waiver', reason: '   ' }, 'reason'],
    [{ checkName: 'private-cluster', scope: CLUSTER, category: 'waiver', reason: 'x'.repeat(1001) }, 'reason'],
    [{ checkName: 'private-cluster', scope: CLUSTER, category: 'waiver', reason: 'x', expiresOnUtc: '2020-01-01T00:00:00Z' }, 'expiresOnUtc'],
    [{ checkName: 'private-cluster', scope: CLUSTER.replace(SUB, '00000000-0000-0000-0000-000000000000'), category: 'waiver', reason: 'x' }, 'scope'],
    [{ checkName: 'private-cluster', scope: '/subscriptions/other', category: 'waiver', reason: 'x' }, 'scope'],
    [{ checkName: 'private-cluster', scope: CLUSTER, category: 'waiver', reason: 'x', extra: 1 }, 'extra'],
  ])('when the body is %j, then it is refused naming %s', (body, field) => {
    const parsed = parseAssessmentExemptionBody(body, context);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.field).toBe(field);
  });
});

describe('applyExemptions', () => {
  it('when an exemption covers a check on a cluster, then that result names it and keeps its status; others are untouched', () => {
    const results = applyExemptions([result('private-cluster', 'Unhealthy'), result('private-cluster', 'Unhealthy', OTHER), result('network-policy', 'Unhealthy')], [exemption()], NOW);
    expect(results.map((r) => [r.clusterResourceId === CLUSTER, r.checkName, r.status.code, r.exemption])).toEqual([
      [true, 'private-cluster', 'Unhealthy', { name: 'waive-private', category: 'waiver' }],
      [false, 'private-cluster', 'Unhealthy', undefined],
      [true, 'network-policy', 'Unhealthy', undefined],
    ]);
  });

  it('when an exemption is subscription-wide, then it covers the check on every cluster, and a cluster-scoped one wins where both apply', () => {
    const wide = exemption({ name: 'all', scope: `/subscriptions/${SUB}`, category: 'mitigated' });
    const results = applyExemptions([result('private-cluster', 'Unhealthy'), result('private-cluster', 'Healthy', OTHER)], [wide, exemption({ name: 'zz-one' })], NOW);
    expect(results.map((r) => r.exemption?.name)).toEqual(['zz-one', 'all']);
  });

  it('when an exemption has expired, then it no longer applies', () => {
    const results = applyExemptions([result('private-cluster', 'Unhealthy')], [exemption({ expiresOnUtc: '2026-11-02T09:59:59.000Z' })], NOW);
    expect(results[0]?.exemption).toBeUndefined();
  });

  it('when the result is NotApplicable, then there is nothing to exempt', () => {
    expect(applyExemptions([result('private-cluster', 'NotApplicable')], [exemption()], NOW)[0]?.exemption).toBeUndefined();
  });
});
