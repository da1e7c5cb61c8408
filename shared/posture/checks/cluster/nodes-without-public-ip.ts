import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, examplePool, hardenedCluster } from '../../exampleClusters';
import { agentPools, booleanAt, stringAt } from '../../managedClusterFields';

export const nodesWithoutPublicIp = defineClusterCheck({
  name: 'nodes-without-public-ip',
  displayName: 'Kubernetes nodes should not have public IP addresses',
  description:
    'A node pool made with `--enable-node-public-ip` gives every node its own internet-facing address: the kubelet, SSH and any ' +
    'hostPort or hostNetwork workload can be reached directly, around the load balancer and network rules. Nodes should reach ' +
    'the internet through the cluster\'s outbound path only.',
  remediationDescription:
    'A pool\'s public IP setting cannot be changed in place: add a pool without it and remove the old one: ' +
    '`az aks nodepool add -g <resource group> --cluster-name <cluster> -n <new pool>` (without `--enable-node-public-ip`), ' +
    'then `az aks nodepool delete -g <resource group> --cluster-name <cluster> -n <old pool>`.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Networking, AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  equivalents: {
    defender: [],
    prowler: ['aks_clusters_created_with_private_nodes'],
    checkov: ['CKV_AZURE_143'],
    trivy: [],
    cisAks: ['5.4.3'],
  },
  references: ['https://learn.microsoft.com/azure/aks/use-node-public-ips', 'https://learn.microsoft.com/azure/aks/private-clusters'],
  evaluate: (cluster) => {
    const pools = agentPools(cluster);
    if (pools.length === 0) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: 'noNodePools',
        description: 'The cluster JSON lists no node pools.',
        additionalData: { 'properties.agentPoolProfiles': '(none)' },
      };
    }
    // enableNodePublicIP defaults to false and ARM may omit it: only an explicit true is a public node.
    const exposed = pools.filter((pool) => booleanAt(pool, 'enableNodePublicIP') === true).map((pool, index) => stringAt(pool, 'name') ?? `#${index}`);
    const additionalData = {
      'properties.agentPoolProfiles[].enableNodePublicIP': exposed.length === 0 ? `false on all ${pools.length} pool(s)` : `true on ${exposed.join(', ')}`,
    };
    return exposed.length === 0
      ? { code: AssessmentStatusCode.Healthy, description: 'No node pool gives its nodes public IP addresses.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'nodePublicIp', description: `Nodes of ${exposed.join(', ')} have public IP addresses.`, additionalData };
  },
  examples: [
    { name: 'a cluster as `az aks create` leaves it', expect: 'Healthy', cluster: exampleCluster() },
    { name: 'a hardened cluster', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'a user pool made with --enable-node-public-ip',
      expect: 'Unhealthy',
      cluster: exampleCluster({ agentPoolProfiles: [examplePool(), examplePool({ name: 'gameservers', mode: 'User', enableNodePublicIP: true, nodePublicIPPrefixID: null })] }),
    },
    { name: 'a cluster JSON with no node pools', expect: 'NotApplicable', cluster: exampleCluster({ agentPoolProfiles: [] }) },
  ],
});
