import { type ClusterIdentity } from './auditEvent';

const resourceIdPattern =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourcegroups\/([^/]+)\/providers\/(microsoft\.containerservice\/managedclusters|microsoft\.kubernetes\/connectedclusters)\/([^/]+)\/?$/i;

const canonicalProvider: Record<string, string> = {
  'microsoft.containerservice/managedclusters': 'Microsoft.ContainerService/managedClusters',
  'microsoft.kubernetes/connectedclusters': 'Microsoft.Kubernetes/connectedClusters',
};

/**
 * Parses an AKS (`Microsoft.ContainerService/managedClusters`) or Arc (`Microsoft.Kubernetes/connectedClusters`)
 * resource id in any casing. Returns undefined for anything else: the caller reports the record.
 */
export function parseClusterResourceId(resourceId: string): ClusterIdentity | undefined {
  const match = resourceIdPattern.exec(resourceId.trim());
  if (!match) return undefined;
  const [, subscription = '', group = '', provider = '', name = ''] = match;
  const subscriptionId = subscription.toLowerCase();
  const resourceGroup = group.toLowerCase();
  const clusterName = name.toLowerCase();
  return {
    subscriptionId,
    resourceGroup,
    clusterName,
    resourceId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${canonicalProvider[provider.toLowerCase()]}/${clusterName}`,
  };
}
