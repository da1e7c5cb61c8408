import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, clusterProperties, stringAt } from '../../managedClusterFields';

const PATH = 'properties.securityProfile.azureKeyVaultKms.enabled';

function evaluate(cluster: ArmJson): CheckOutcome {
  const properties = clusterProperties(cluster);
  const enabled = booleanAt(properties, 'securityProfile', 'azureKeyVaultKms', 'enabled');
  if (enabled !== true) {
    return {
      code: 'Unhealthy',
      description: 'Kubernetes secrets in etcd are not encrypted with a Key Vault key (KMS).',
      additionalData: { [PATH]: enabled === undefined ? '(absent)' : String(enabled) },
    };
  }
  const access = stringAt(properties, 'securityProfile', 'azureKeyVaultKms', 'keyVaultNetworkAccess') ?? 'Public';
  return {
    code: 'Healthy',
    description: `Kubernetes secrets in etcd are encrypted with a Key Vault key (vault network access: ${access}).`,
    additionalData: { [PATH]: 'true', 'properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess': access },
  };
}

export const kmsEtcdEncryption = defineClusterCheck({
  name: 'kms-etcd-encryption',
  displayName: 'AKS clusters should encrypt Kubernetes secrets in etcd with a Key Vault key (KMS)',
  description:
    'With the KMS plugin, AKS encrypts Kubernetes Secrets in etcd with a key from your Azure Key Vault, which you can rotate and revoke. ' +
    'Without it, secrets rest under platform encryption only, and anyone who gets a copy of etcd data reads them.',
  remediationDescription:
    'Create a Key Vault key and give the cluster identity encrypt/decrypt on it, then: `az aks update --resource-group <rg> --name <cluster> ' +
    '--enable-azure-keyvault-kms --azure-keyvault-kms-key-id <keyId> --azure-keyvault-kms-key-vault-network-access Private ' +
    '--azure-keyvault-kms-key-vault-resource-id <vaultId>`. Existing secrets are encrypted when rewritten: ' +
    '`kubectl get secrets --all-namespaces -o json | kubectl replace -f -`.',
  severity: 'Medium',
  categories: ['Data'],
  threats: ['DataExfiltration', 'DataSpillage', 'AccountBreach'],
  userImpact: 'Low',
  implementationEffort: 'Moderate',
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: ['5.3.1'] },
  references: ['https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption', 'https://kubernetes.io/docs/tasks/administer-cluster/kms-provider/'],
  evaluate,
  examples: [
    { name: 'a hardened cluster with KMS on a private vault', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'KMS turned off again',
      expect: 'Unhealthy',
      cluster: hardenedCluster({ securityProfile: { azureKeyVaultKms: { enabled: false } } }),
    },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.KeyVault/vaults', name: 'kv1' } },
  ],
});
