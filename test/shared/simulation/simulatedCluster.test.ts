import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { isReservedSimulationCluster, simulatedClusterOf } from '../../../shared/simulation/simulatedCluster';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const ARC_ID = `/subscriptions/${SUB}/resourceGroups/argus-simulation/providers/Microsoft.Kubernetes/connectedClusters/argus-simulated-cluster`;

function parsed(resourceId: string): ClusterIdentity {
  const cluster = parseClusterResourceId(resourceId);
  if (cluster === undefined) throw new Error(`not a cluster id: ${resourceId}`);
  return cluster;
}

describe('simulatedClusterOf', () => {
  it('when the simulated cluster of a subscription is asked for, then it is the Arc cluster in the reserved group, in canonical form', () => {
    expect(simulatedClusterOf(SUB)).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'argus-simulation',
      clusterName: 'argus-simulated-cluster',
      resourceId: ARC_ID,
    });
  });

  it('when the reserved Arc resource id is parsed, then it gives exactly the simulated cluster, which is reserved', () => {
    expect(parsed(ARC_ID)).toEqual(simulatedClusterOf(SUB));
    expect(isReservedSimulationCluster(parsed(ARC_ID))).toBe(true);
  });

  it('when the subscription id is upper-case, then the identity is the canonical lower-case one', () => {
    expect(simulatedClusterOf(SUB.toUpperCase())).toEqual(simulatedClusterOf(SUB));
  });

  it('when the subscription id is not a GUID, then it throws', () => {
    expect(() => simulatedClusterOf('not-a-subscription')).toThrow(/not a subscription id/);
  });
});

describe('isReservedSimulationCluster', () => {
  it('when the reserved names are used as an AKS managedClusters id, then the cluster is still reserved', () => {
    const aks = parsed(`/subscriptions/${SUB}/resourceGroups/argus-simulation/providers/Microsoft.ContainerService/managedClusters/argus-simulated-cluster`);
    expect(aks.resourceId).not.toBe(ARC_ID);
    expect(isReservedSimulationCluster(aks)).toBe(true);
  });

  it.each([
    ['an upper-case AKS-style id', `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/ARGUS-SIMULATION/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/ARGUS-SIMULATED-CLUSTER`],
    ['a mixed-case Arc id', `/subscriptions/${SUB}/resourcegroups/Argus-Simulation/providers/microsoft.kubernetes/CONNECTEDCLUSTERS/Argus-Simulated-Cluster/`],
  ])('when the reserved names come in %s, then the cluster is reserved', (_case, resourceId) => {
    expect(isReservedSimulationCluster(parsed(resourceId))).toBe(true);
  });

  it('when an identity is built with upper-case names (not through the parser), then it is still reserved', () => {
    expect(
      isReservedSimulationCluster({ subscriptionId: SUB, resourceGroup: 'ARGUS-SIMULATION', clusterName: 'Argus-Simulated-Cluster', resourceId: ARC_ID.toUpperCase() }),
    ).toBe(true);
  });

  it.each([
    ['another resource group', 'prod-rg', 'argus-simulated-cluster'],
    ['another cluster name', 'argus-simulation', 'aks-prod'],
    ['a longer group name', 'argus-simulation-2', 'argus-simulated-cluster'],
    ['a longer cluster name', 'argus-simulation', 'argus-simulated-cluster-x'],
    ['the names swapped', 'argus-simulated-cluster', 'argus-simulation'],
  ])('when a cluster has %s, then it is not reserved', (_case, group, name) => {
    for (const provider of ['Microsoft.ContainerService/managedClusters', 'Microsoft.Kubernetes/connectedClusters']) {
      expect(isReservedSimulationCluster(parsed(`/subscriptions/${SUB}/resourceGroups/${group}/providers/${provider}/${name}`))).toBe(false);
    }
  });
});
