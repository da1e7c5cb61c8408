import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateWorkloadControls } from '../../../shared/posture/evaluateWorkloadControls';
import {
  type AuditControlResult,
  auditControlResultsOf,
  comparePolicySources,
  type PolicyControlResult,
  policyComparableControls,
  policyStateResultsOf,
} from '../../../shared/posture/policyStateResults';
import { workloadObjectOf } from '../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../shared/posture/workloadSettings';

type Json = Record<string, unknown>;

const records = (JSON.parse(readFileSync(join(__dirname, '../../fixtures/policyStates/aks-component-policy-states.json'), 'utf8')) as { value: Json[] }).value;
/** As ARM and the inventory spell it; the policy records say `resourcegroups`. */
const AKS_A1 = '/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-a1';
const PRIVILEGED = '/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4';
const CAPABILITIES = '/providers/Microsoft.Authorization/policyDefinitions/c26596ff-4d70-4e6a-9a30-c2506bd2f80c';

const podTemplate = (spec: Json): Json => ({ metadata: { labels: { app: 'x' } }, spec });
const objects: Json[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { replicas: 2, template: podTemplate({ containers: [{ name: 'web', image: 'nginx:1.27', resources: { limits: { cpu: '500m', memory: '256Mi' } } }] }) },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-agent', namespace: 'monitoring' },
    spec: { template: podTemplate({ hostNetwork: true, containers: [{ name: 'agent', image: 'agent:2.1', securityContext: { privileged: true } }] }) },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'batch-root', namespace: 'payments' },
    spec: { containers: [{ name: 'batch', image: 'batch:1.0', securityContext: { runAsUser: 0 } }] },
  },
];

function auditResults(manifests: readonly Json[] = objects): AuditControlResult[] {
  return manifests.flatMap((manifest) => {
    const object = workloadObjectOf(manifest)!;
    return auditControlResultsOf(AKS_A1, object, evaluateWorkloadControls(object, DEFAULT_WORKLOAD_SETTINGS));
  });
}

function policyRecord(overrides: Json, base: Json = records[0]!): Json {
  return { ...base, ...overrides };
}

describe('policyStateResultsOf', () => {
  it('when the add-on reports built-in definitions, a custom one and an Exempt record, then each maps to its controls and the rest is counted, not dropped', () => {
    const mapping = policyStateResultsOf(records);

    expect(mapping.results).toHaveLength(10);
    expect(mapping.unmapped).toEqual({
      records: 1,
      definitions: [
        {
          policyDefinitionId: '/subscriptions/11111111-1111-4111-8111-111111111111/providers/Microsoft.Authorization/policyDefinitions/ab108bc4-32df-4677-8b38-fa8b2905df56',
          policyDefinitionName: 'ab108bc4-32df-4677-8b38-fa8b2905df56',
          records: 1,
        },
      ],
    });
    expect(mapping.otherStates).toEqual({ Exempt: 1 });
    expect(mapping.malformed).toBe(0);
    expect(mapping.results[0]).toEqual({
      clusterResourceId: '/subscriptions/11111111-1111-4111-8111-111111111111/resourcegroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-a1',
      controlName: 'pss-privileged',
      component: { namespace: 'shop', kind: 'Pod', name: 'web-7d4b9c6f8d-x2k9p' },
      compliant: true,
      source: 'azurePolicy',
      policyDefinitionId: PRIVILEGED,
      policyAssignmentId: '/subscriptions/11111111-1111-4111-8111-111111111111/providers/Microsoft.Authorization/policyAssignments/aks-pss-baseline',
      policySetDefinitionId: '/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d',
      timestamp: '2026-11-02T09:41:07Z',
    });
  });

  it('when a definition is shared by several controls, then the record gives a result for each, naming the others', () => {
    const capabilities = policyStateResultsOf(records).results.filter((result) => result.policyDefinitionId === CAPABILITIES);

    expect(capabilities.map((result) => [result.controlName, result.sharedWith])).toEqual([
      ['pss-capabilities-baseline', ['pss-capabilities-restricted']],
      ['pss-capabilities-restricted', ['pss-capabilities-baseline']],
    ]);
  });

  it('when a definition id differs in case, then it still maps; when a subscription defines a policy with a built-in’s GUID, then it is unmapped', () => {
    const mapping = policyStateResultsOf([
      policyRecord({ policyDefinitionId: PRIVILEGED.toUpperCase() }),
      policyRecord({ policyDefinitionId: `/subscriptions/11111111-1111-4111-8111-111111111111${PRIVILEGED}` }),
    ]);

    expect(mapping.results.map((result) => result.controlName)).toEqual(['pss-privileged']);
    expect(mapping.unmapped.records).toBe(1);
  });

  it('when records are odd (not objects, no component, no state), then they are counted as malformed and never throw', () => {
    const mapping = policyStateResultsOf([null, 'pod', [], policyRecord({ componentId: undefined }), policyRecord({ complianceState: null }), policyRecord({ resourceId: '' })]);

    expect(mapping).toEqual({ results: [], unmapped: { records: 0, definitions: [] }, otherStates: {}, malformed: 6 });
  });

  it('when a component is cluster-scoped or of another type, then its namespace is empty and its kind is kept in Kubernetes casing', () => {
    const [namespaced, clusterScoped] = policyStateResultsOf([
      policyRecord({ componentType: 'service', componentId: 'shop/web', componentName: 'web' }),
      policyRecord({ componentType: 'Namespace', componentId: 'shop', componentName: undefined }),
    ]).results;

    expect(namespaced?.component).toEqual({ namespace: 'shop', kind: 'Service', name: 'web' });
    expect(clusterScoped?.component).toEqual({ namespace: '', kind: 'Namespace', name: 'shop' });
  });
});

describe('comparePolicySources', () => {
  it('when both views judge the same workloads alike, then the pods match their owners, shared definitions agree as a group, and nothing disagrees', () => {
    const comparison = comparePolicySources(auditResults(), policyStateResultsOf(records).results);

    expect(comparison.disagreements).toEqual([]);
    // web: privileged, capabilities; node-agent: privileged, host network; batch-root: users and groups.
    expect(comparison.agreed).toBe(5);
    expect(comparison.onlyAzurePolicy.map((result) => [result.component.name, result.controlName])).toEqual([['cart-0', 'pss-privileged']]);
  });

  it('when the audit stream saw a workload turn privileged that Azure Policy last judged compliant, then that object and control are named as a disagreement', () => {
    const api: Json = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { template: podTemplate({ containers: [{ name: 'api', image: 'api:3', securityContext: { privileged: true } }] }) },
    };
    const policy = policyStateResultsOf([
      ...records,
      policyRecord({ componentId: 'shop/api-5f6d8b9c7d-k2v9x', componentName: 'api-5f6d8b9c7d-k2v9x' }),
      policyRecord({ componentId: 'shop/api-5f6d8b9c7d-w7tqz', componentName: 'api-5f6d8b9c7d-w7tqz' }),
    ]).results;

    const comparison = comparePolicySources(auditResults([...objects, api]), policy);

    expect(comparison.disagreements).toEqual([
      {
        clusterResourceId: expect.stringMatching(/aks-a1$/) as unknown,
        component: { namespace: 'shop', kind: 'Deployment', name: 'api' },
        policyDefinitionId: PRIVILEGED,
        controlNames: ['pss-privileged'],
        azurePolicy: {
          compliant: true,
          components: [
            { namespace: 'shop', kind: 'Pod', name: 'api-5f6d8b9c7d-k2v9x' },
            { namespace: 'shop', kind: 'Pod', name: 'api-5f6d8b9c7d-w7tqz' },
          ],
        },
        auditStream: [{ controlName: 'pss-privileged', compliant: false }],
      },
    ]);
  });

  it('when Azure Policy flags capabilities but the audit stream finds both capability controls passing, then the group disagrees', () => {
    const policy = policyStateResultsOf(records.map((record) => (record['policyDefinitionId'] === CAPABILITIES ? { ...record, complianceState: 'NonCompliant' } : record))).results;
    const dropsAll: Json = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: podTemplate({ containers: [{ name: 'web', image: 'nginx:1.27', securityContext: { capabilities: { drop: ['ALL'] } } }] }) },
    };

    const comparison = comparePolicySources(auditResults([dropsAll, ...objects.slice(1)]), policy);
    // With the original web (no drop ALL) the restricted control fails there too: the group agrees.
    const original = comparePolicySources(auditResults(), policy);

    expect(comparison.disagreements).toEqual([
      {
        clusterResourceId: expect.stringMatching(/aks-a1$/) as unknown,
        component: { namespace: 'shop', kind: 'Deployment', name: 'web' },
        policyDefinitionId: CAPABILITIES,
        controlNames: ['pss-capabilities-baseline', 'pss-capabilities-restricted'],
        azurePolicy: { compliant: false, components: [{ namespace: 'shop', kind: 'Pod', name: 'web-7d4b9c6f8d-x2k9p' }] },
        auditStream: [
          { controlName: 'pss-capabilities-baseline', compliant: true },
          { controlName: 'pss-capabilities-restricted', compliant: true },
        ],
      },
    ]);
    expect(original.disagreements).toEqual([]);
  });

  it('when the audit stream judges controls Azure Policy has definitions for but sent no record on, then they are listed as only the audit stream’s', () => {
    const orders: Json = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop' }, spec: { template: podTemplate({ containers: [{ name: 'o', image: 'o:1' }] }) } };

    const comparison = comparePolicySources(auditResults([...objects, orders]), policyStateResultsOf(records).results);

    const onlyOrders = comparison.onlyAuditStream.filter((result) => result.component.name === 'orders').map((result) => result.controlName);
    expect(onlyOrders).toContain('pss-privileged');
    expect(onlyOrders).not.toContain('pss-probe-lifecycle-host');
    expect(onlyOrders.every((name) => policyComparableControls().includes(name))).toBe(true);
    const web = comparison.onlyAuditStream.filter((result) => result.component.name === 'web').map((result) => result.controlName);
    expect(web).not.toContain('pss-privileged');
    expect(web).not.toContain('pss-capabilities-restricted');
  });

  it('when Azure Policy has no record for a cluster, then the audit stream’s results there are not listed as unmatched', () => {
    const other: PolicyControlResult[] = policyStateResultsOf(records.filter((record) => String(record['resourceId']).endsWith('/aks-a2'))).results;

    const comparison = comparePolicySources(auditResults(), other);

    expect(comparison.onlyAuditStream).toEqual([]);
    expect(comparison.agreed).toBe(0);
  });
});
