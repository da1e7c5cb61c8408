import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { EXAMPLE_TENANT_ID, exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt } from '../../managedClusterFields';

/**
 * Azure RBAC for Kubernetes authorization is a feature of managed Entra ID integration and cannot be enabled without it.
 * Decision: without managed Entra ID integration this check is NotApplicable (cause `noEntraIntegration`): the missing
 * prerequisite is reported, once, by `entra-id-integration`, so one gap does not count twice against the secure score; once
 * the integration is on, this check becomes Healthy or Unhealthy.
 */
export const azureRbacAuthorization = defineClusterCheck({
  name: 'azure-rbac-authorization',
  displayName: 'Kubernetes clusters should use Azure RBAC for Kubernetes authorization',
  description:
    'With Azure RBAC for Kubernetes authorization, who may do what in the cluster is granted as Azure role assignments on ' +
    'the cluster or a namespace: reviewed, governed (PIM, access reviews) and listed in one place with the rest of the ' +
    'subscription, instead of RoleBindings scattered inside each cluster.',
  remediationDescription:
    'Enable it (managed Entra ID integration is a prerequisite): `az aks update -g <resource group> -n <cluster> --enable-azure-rbac`, ' +
    'then grant built-in roles such as "Azure Kubernetes Service RBAC Reader" with `az role assignment create --role ' +
    '"Azure Kubernetes Service RBAC Reader" --assignee <principal> --scope <cluster id>/namespaces/<namespace>`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: ['5.5.2'] },
  references: ['https://learn.microsoft.com/azure/aks/manage-azure-rbac', 'https://learn.microsoft.com/azure/aks/concepts-identity'],
  evaluate: (cluster) => {
    if (booleanAt(cluster, 'properties', 'aadProfile', 'managed') !== true) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: 'noEntraIntegration',
        description: 'Azure RBAC needs managed Entra ID integration, which is off (see entra-id-integration).',
        additionalData: { 'properties.aadProfile.managed': String(booleanAt(cluster, 'properties', 'aadProfile', 'managed') ?? '(absent)') },
      };
    }
    const enabled = booleanAt(cluster, 'properties', 'aadProfile', 'enableAzureRBAC') === true;
    const additionalData = { 'properties.aadProfile.enableAzureRBAC': String(booleanAt(cluster, 'properties', 'aadProfile', 'enableAzureRBAC') ?? '(absent)') };
    return enabled
      ? { code: AssessmentStatusCode.Healthy, description: 'Kubernetes authorization uses Azure RBAC.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'azureRbacDisabled', description: 'Entra ID sign-in is on but authorization relies on in-cluster RoleBindings only.', additionalData };
  },
  examples: [
    { name: 'a hardened cluster with managed Entra ID and Azure RBAC', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'managed Entra ID without Azure RBAC',
      expect: 'Unhealthy',
      cluster: exampleCluster({ aadProfile: { managed: true, enableAzureRBAC: false, adminGroupObjectIDs: ['9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'], tenantID: EXAMPLE_TENANT_ID } }),
    },
    { name: 'a cluster as `az aks create` leaves it (no Entra ID integration)', expect: 'NotApplicable', cluster: exampleCluster() },
  ],
});
