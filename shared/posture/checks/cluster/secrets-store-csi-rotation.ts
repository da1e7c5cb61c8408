import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { addonProfile, isAddonEnabled, stringAt, valueAt } from '../../managedClusterFields';

const ADDON = 'azureKeyvaultSecretsProvider';
const PATH = `properties.addonProfiles.${ADDON}.config.enableSecretRotation`;

function shownEnabled(value: unknown): string {
  if (value === undefined) return '(absent)';
  return typeof value === 'boolean' || typeof value === 'string' ? String(value) : JSON.stringify(value);
}

function evaluate(cluster: ArmJson): CheckOutcome {
  if (!isAddonEnabled(cluster, ADDON)) {
    return {
      code: 'NotApplicable',
      cause: 'addonDisabled',
      description: 'The Azure Key Vault provider for Secrets Store CSI Driver add-on is not enabled.',
      additionalData: { [`properties.addonProfiles.${ADDON}.enabled`]: shownEnabled(valueAt(addonProfile(cluster, ADDON), 'enabled')) },
    };
  }
  const profile = addonProfile(cluster, ADDON);
  // Add-on config values are strings on the wire ("true"); accept a boolean from hand-written JSON too.
  const raw = valueAt(profile, 'config', 'enableSecretRotation');
  const rotation = typeof raw === 'string' || typeof raw === 'boolean' ? String(raw) : undefined;
  const interval = stringAt(profile, 'config', 'rotationPollInterval') ?? '(absent: 2m)';
  const additionalData = { [PATH]: rotation ?? '(absent: false)', [`properties.addonProfiles.${ADDON}.config.rotationPollInterval`]: interval };
  return rotation?.toLowerCase() === 'true'
    ? { code: 'Healthy', description: `Mounted Key Vault secrets are refreshed (every ${interval}).`, additionalData }
    : { code: 'Unhealthy', description: 'Secret rotation is off: pods keep the secret values they mounted at start, even after rotation or revocation.', additionalData };
}

export const secretsStoreCsiRotation = defineClusterCheck({
  name: 'secrets-store-csi-rotation',
  displayName: 'AKS clusters using the Key Vault secrets provider should rotate mounted secrets',
  description:
    'The Azure Key Vault provider for Secrets Store CSI Driver mounts Key Vault secrets into pods. Without auto-rotation the mounted content ' +
    'is fixed when the pod starts: a secret rotated or revoked in Key Vault (after a leak, say) keeps working in every running pod. Not ' +
    'applicable when the add-on is off.',
  remediationDescription:
    'Turn rotation on: `az aks addon update --resource-group <rg> --name <cluster> --addon azure-keyvault-secrets-provider ' +
    '--enable-secret-rotation --rotation-poll-interval 2m`. Applications must re-read the mounted files (or synced Secrets) to see new values.',
  severity: 'Medium',
  categories: ['Data'],
  threats: ['AccountBreach', 'DataExfiltration'],
  userImpact: 'Low',
  implementationEffort: 'Low',
  equivalents: { defender: [], prowler: [], checkov: ['CKV_AZURE_172'], trivy: [], cisAks: [] },
  references: [
    'https://learn.microsoft.com/azure/aks/csi-secrets-store-driver',
    'https://learn.microsoft.com/azure/aks/csi-secrets-store-configuration-options',
  ],
  evaluate,
  examples: [
    { name: 'a hardened cluster with rotation every 2 minutes', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'the add-on as the published ManagedClustersCreate_AzureKeyvaultSecretsProvider example sets it, with a lower-case key',
      expect: 'Healthy',
      cluster: exampleCluster({ addonProfiles: { azurekeyvaultsecretsprovider: { enabled: true, config: { enableSecretRotation: 'true', rotationPollInterval: '2m' } } } }),
    },
    {
      name: 'the add-on with rotation off',
      expect: 'Unhealthy',
      cluster: exampleCluster({ addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: 'false', rotationPollInterval: '2m' } } } }),
    },
    { name: 'the add-on without config', expect: 'Unhealthy', cluster: exampleCluster({ addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: null } } }) },
    { name: 'a cluster as az aks create makes it (no add-ons)', expect: 'NotApplicable', cluster: exampleCluster() },
  ],
});
