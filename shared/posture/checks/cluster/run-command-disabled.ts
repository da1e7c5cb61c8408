import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt } from '../../managedClusterFields';

export const runCommandDisabled = defineClusterCheck({
  name: 'run-command-disabled',
  displayName: 'Kubernetes clusters should have Run Command disabled',
  description:
    'Run Command (`az aks command invoke`) runs kubectl and helm in a pod AKS starts in the cluster, driven through the Azure ' +
    'management plane: it reaches even a private API server from anywhere ARM is reachable, so a stolen Azure credential with ' +
    'the runCommand permission goes around private networking and authorized IP ranges.',
  remediationDescription:
    'Disable it: `az aks update -g <resource group> -n <cluster> --disable-run-command`; administer private clusters from the ' +
    'virtual network instead (jump host, VPN, Azure Bastion).',
  severity: AssessmentSeverity.Low,
  categories: [AssessmentCategory.Networking, AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/access-private-cluster', 'https://learn.microsoft.com/azure/aks/private-clusters'],
  evaluate: (cluster) => {
    // disableRunCommand defaults to false; ARM omits apiServerAccessProfile (and the field) on default clusters.
    const found = booleanAt(cluster, 'properties', 'apiServerAccessProfile', 'disableRunCommand');
    const additionalData = { 'properties.apiServerAccessProfile.disableRunCommand': found === undefined ? '(absent: default false)' : String(found) };
    return found === true
      ? { code: AssessmentStatusCode.Healthy, description: 'Run Command is disabled.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'runCommandEnabled', description: 'Run Command is enabled: kubectl can be driven through the Azure management plane.', additionalData };
  },
  examples: [
    { name: 'a hardened cluster', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as `az aks create` leaves it', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'a private cluster that keeps Run Command',
      expect: 'Unhealthy',
      cluster: hardenedCluster({ apiServerAccessProfile: { disableRunCommand: false } }),
    },
  ],
});
