import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, stringAt } from '../../managedClusterFields';

export const privateCluster = defineClusterCheck({
  name: 'private-cluster',
  displayName: 'Kubernetes API server should be private',
  description:
    'A private cluster exposes its API server only through a private endpoint in the virtual network: nothing on the internet ' +
    'can reach the control plane, whatever the state of credentials or authorized IP ranges. Public clusters with authorized ' +
    'ranges are restricted, not private; this check asks for the stronger form.',
  remediationDescription:
    'Create the cluster private: `az aks create -g <resource group> -n <cluster> --enable-private-cluster ...`. A cluster with API ' +
    'Server VNet Integration can be switched: `az aks update -g <resource group> -n <cluster> --enable-private-cluster`. ' +
    'Administer it from the virtual network (jump host, VPN, ExpressRoute) or through `az aks command invoke`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.AccountBreach, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.High,
  equivalents: {
    defender: [],
    prowler: ['aks_clusters_public_access_disabled'],
    checkov: ['CKV_AZURE_115'],
    trivy: ['AVD-AZU-0065'],
    cisAks: ['5.4.2'],
  },
  references: ['https://learn.microsoft.com/azure/aks/private-clusters', 'https://learn.microsoft.com/azure/aks/api-server-vnet-integration'],
  evaluate: (cluster) => {
    // ARM omits apiServerAccessProfile for a public cluster: absence means "not private".
    const enabled = booleanAt(cluster, 'properties', 'apiServerAccessProfile', 'enablePrivateCluster') === true;
    const privateFqdn = stringAt(cluster, 'properties', 'privateFQDN');
    const additionalData: Record<string, string> = { 'properties.apiServerAccessProfile.enablePrivateCluster': String(enabled) };
    if (privateFqdn !== undefined) additionalData['properties.privateFQDN'] = privateFqdn;
    return enabled
      ? { code: AssessmentStatusCode.Healthy, description: 'The API server is reachable only through its private endpoint.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'publicApiServer', description: 'The API server has a public endpoint.', additionalData };
  },
  examples: [
    { name: 'a private cluster', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as `az aks create` leaves it (apiServerAccessProfile absent)', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'a public cluster restricted by authorized IP ranges (restricted, not private)',
      expect: 'Unhealthy',
      cluster: exampleCluster({ apiServerAccessProfile: { authorizedIPRanges: ['203.0.113.0/24'], enablePrivateCluster: false } }),
    },
  ],
});
