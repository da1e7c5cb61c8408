import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { arrayAt, booleanAt } from '../../managedClusterFields';

/** Ranges that let every address reach the API server (IPv4 and IPv6). `0.0.0.0/32` is AKS's "egress IPs only": restrictive. */
const OPEN_TO_ALL = new Set(['0.0.0.0/0', '::/0']);

export const apiServerAccessRestricted = defineClusterCheck({
  name: 'api-server-access-restricted',
  displayName: 'Kubernetes API server should be configured with restricted access',
  description:
    'The API server is the cluster\'s control plane: whoever reaches it with a stolen token or kubeconfig controls the cluster. ' +
    'By default an AKS API server answers the whole internet. Restrict it to authorized IP ranges, or make the cluster private ' +
    '(the API server only in the virtual network). An authorized range of 0.0.0.0/0 restricts nothing.',
  remediationDescription:
    'Authorize only the networks that administer the cluster (office egress, build agents, jump hosts): ' +
    '`az aks update -g <resource group> -n <cluster> --api-server-authorized-ip-ranges <cidr>[,<cidr>...]`. ' +
    'Or make the API server private (new clusters: `az aks create ... --enable-private-cluster`; clusters with API Server VNet ' +
    'Integration: `az aks update -g <resource group> -n <cluster> --enable-private-cluster`).',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  equivalents: {
    defender: ['Kubernetes API server should be configured with restricted access', 'Authorized IP ranges should be defined on Kubernetes Services'],
    prowler: [],
    checkov: ['CKV_AZURE_6'],
    trivy: ['AVD-AZU-0041'],
    cisAks: ['5.4.1'],
  },
  references: [
    'https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges',
    'https://learn.microsoft.com/azure/aks/private-clusters',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (cluster) => {
    // ARM omits apiServerAccessProfile for a default (public, unrestricted) cluster: absence is the default, not missing data.
    const privateCluster = booleanAt(cluster, 'properties', 'apiServerAccessProfile', 'enablePrivateCluster') === true;
    const ranges = arrayAt(cluster, 'properties', 'apiServerAccessProfile', 'authorizedIPRanges').filter((range): range is string => typeof range === 'string');
    const additionalData = {
      'properties.apiServerAccessProfile.enablePrivateCluster': String(privateCluster),
      'properties.apiServerAccessProfile.authorizedIPRanges': ranges.length === 0 ? '(none)' : ranges.join(', '),
    };
    if (privateCluster) return { code: AssessmentStatusCode.Healthy, description: 'The API server is private: reachable only from the virtual network.', additionalData };
    const open = ranges.filter((range) => OPEN_TO_ALL.has(range.trim()));
    if (ranges.length === 0) {
      return { code: AssessmentStatusCode.Unhealthy, cause: 'publicUnrestricted', description: 'The API server is public and has no authorized IP ranges: any address can reach it.', additionalData };
    }
    if (open.length > 0) {
      return { code: AssessmentStatusCode.Unhealthy, cause: 'openToAll', description: `The authorized IP ranges include ${open.join(', ')}, which admits every address.`, additionalData };
    }
    return { code: AssessmentStatusCode.Healthy, description: `The public API server admits only ${ranges.length} authorized range(s).`, additionalData };
  },
  examples: [
    { name: 'a private cluster', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'a public API server restricted to an office range and a build agent',
      expect: 'Healthy',
      cluster: exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: ['203.0.113.0/24', '198.51.100.17/32'], enablePrivateCluster: false } }),
    },
    { name: 'a cluster as `az aks create` leaves it: public, no authorized ranges', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'authorized ranges that include 0.0.0.0/0',
      expect: 'Unhealthy',
      cluster: exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: ['203.0.113.0/24', '0.0.0.0/0'] } }),
    },
    {
      name: 'a storage account handed to the checks',
      expect: 'NotApplicable',
      cluster: { id: '/subscriptions/3f2c9a4e-7b1d-4c8e-9f60-2a5b8d1e4c73/resourceGroups/rg-shop-prod/providers/Microsoft.Storage/storageAccounts/stshopprod', type: 'Microsoft.Storage/storageAccounts', properties: {} },
    },
  ],
});
