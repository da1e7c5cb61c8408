import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { EXAMPLE_RESOURCE_GROUP, EXAMPLE_SUBSCRIPTION_ID, exampleCluster, hardenedCluster } from '../../exampleClusters';
import { stringAt } from '../../managedClusterFields';

const MANAGED_IDENTITY_TYPES = new Set(['systemassigned', 'userassigned']);
/** What ARM puts in servicePrincipalProfile.clientId for a cluster that uses a managed identity. */
const MSI_PLACEHOLDER = 'msi';

export const managedIdentity = defineClusterCheck({
  name: 'managed-identity',
  displayName: 'Kubernetes clusters should use a managed identity rather than a service principal',
  description:
    'A cluster running as a service principal keeps a client secret on every node (/etc/kubernetes/azure.json) that expires, ' +
    'must be rotated by hand and, once read by an attacker on a node, works from anywhere. A managed identity has no secret ' +
    'to steal or rotate.',
  remediationDescription:
    'Migrate the control plane to a managed identity: `az aks update -g <resource group> -n <cluster> --enable-managed-identity` ' +
    '(then `az aks nodepool upgrade --node-image-only` on each pool so the kubelet follows), and delete the old service principal\'s secret.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.ElevationOfPrivilege],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Moderate,
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/use-managed-identity', 'https://learn.microsoft.com/azure/aks/kubernetes-service-principal'],
  evaluate: (cluster) => {
    const identityType = stringAt(cluster, 'identity', 'type');
    const clientId = stringAt(cluster, 'properties', 'servicePrincipalProfile', 'clientId');
    const servicePrincipal = clientId !== undefined && clientId.trim() !== '' && clientId.toLowerCase() !== MSI_PLACEHOLDER;
    const managed = identityType !== undefined && identityType.split(',').some((type) => MANAGED_IDENTITY_TYPES.has(type.trim().toLowerCase()));
    const additionalData = {
      'identity.type': identityType ?? '(absent)',
      'properties.servicePrincipalProfile.clientId': clientId === undefined ? '(absent)' : servicePrincipal ? clientId : MSI_PLACEHOLDER,
    };
    if (servicePrincipal) {
      return { code: AssessmentStatusCode.Unhealthy, cause: 'servicePrincipal', description: `The cluster runs as the service principal ${clientId}.`, additionalData };
    }
    if (managed) return { code: AssessmentStatusCode.Healthy, description: `The cluster uses a ${identityType} managed identity.`, additionalData };
    if (identityType === undefined) {
      // Neither an identity nor a service principal: ARM always returns one of them, so the JSON is incomplete.
      return { code: AssessmentStatusCode.NotApplicable, cause: 'propertyMissing', description: 'Neither identity nor servicePrincipalProfile.clientId is present: the JSON is incomplete.', additionalData };
    }
    return { code: AssessmentStatusCode.Unhealthy, cause: 'noManagedIdentity', description: `The cluster identity type is ${identityType}.`, additionalData };
  },
  examples: [
    { name: 'a cluster as `az aks create` leaves it (system-assigned, clientId "msi")', expect: 'Healthy', cluster: exampleCluster() },
    {
      name: 'a hardened cluster with a user-assigned control plane identity',
      expect: 'Healthy',
      cluster: hardenedCluster(
        {},
        {
          identity: {
            type: 'UserAssigned',
            principalId: undefined,
            tenantId: undefined,
            userAssignedIdentities: {
              [`/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/${EXAMPLE_RESOURCE_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks-shop-prod`]: {
                clientId: '6c5b4a3f-2e1d-4c0b-9a8f-7e6d5c4b3a2f',
                principalId: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
              },
            },
          },
        },
      ),
    },
    {
      name: 'an older cluster made with a service principal (as in ManagedClustersGet.json: no identity, a clientId)',
      expect: 'Unhealthy',
      cluster: exampleCluster({ servicePrincipalProfile: { clientId: 'e4b1c9f7-2a3d-4e8b-9c6f-1d0a7b5e3c2f' } }, { identity: undefined }),
    },
    { name: 'a cluster JSON without identity and without a service principal', expect: 'NotApplicable', cluster: exampleCluster({ servicePrincipalProfile: undefined }, { identity: undefined }) },
  ],
});
