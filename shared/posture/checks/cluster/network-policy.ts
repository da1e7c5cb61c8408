import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { objectAt, stringAt } from '../../managedClusterFields';

export const networkPolicy = defineClusterCheck({
  name: 'network-policy',
  displayName: 'Kubernetes clusters should enforce network policies',
  description:
    'Without a network policy engine every pod can reach every other pod and service in the cluster, and Kubernetes ' +
    'NetworkPolicy objects are accepted but ignored: one compromised pod can scan and attack the whole cluster. AKS enforces ' +
    'policies with Azure Network Policy Manager (`azure`), Calico (`calico`) or Cilium (`cilium`); `none` or no value means ' +
    'nothing enforces them.',
  remediationDescription:
    'Enable an engine: `az aks update -g <resource group> -n <cluster> --network-dataplane cilium --network-policy cilium` ' +
    '(Azure CNI), or `--network-policy azure` / `--network-policy calico`; then add default-deny NetworkPolicies per namespace.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  equivalents: {
    defender: [],
    prowler: ['aks_network_policy_enabled'],
    checkov: ['CKV_AZURE_7'],
    trivy: ['AVD-AZU-0043'],
    cisAks: ['5.4.4'],
  },
  references: ['https://learn.microsoft.com/azure/aks/use-network-policies', 'https://kubernetes.io/docs/concepts/services-networking/network-policies/'],
  evaluate: (cluster) => {
    // ARM always returns networkProfile; within it, clusters made without --network-policy say "none" or (older ones) omit it.
    if (objectAt(cluster, 'properties', 'networkProfile') === undefined) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: 'propertyMissing',
        description: 'properties.networkProfile is absent (ARM always returns it): the JSON is incomplete.',
        additionalData: { 'properties.networkProfile': '(absent)' },
      };
    }
    const policy = stringAt(cluster, 'properties', 'networkProfile', 'networkPolicy');
    const additionalData = { 'properties.networkProfile.networkPolicy': policy ?? '(absent)' };
    if (policy === undefined || policy.trim() === '' || policy.toLowerCase() === 'none') {
      return { code: AssessmentStatusCode.Unhealthy, cause: 'noNetworkPolicy', description: 'No network policy engine: every pod can reach every other pod.', additionalData };
    }
    return { code: AssessmentStatusCode.Healthy, description: `Network policies are enforced by ${policy}.`, additionalData };
  },
  examples: [
    { name: 'a hardened cluster with Cilium', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'Azure Network Policy Manager', expect: 'Healthy', cluster: exampleCluster({ networkProfile: { networkPolicy: 'azure' } }) },
    { name: 'Calico on kubenet', expect: 'Healthy', cluster: exampleCluster({ networkProfile: { networkPlugin: 'kubenet', networkPluginMode: undefined, networkPolicy: 'calico' } }) },
    { name: 'a cluster as `az aks create` leaves it (networkPolicy "none")', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'an older cluster whose networkProfile has no networkPolicy', expect: 'Unhealthy', cluster: exampleCluster({ networkProfile: { networkPolicy: undefined } }) },
    { name: 'a cluster JSON without networkProfile', expect: 'NotApplicable', cluster: exampleCluster({ networkProfile: undefined }) },
  ],
});
