import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';

describe('parseClusterResourceId', () => {
  it('when an upper-case AKS resource id is parsed, then names are lower-case and the id is canonical', () => {
    expect(
      parseClusterResourceId('/SUBSCRIPTIONS/6B1E0C3D-2F4A-4B5C-8D6E-7F8091A2B3C4/RESOURCEGROUPS/MC_RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1'),
    ).toEqual({
      subscriptionId: '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4',
      resourceGroup: 'mc_rg',
      clusterName: 'aks-1',
      resourceId: '/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/mc_rg/providers/Microsoft.ContainerService/managedClusters/aks-1',
    });
  });

  it('when the same cluster is written in two casings, then both parse to the same identity', () => {
    const upper = parseClusterResourceId('/SUBSCRIPTIONS/6B1E0C3D-2F4A-4B5C-8D6E-7F8091A2B3C4/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/C');
    const lower = parseClusterResourceId('/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/');
    expect(upper).toEqual(lower);
  });

  it('when the id is not a cluster, then nothing is returned', () => {
    expect(parseClusterResourceId('/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm')).toBeUndefined();
    expect(parseClusterResourceId('/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c')).toBeUndefined();
    expect(parseClusterResourceId('')).toBeUndefined();
  });
});
