import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt } from '../../managedClusterFields';

export const localAccountsDisabled = defineClusterCheck({
  name: 'local-accounts-disabled',
  displayName: 'Kubernetes clusters should have local accounts disabled',
  description:
    'While local accounts are enabled, anyone with the "listClusterAdminCredential" permission (`az aks get-credentials --admin`) ' +
    'gets a cluster-admin client certificate that bypasses Entra ID, conditional access and Azure RBAC, is valid for years and ' +
    'names no person in the audit log. Disabling local accounts leaves Entra ID as the only way in.',
  remediationDescription:
    'With managed Entra ID integration on (a prerequisite): `az aks update -g <resource group> -n <cluster> --disable-local-accounts`. ' +
    'Then rotate the cluster certificates (`az aks rotate-certs`) to invalidate admin kubeconfigs already handed out.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.MaliciousInsider, AssessmentThreat.ElevationOfPrivilege],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  equivalents: {
    defender: [],
    prowler: ['aks_cluster_local_accounts_disabled'],
    checkov: ['CKV_AZURE_141'],
    trivy: [],
    cisAks: [],
  },
  references: ['https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad', 'https://learn.microsoft.com/azure/aks/certificate-rotation'],
  evaluate: (cluster) => {
    // disableLocalAccounts defaults to false; older clusters omit it, which means local accounts are enabled.
    const found = booleanAt(cluster, 'properties', 'disableLocalAccounts');
    const additionalData = { 'properties.disableLocalAccounts': found === undefined ? '(absent: default false)' : String(found) };
    return found === true
      ? { code: AssessmentStatusCode.Healthy, description: 'Local accounts are disabled: Entra ID is the only way in.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'localAccountsEnabled', description: 'Local accounts are enabled: `--admin` credentials bypass Entra ID.', additionalData };
  },
  examples: [
    { name: 'a hardened cluster', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as `az aks create` leaves it', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'an older cluster whose JSON has no disableLocalAccounts', expect: 'Unhealthy', cluster: exampleCluster({ disableLocalAccounts: undefined }) },
  ],
});
