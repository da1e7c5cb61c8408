import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { EXAMPLE_DISK_ENCRYPTION_SET_ID, exampleCluster, hardenedCluster } from '../../exampleClusters';
import { clusterProperties, stringAt } from '../../managedClusterFields';

const PATH = 'properties.diskEncryptionSetID';

function evaluate(cluster: ArmJson): CheckOutcome {
  const id = stringAt(clusterProperties(cluster), 'diskEncryptionSetID');
  return id === undefined || id.trim() === ''
    ? { code: 'Unhealthy', description: 'Node OS and data disks are encrypted with platform-managed keys only.', additionalData: { [PATH]: '(absent)' } }
    : { code: 'Healthy', description: 'Node OS and data disks are encrypted with a customer-managed key (disk encryption set).', additionalData: { [PATH]: id } };
}

export const diskCustomerManagedKey = defineClusterCheck({
  name: 'disk-customer-managed-key',
  displayName: 'Both operating systems and data disks in AKS clusters should be encrypted by customer-managed keys',
  description:
    'Azure encrypts node disks at rest with platform-managed keys. A customer-managed key (a disk encryption set backed by your Key Vault) ' +
    'puts the key\'s lifecycle, rotation and revocation in your hands; compliance regimes often require it. Apply where policy demands it.',
  remediationDescription:
    'Create a Key Vault key and a disk encryption set (`az disk-encryption-set create ...`), grant the set access to the vault, then create ' +
    'the cluster with it: `az aks create --resource-group <rg> --name <cluster> --node-osdisk-diskencryptionset-id <desId>`. The OS disk key ' +
    'of an existing cluster cannot be changed: migrate workloads to a new cluster.',
  severity: 'Low',
  categories: ['Data'],
  threats: ['DataExfiltration', 'DataSpillage'],
  userImpact: 'Low',
  implementationEffort: 'High',
  equivalents: {
    defender: ['Both operating systems and data disks in Azure Kubernetes Service clusters should be encrypted by customer-managed keys'],
    prowler: [],
    checkov: ['CKV_AZURE_117'],
    trivy: ['AVD-AZU-0067'],
    cisAks: [],
  },
  references: ['https://learn.microsoft.com/azure/aks/azure-disk-customer-managed-keys'],
  evaluate,
  examples: [
    { name: 'a hardened cluster with a disk encryption set', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'the disk encryption set of the published ManagedClustersGet example', expect: 'Healthy', cluster: exampleCluster({ diskEncryptionSetID: EXAMPLE_DISK_ENCRYPTION_SET_ID }) },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.ContainerRegistry/registries', name: 'acr1' } },
  ],
});
