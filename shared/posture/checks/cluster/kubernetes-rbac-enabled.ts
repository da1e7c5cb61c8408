import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt } from '../../managedClusterFields';

export const kubernetesRbacEnabled = defineClusterCheck({
  name: 'kubernetes-rbac-enabled',
  displayName: 'Role-Based Access Control should be used on Kubernetes Services',
  description:
    'Without Kubernetes RBAC every authenticated identity may do everything in the cluster: no role, namespace or verb limits ' +
    'what a leaked service-account token or user credential can reach. AKS enables RBAC by default; a cluster made with ' +
    '`--disable-rbac` has none.',
  remediationDescription:
    'RBAC cannot be turned on for an existing cluster: create a new cluster (RBAC is on unless `--disable-rbac` is passed), e.g. ' +
    '`az aks create -g <resource group> -n <cluster> --enable-aad --enable-azure-rbac`, move the workloads and delete the old one.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.High,
  equivalents: {
    defender: ['Role-Based Access Control should be used on Kubernetes Services'],
    prowler: ['aks_cluster_rbac_enabled'],
    checkov: ['CKV_AZURE_5'],
    trivy: ['AVD-AZU-0042'],
    cisAks: [],
  },
  references: ['https://learn.microsoft.com/azure/aks/concepts-identity', 'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container'],
  evaluate: (cluster) => {
    // ARM always returns enableRBAC: absence means the JSON was cut (a projection, a hand-made file), not a default.
    const enabled = booleanAt(cluster, 'properties', 'enableRBAC');
    if (enabled === undefined) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: 'propertyMissing',
        description: 'properties.enableRBAC is absent (ARM always returns it): the JSON is incomplete.',
        additionalData: { 'properties.enableRBAC': '(absent)' },
      };
    }
    const additionalData = { 'properties.enableRBAC': String(enabled) };
    return enabled
      ? { code: AssessmentStatusCode.Healthy, description: 'Kubernetes RBAC is enabled.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'rbacDisabled', description: 'Kubernetes RBAC is disabled: every authenticated identity is unrestricted.', additionalData };
  },
  examples: [
    { name: 'a cluster as `az aks create` leaves it', expect: 'Healthy', cluster: exampleCluster() },
    { name: 'a hardened cluster', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster made with --disable-rbac (as in ManagedClustersGet.json)', expect: 'Unhealthy', cluster: exampleCluster({ enableRBAC: false }) },
    { name: 'a cluster JSON without enableRBAC', expect: 'NotApplicable', cluster: exampleCluster({ enableRBAC: undefined }) },
  ],
});
