import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { EXAMPLE_TENANT_ID, exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, objectAt } from '../../managedClusterFields';

export const entraIdIntegration = defineClusterCheck({
  name: 'entra-id-integration',
  displayName: 'Kubernetes clusters should use managed Microsoft Entra ID integration',
  description:
    'With managed Entra ID integration people sign in to the cluster with their Entra identity: conditional access, MFA, ' +
    'group membership and account removal apply to kubectl too, and the audit log names the person. Without it, access ' +
    'rests on client certificates in kubeconfig files that cannot be revoked one by one. The legacy (AAD v1, server and ' +
    'client application) integration is retired and does not count.',
  remediationDescription:
    'Enable managed Entra ID integration with an admin group: ' +
    '`az aks update -g <resource group> -n <cluster> --enable-aad --aad-admin-group-object-ids <group object id>` ' +
    '(clusters on the legacy integration migrate with the same command).',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: ['5.5.1'] },
  references: ['https://learn.microsoft.com/azure/aks/enable-authentication-microsoft-entra-id', 'https://learn.microsoft.com/azure/aks/concepts-identity'],
  evaluate: (cluster) => {
    // ARM omits aadProfile when Entra ID integration was never enabled: absence is the default.
    const aadProfile = objectAt(cluster, 'properties', 'aadProfile');
    if (aadProfile === undefined) {
      return {
        code: AssessmentStatusCode.Unhealthy,
        cause: 'noEntraIntegration',
        description: 'The cluster has no Entra ID integration: access rests on certificates in kubeconfig files.',
        additionalData: { 'properties.aadProfile': '(absent)' },
      };
    }
    const managed = booleanAt(aadProfile, 'managed') === true;
    const additionalData = { 'properties.aadProfile.managed': String(booleanAt(aadProfile, 'managed') ?? '(absent)') };
    return managed
      ? { code: AssessmentStatusCode.Healthy, description: 'Managed Entra ID integration is enabled.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'legacyEntraIntegration', description: 'The cluster uses the retired legacy (AAD v1) integration.', additionalData };
  },
  examples: [
    { name: 'a hardened cluster with managed Entra ID and an admin group', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as `az aks create` leaves it (aadProfile absent)', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'a cluster on the legacy AAD v1 integration (server and client applications)',
      expect: 'Unhealthy',
      cluster: exampleCluster({
        aadProfile: {
          managed: false,
          clientAppID: '8b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e',
          serverAppID: '9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f',
          tenantID: EXAMPLE_TENANT_ID,
        },
      }),
    },
  ],
});
