import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, examplePool, hardenedCluster, hardenedPool } from '../../exampleClusters';
import { agentPools, stringAt } from '../../managedClusterFields';

/**
 * `agentPoolProfiles[].securityProfile.sshAccess`: `LocalUser` (the default: SSH with the cluster's key), `EntraId`
 * (SSH with Entra ID credentials, preview API versions) or `Disabled`. API versions before the property do not
 * return it, and a body cannot say which version produced it, so: when no pool reports it the check is
 * NotApplicable (`sshAccessNotReported`); when some pool reports it, a pool without it has the default, LocalUser.
 * Only `Disabled` is Healthy: Entra ID SSH is still SSH onto the node (exempt it as mitigated if chosen).
 */
function evaluate(cluster: ArmJson): CheckOutcome {
  const pools = agentPools(cluster);
  if (pools.length === 0) return { code: 'NotApplicable', cause: 'noNodePools', description: 'The cluster JSON lists no node pools.' };
  const reported = pools.map((pool) => stringAt(pool, 'securityProfile', 'sshAccess'));
  const path = (pool: ArmJson, index: number): string => `properties.agentPoolProfiles[${stringAt(pool, 'name') ?? index}].securityProfile.sshAccess`;
  if (reported.every((value) => value === undefined)) {
    return {
      code: 'NotApplicable',
      cause: 'sshAccessNotReported',
      description: 'No node pool reports securityProfile.sshAccess (an API version before the property): SSH access cannot be judged.',
      additionalData: Object.fromEntries(pools.map((pool, index) => [path(pool, index), '(absent)'])),
    };
  }
  const additionalData: Record<string, string> = {};
  const open: string[] = [];
  pools.forEach((pool, index) => {
    const value = reported[index];
    additionalData[path(pool, index)] = value ?? '(absent: LocalUser)';
    if ((value ?? 'LocalUser').toLowerCase() !== 'disabled') open.push(`${stringAt(pool, 'name') ?? index} (${value ?? 'LocalUser'})`);
  });
  return open.length > 0
    ? { code: 'Unhealthy', description: `Node pools that accept SSH: ${open.join(', ')}.`, additionalData }
    : { code: 'Healthy', description: 'SSH is disabled on every node pool.', additionalData };
}

export const sshAccessDisabled = defineClusterCheck({
  name: 'ssh-access-disabled',
  displayName: 'AKS node pools should have SSH access disabled',
  description:
    'AKS nodes accept SSH with the key given at creation unless SSH is disabled on the pool. A leaked key, or anyone who can reach the nodes ' +
    'with it, gets a shell on the node outside Kubernetes\' audit trail. Debug nodes with `kubectl debug node/...` instead. Judged on ' +
    '`securityProfile.sshAccess` of every pool; when no pool reports it (older API versions) the check is not applicable.',
  remediationDescription:
    'Disable SSH per pool (the nodes are reimaged): `az aks nodepool update --resource-group <rg> --cluster-name <cluster> --name <pool> ' +
    '--ssh-access disabled`, or for new clusters `az aks create ... --ssh-access disabled`. Use `kubectl debug node/<node> -it ' +
    '--image=mcr.microsoft.com/cbl-mariner/busybox:2.0` for node troubleshooting.',
  severity: 'Medium',
  categories: ['Compute'],
  threats: ['AccountBreach', 'ElevationOfPrivilege', 'MaliciousInsider'],
  userImpact: 'Moderate',
  implementationEffort: 'Low',
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/manage-ssh-node-access', 'https://learn.microsoft.com/azure/aks/node-access'],
  evaluate,
  examples: [
    { name: 'a hardened cluster with SSH disabled on its pools', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it (LocalUser)', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'SSH disabled on the system pool, a user pool without the property (default LocalUser)',
      expect: 'Unhealthy',
      cluster: exampleCluster({ agentPoolProfiles: [hardenedPool(), examplePool({ name: 'userpool', mode: 'User', securityProfile: undefined })] }),
    },
    { name: 'Entra ID SSH', expect: 'Unhealthy', cluster: exampleCluster({ agentPoolProfiles: [examplePool({ securityProfile: { sshAccess: 'EntraId' } })] }) },
    {
      name: 'an API version that does not report sshAccess on any pool',
      expect: 'NotApplicable',
      cluster: exampleCluster({ agentPoolProfiles: [examplePool({ securityProfile: undefined })] }),
    },
  ],
});
