import { type ArmJson, type ClusterCheck, type ClusterFacts } from '../../../../shared/posture/clusterCheck';
import { apiServerAccessRestricted } from '../../../../shared/posture/checks/cluster/api-server-access-restricted';
import { argusAuditCoverage } from '../../../../shared/posture/checks/cluster/argus-audit-coverage';
import { azurePolicyAddon } from '../../../../shared/posture/checks/cluster/azure-policy-addon';
import { azureRbacAuthorization } from '../../../../shared/posture/checks/cluster/azure-rbac-authorization';
import { entraIdIntegration } from '../../../../shared/posture/checks/cluster/entra-id-integration';
import { kubernetesRbacEnabled } from '../../../../shared/posture/checks/cluster/kubernetes-rbac-enabled';
import { legacyAddonsDisabled } from '../../../../shared/posture/checks/cluster/legacy-addons-disabled';
import { localAccountsDisabled } from '../../../../shared/posture/checks/cluster/local-accounts-disabled';
import { managedIdentity } from '../../../../shared/posture/checks/cluster/managed-identity';
import { networkPolicy } from '../../../../shared/posture/checks/cluster/network-policy';
import { nodesWithoutPublicIp } from '../../../../shared/posture/checks/cluster/nodes-without-public-ip';
import { privateCluster } from '../../../../shared/posture/checks/cluster/private-cluster';
import { runCommandDisabled } from '../../../../shared/posture/checks/cluster/run-command-disabled';
import {
  EXAMPLE_ARGUS_EVENT_HUB_NAME,
  EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID,
  EXAMPLE_CLUSTER_NOW,
  exampleAuditDiagnosticSetting,
  exampleCluster,
  hardenedCluster,
  hardenedClusterFacts,
} from '../../../../shared/posture/exampleClusters';

const PART_A: readonly ClusterCheck[] = [
  apiServerAccessRestricted,
  privateCluster,
  nodesWithoutPublicIp,
  kubernetesRbacEnabled,
  entraIdIntegration,
  azureRbacAuthorization,
  localAccountsDisabled,
  azurePolicyAddon,
  networkPolicy,
  legacyAddonsDisabled,
  runCommandDisabled,
  managedIdentity,
  argusAuditCoverage,
];

const nowOnly: ClusterFacts = { now: EXAMPLE_CLUSTER_NOW };

const ODD_INPUTS: Record<string, ArmJson> = {
  'an empty object': {},
  'a managed cluster without properties': { type: 'Microsoft.ContainerService/managedClusters', name: 'x' },
  'properties of the wrong type': { type: 'Microsoft.ContainerService/managedClusters', properties: 'skipped' },
  'profiles of the wrong types': {
    type: 'Microsoft.ContainerService/managedClusters',
    identity: 7,
    properties: { apiServerAccessProfile: [], aadProfile: 'yes', agentPoolProfiles: { name: 'x' }, addonProfiles: null, networkProfile: 1, servicePrincipalProfile: [] },
  },
  'a storage account': { type: 'Microsoft.Storage/storageAccounts', properties: { supportsHttpsTrafficOnly: true } },
};

describe('cluster checks, part A', () => {
  describe.each(PART_A.map((check) => [check.name, check] as const))('%s', (_name, check) => {
    it.each(check.examples.map((example) => [example.name, example] as const))('when "%s", then the declared status', (_example, example) => {
      const outcome = check.evaluate(example.cluster, { ...nowOnly, ...example.facts });
      expect(outcome.code).toBe(example.expect);
    });

    it('when its examples run, then each of Healthy and Unhealthy appears and every outcome names what decided it', () => {
      const outcomes = check.examples.map((example) => check.evaluate(example.cluster, { ...nowOnly, ...example.facts }));
      expect(outcomes.map((o) => o.code)).toEqual(expect.arrayContaining(['Healthy', 'Unhealthy']));
      for (const outcome of outcomes.filter((o) => o.cause !== 'notAksCluster')) {
        expect(Object.keys(outcome.additionalData ?? {}).length).toBeGreaterThan(0);
      }
      for (const outcome of outcomes.filter((o) => o.code !== 'Healthy')) expect(outcome.cause).toMatch(/^[a-z][A-Za-z]+$/);
    });

    it.each(Object.entries(ODD_INPUTS))('when given %s, then it does not throw and returns a status', (_input, cluster) => {
      const outcome = check.evaluate(cluster, { ...hardenedClusterFacts() });
      expect(['Healthy', 'Unhealthy', 'NotApplicable']).toContain(outcome.code);
    });

    it('when the cluster JSON has no properties, then it is not Healthy (the audit check judges facts, not properties)', () => {
      const outcome = check.evaluate(ODD_INPUTS['a managed cluster without properties'] as ArmJson, { ...hardenedClusterFacts() });
      if (check.name === 'argus-audit-coverage') expect(outcome.code).toBe('Healthy');
      else expect(outcome).toMatchObject({ code: 'NotApplicable', cause: 'noClusterProperties' });
    });

    it('when given a non-AKS resource, then it is NotApplicable with cause notAksCluster', () => {
      expect(check.evaluate(ODD_INPUTS['a storage account'] as ArmJson, hardenedClusterFacts())).toMatchObject({ code: 'NotApplicable', cause: 'notAksCluster' });
    });
  });

  describe('api-server-access-restricted', () => {
    it('when the only range is ::/0, then it is Unhealthy (open to all)', () => {
      expect(apiServerAccessRestricted.evaluate(exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: ['::/0'] } }), nowOnly)).toMatchObject({ code: 'Unhealthy', cause: 'openToAll' });
    });
    it('when the range is 0.0.0.0/32 (AKS: egress IPs only), then it is Healthy', () => {
      expect(apiServerAccessRestricted.evaluate(exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: ['0.0.0.0/32'] } }), nowOnly).code).toBe('Healthy');
    });
    it('when the ranges are not strings, then they do not count as restriction', () => {
      expect(apiServerAccessRestricted.evaluate(exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: [null, 7] } }), nowOnly)).toMatchObject({ code: 'Unhealthy', cause: 'publicUnrestricted' });
    });
    it('when the cluster is public and unrestricted, then additionalData names both properties', () => {
      expect(apiServerAccessRestricted.evaluate(exampleCluster(), nowOnly).additionalData).toEqual({
        'properties.apiServerAccessProfile.enablePrivateCluster': 'false',
        'properties.apiServerAccessProfile.authorizedIPRanges': '(none)',
      });
    });
  });

  describe('legacy-addons-disabled', () => {
    it('when the dashboard key is spelled in lower case, then it is still found', () => {
      expect(legacyAddonsDisabled.evaluate(exampleCluster({ addonProfiles: { kubedashboard: { enabled: true } } }), nowOnly).code).toBe('Unhealthy');
    });
  });

  describe('azure-policy-addon', () => {
    it('when enabled is the string "true", then it is not taken as enabled', () => {
      expect(azurePolicyAddon.evaluate(exampleCluster({ addonProfiles: { azurepolicy: { enabled: 'true' } } }), nowOnly).code).toBe('Unhealthy');
    });
  });

  describe('managed-identity', () => {
    it('when a managed identity is declared but a service principal clientId remains, then it is Unhealthy', () => {
      expect(managedIdentity.evaluate(exampleCluster({ servicePrincipalProfile: { clientId: 'e4b1c9f7-2a3d-4e8b-9c6f-1d0a7b5e3c2f' } }), nowOnly)).toMatchObject({ code: 'Unhealthy', cause: 'servicePrincipal' });
    });
    it('when clientId is "MSI" in upper case, then it is the managed identity placeholder', () => {
      expect(managedIdentity.evaluate(exampleCluster({ servicePrincipalProfile: { clientId: 'MSI' } }), nowOnly).code).toBe('Healthy');
    });
  });

  describe('network-policy', () => {
    it('when networkPolicy is "None" in another casing, then it is Unhealthy', () => {
      expect(networkPolicy.evaluate(exampleCluster({ networkProfile: { networkPolicy: 'None' } }), nowOnly).code).toBe('Unhealthy');
    });
  });

  describe('argus-audit-coverage', () => {
    const facts = hardenedClusterFacts();
    const evaluate = (overrides: Partial<ClusterFacts>) => argusAuditCoverage.evaluate(hardenedCluster(), { ...facts, ...overrides });

    it('when the audit category is present but disabled, then it is Unhealthy: notStreamed', () => {
      expect(evaluate({ diagnosticSettings: [exampleAuditDiagnosticSetting([])] })).toMatchObject({ code: 'Unhealthy', cause: 'notStreamed' });
    });
    it('when the setting names another hub in Argus\'s namespace, then it is Unhealthy: streamedElsewhere', () => {
      expect(evaluate({ diagnosticSettings: [exampleAuditDiagnosticSetting(['kube-audit'], 'siem-audit')] })).toMatchObject({ code: 'Unhealthy', cause: 'streamedElsewhere' });
    });
    it('when Argus\'s namespace is unknown, then the hub name alone decides', () => {
      expect(evaluate({ argusAuditHub: { eventHubName: EXAMPLE_ARGUS_EVENT_HUB_NAME } }).code).toBe('Healthy');
    });
    it('when the hub name and namespace differ only in casing, then the setting is Argus\'s', () => {
      expect(
        evaluate({ argusAuditHub: { eventHubName: EXAMPLE_ARGUS_EVENT_HUB_NAME.toUpperCase(), namespaceResourceId: EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID.toUpperCase() } }).code,
      ).toBe('Healthy');
    });
    it('when the category group is "audit" with no hub name and Argus reads insights-logs-kube-audit-admin, then it is Healthy', () => {
      const setting = exampleAuditDiagnosticSetting([]);
      const properties = setting.properties as ArmJson;
      properties.eventHubName = null;
      properties.logs = [{ category: null, categoryGroup: 'audit', enabled: true }];
      expect(evaluate({ diagnosticSettings: [setting], argusAuditHub: { eventHubName: 'insights-logs-kube-audit-admin' } }).code).toBe('Healthy');
    });
    it('when the last event is exactly 24 hours old, then it is Healthy; a millisecond older is Unhealthy', () => {
      expect(evaluate({ now: '2026-11-02T10:00:00.000Z', lastAuditEventUtc: '2026-11-01T10:00:00.000Z' }).code).toBe('Healthy');
      expect(evaluate({ now: '2026-11-02T10:00:00.001Z', lastAuditEventUtc: '2026-11-01T10:00:00.000Z' })).toMatchObject({ code: 'Unhealthy', cause: 'noRecentEvents' });
    });
    it('when Argus never received an event, then it is Unhealthy: noRecentEvents, and additionalData says never', () => {
      const outcome = evaluate({ lastAuditEventUtc: undefined });
      expect(outcome).toMatchObject({ code: 'Unhealthy', cause: 'noRecentEvents' });
      expect(outcome.additionalData?.['facts.lastAuditEventUtc']).toBe('(never)');
    });
    it('when now is not a time, then it is NotApplicable rather than a guess', () => {
      expect(evaluate({ now: 'yesterday' })).toMatchObject({ code: 'NotApplicable', cause: 'invalidTime' });
    });
    it('when Argus\'s hub is not known, then it is NotApplicable: argusHubUnknown', () => {
      expect(argusAuditCoverage.evaluate(hardenedCluster(), { now: facts.now, diagnosticSettings: facts.diagnosticSettings })).toMatchObject({ code: 'NotApplicable', cause: 'argusHubUnknown' });
    });
    it('when the settings list holds odd entries, then they are skipped', () => {
      expect(evaluate({ diagnosticSettings: [null, 'x', [], ...facts.diagnosticSettings] as unknown as ArmJson[] }).code).toBe('Healthy');
    });
  });
});
