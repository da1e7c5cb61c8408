import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, examplePool, hardenedCluster, hardenedPool } from '../../exampleClusters';
import { agentPools, booleanAt, stringAt } from '../../managedClusterFields';

function evaluate(cluster: ArmJson): CheckOutcome {
  const pools = agentPools(cluster);
  if (pools.length === 0) return { code: 'NotApplicable', cause: 'noNodePools', description: 'The cluster JSON lists no node pools.' };
  const additionalData: Record<string, string> = {};
  const unencrypted: string[] = [];
  pools.forEach((pool, index) => {
    const name = stringAt(pool, 'name') ?? String(index);
    const value = booleanAt(pool, 'enableEncryptionAtHost');
    additionalData[`properties.agentPoolProfiles[${name}].enableEncryptionAtHost`] = value === undefined ? '(absent: false)' : String(value);
    if (value !== true) unencrypted.push(name);
  });
  return unencrypted.length > 0
    ? { code: 'Unhealthy', description: `Node pools without encryption at host: ${unencrypted.join(', ')}.`, additionalData }
    : { code: 'Healthy', description: 'Every node pool encrypts temp disks and disk caches at host.', additionalData };
}

export const encryptionAtHost = defineClusterCheck({
  name: 'encryption-at-host',
  displayName: 'Temp disks and cache for agent node pools in AKS clusters should be encrypted at host',
  description:
    'With encryption at host, the temp disks and the OS and data disk caches of the nodes are encrypted at rest on the VM host, and data ' +
    'flows encrypted to storage. Without it, a node\'s temp disk (where emptyDir volumes, container layers and logs can land) is not encrypted.',
  remediationDescription:
    'Register the feature once per subscription (`az feature register --namespace Microsoft.Compute --name EncryptionAtHost`), then create ' +
    'pools with it: `az aks nodepool add --resource-group <rg> --cluster-name <cluster> --name <pool> --enable-encryption-at-host`; ' +
    'existing pools can be updated with `az aks nodepool update ... --enable-encryption-at-host` or replaced.',
  severity: 'Medium',
  categories: ['Data'],
  threats: ['DataExfiltration', 'DataSpillage'],
  userImpact: 'Low',
  implementationEffort: 'Moderate',
  equivalents: {
    defender: ['Temp disks and cache for agent node pools in Azure Kubernetes Service clusters should be encrypted at host'],
    prowler: [],
    checkov: ['CKV_AZURE_227'],
    trivy: [],
    cisAks: [],
  },
  references: ['https://learn.microsoft.com/azure/aks/enable-host-encryption'],
  evaluate,
  examples: [
    { name: 'a hardened cluster whose pools encrypt at host', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'an encrypted system pool and a user pool without it',
      expect: 'Unhealthy',
      cluster: exampleCluster({ agentPoolProfiles: [hardenedPool(), examplePool({ name: 'userpool', mode: 'User' })] }),
    },
    { name: 'a pool whose JSON omits the property (older API versions)', expect: 'Unhealthy', cluster: exampleCluster({ agentPoolProfiles: [examplePool({ enableEncryptionAtHost: undefined })] }) },
    { name: 'a cluster JSON without node pools', expect: 'NotApplicable', cluster: exampleCluster({ agentPoolProfiles: undefined }) },
  ],
});
