import { type ClusterIdentity } from '../kubernetes/auditEvent';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';

/**
 * The reserved cluster of a subscription's attack simulation: simulated events claim to come from it, and
 * ingestion refuses it for any event without the service's signature (see `simulationSignature.ts`), so
 * nobody outside the service can make a real event look simulated. Pure.
 */

/** The resource group of every subscription's simulated cluster. */
export const SIMULATION_RESOURCE_GROUP = 'argus-simulation';
/** The name of every subscription's simulated cluster. */
export const SIMULATED_CLUSTER_NAME = 'argus-simulated-cluster';

/**
 * The simulated cluster of a subscription, as an Arc connected cluster (it is no AKS cluster), in the
 * canonical form the decoder gives every record of it. Throws on a subscription id that is not a GUID:
 * the caller validated it.
 */
export function simulatedClusterOf(subscriptionId: string): ClusterIdentity {
  const resourceId =
    `/subscriptions/${subscriptionId}/resourceGroups/${SIMULATION_RESOURCE_GROUP}` +
    `/providers/Microsoft.Kubernetes/connectedClusters/${SIMULATED_CLUSTER_NAME}`;
  const cluster = parseClusterResourceId(resourceId);
  if (cluster === undefined) throw new Error(`simulatedClusterOf: "${subscriptionId}" is not a subscription id.`);
  return cluster;
}

/**
 * Whether a cluster claims the reserved identity: the reserved resource group and cluster name under any
 * provider (AKS managedClusters as well as Arc connectedClusters) and in any casing, so that no form of the
 * resource id sidesteps the check.
 */
export function isReservedSimulationCluster(cluster: ClusterIdentity): boolean {
  return (
    cluster.resourceGroup.toLowerCase() === SIMULATION_RESOURCE_GROUP && cluster.clusterName.toLowerCase() === SIMULATED_CLUSTER_NAME
  );
}
