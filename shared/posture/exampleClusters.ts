import { type ArmJson } from './clusterCheck';

/**
 * Builders of managed cluster ARM JSON for checks' examples and tests: ARM GET bodies (wire names, api-version
 * 2025-05-01), shaped like azure-rest-api-specs' `ManagedClustersGet.json` / `ManagedClustersCreate_*.json` examples
 * and like what ARM returns for a cluster made by `az aks create -g rg-shop-prod -n aks-shop-prod` with no other
 * option. `az aks show -o json` prints the same data flattened and with its own casing (`enableRbac`, no
 * `properties`); `clusterInput.ts` turns that into this shape.
 *
 * Merge rule (both builders): `overrides` deep-merges into `properties`, and `resource` into the resource itself
 * (`identity`, `sku`, `name`, ...). Plain objects merge key by key, recursively; arrays, primitives and `null`
 * replace what is there; a key set to `undefined` is removed. So `exampleCluster({ aadProfile: undefined })` drops
 * a profile, and `{ agentPoolProfiles: [examplePool({ name: 'user1', mode: 'User' })] }` replaces every pool.
 */

export const EXAMPLE_SUBSCRIPTION_ID = '3f2c9a4e-7b1d-4c8e-9f60-2a5b8d1e4c73';
export const EXAMPLE_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const EXAMPLE_RESOURCE_GROUP = 'rg-shop-prod';
export const EXAMPLE_CLUSTER_NAME = 'aks-shop-prod';
export const EXAMPLE_LOCATION = 'westeurope';
/** The resource id as ARM returns it (`resourcegroups` in lower case, the group and name as created). */
export const EXAMPLE_CLUSTER_ID = `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/${EXAMPLE_RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${EXAMPLE_CLUSTER_NAME}`;
/** The Kubernetes version `az aks create` picked by default at EXAMPLE_CLUSTER_NOW (AKS default minor then). */
export const EXAMPLE_KUBERNETES_VERSION = '1.35';
export const EXAMPLE_CURRENT_KUBERNETES_VERSION = '1.35.7';
/** A time at which the example clusters' Kubernetes version is supported: pass it as `facts.now`. */
export const EXAMPLE_CLUSTER_NOW = '2026-11-02T10:15:30Z';

const nodeResourceGroup = `MC_${EXAMPLE_RESOURCE_GROUP}_${EXAMPLE_CLUSTER_NAME}_${EXAMPLE_LOCATION}`;
const groupId = `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/${EXAMPLE_RESOURCE_GROUP}`;
const nodeGroupId = `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/${nodeResourceGroup}`;

/** A user-assigned identity AKS makes in the node resource group (kubelet, add-ons). */
function managedIdentity(name: string, clientId: string, objectId: string): ArmJson {
  return { resourceId: `${nodeGroupId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`, clientId, objectId };
}

export const EXAMPLE_KEY_VAULT_ID = `${groupId}/providers/Microsoft.KeyVault/vaults/kv-shop-prod`;
export const EXAMPLE_DISK_ENCRYPTION_SET_ID = `${groupId}/providers/Microsoft.Compute/diskEncryptionSets/des-shop-prod`;
export const EXAMPLE_LOG_ANALYTICS_WORKSPACE_ID = `${groupId}/providers/Microsoft.OperationalInsights/workspaces/law-shop-prod`;
/** The Event Hubs namespace and hub Argus reads audit records from in the examples. */
export const EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID = `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/rg-argus/providers/Microsoft.EventHub/namespaces/evhns-argus`;
export const EXAMPLE_ARGUS_EVENT_HUB_NAME = 'aks-audit';

/** A node pool as `az aks create` makes its first (system) pool; `overrides` deep-merge into it. */
export function examplePool(overrides: ArmJson = {}): ArmJson {
  return deepMerge(
    {
      name: 'nodepool1',
      count: 3,
      vmSize: 'Standard_D2s_v5',
      osDiskSizeGB: 128,
      osDiskType: 'Managed',
      kubeletDiskType: 'OS',
      maxPods: 250,
      type: 'VirtualMachineScaleSets',
      enableAutoScaling: false,
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      orchestratorVersion: EXAMPLE_KUBERNETES_VERSION,
      currentOrchestratorVersion: EXAMPLE_CURRENT_KUBERNETES_VERSION,
      enableNodePublicIP: false,
      enableEncryptionAtHost: false,
      enableUltraSSD: false,
      enableFIPS: false,
      mode: 'System',
      osType: 'Linux',
      osSKU: 'Ubuntu',
      nodeImageVersion: 'AKSUbuntu-2404gen2containerd-202608.26.0',
      scaleDownMode: 'Delete',
      upgradeSettings: { maxSurge: '10%', maxUnavailable: '0' },
      securityProfile: { sshAccess: 'LocalUser', enableVTPM: false, enableSecureBoot: false },
    },
    overrides,
  );
}

/** A node pool with every pool-level check Healthy: encryption at host, no public IPs, SSH disabled. */
export function hardenedPool(overrides: ArmJson = {}): ArmJson {
  return examplePool(deepMerge({ enableEncryptionAtHost: true, securityProfile: { sshAccess: 'Disabled', enableVTPM: true, enableSecureBoot: true } }, overrides));
}

/**
 * A cluster as `az aks create -g rg-shop-prod -n aks-shop-prod` (no other option) leaves it: a public API server
 * without authorized IP ranges, local accounts enabled, no Entra ID integration, Kubernetes RBAC on, Azure CNI
 * Overlay without network policy (`networkPolicy: "none"`, which ARM returns for clusters made without
 * `--network-policy`; older clusters omit the field), one system pool (SSH as a local user, no encryption at
 * host), a system-assigned managed identity, no add-ons (`addonProfiles` absent), no cluster auto-upgrade channel
 * (`upgradeChannel` absent: `az aks show` prints `null`) and node OS upgrade channel `NodeImage`, the OIDC issuer on
 * (on without `--enable-oidc-issuer` in the real output below) but no workload identity, no Defender sensor, no Image Cleaner, no KMS,
 * platform-managed disk keys, Run Command enabled. Checked against a real `az aks show -o json` of September 2026
 * (Kubernetes 1.35, test/fixtures/clusters/az-aks-show-entra-azure-rbac.json).
 */
export function exampleCluster(overrides: ArmJson = {}, resource: ArmJson = {}): ArmJson {
  const cluster: ArmJson = {
    id: EXAMPLE_CLUSTER_ID,
    location: EXAMPLE_LOCATION,
    name: EXAMPLE_CLUSTER_NAME,
    type: 'Microsoft.ContainerService/ManagedClusters',
    sku: { name: 'Base', tier: 'Free' },
    identity: {
      type: 'SystemAssigned',
      principalId: '5e3a1c2b-0d4f-4a6b-8c7d-9e0f1a2b3c4d',
      tenantId: EXAMPLE_TENANT_ID,
    },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: EXAMPLE_KUBERNETES_VERSION,
      currentKubernetesVersion: EXAMPLE_CURRENT_KUBERNETES_VERSION,
      dnsPrefix: 'aks-shop-p-rg-shop-prod-3f2c9a',
      fqdn: 'aks-shop-p-rg-shop-prod-3f2c9a-x7k2m9qp.hcp.westeurope.azmk8s.io',
      azurePortalFQDN: 'aks-shop-p-rg-shop-prod-3f2c9a-x7k2m9qp.portal.hcp.westeurope.azmk8s.io',
      agentPoolProfiles: [examplePool()],
      linuxProfile: {
        adminUsername: 'azureuser',
        ssh: { publicKeys: [{ keyData: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7examplekeydata azureuser@shop-prod\n' }] },
      },
      servicePrincipalProfile: { clientId: 'msi' },
      nodeResourceGroup,
      enableRBAC: true,
      supportPlan: 'KubernetesOfficial',
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkPolicy: 'none',
        networkDataplane: 'azure',
        loadBalancerSku: 'standard',
        loadBalancerProfile: {
          managedOutboundIPs: { count: 1 },
          effectiveOutboundIPs: [{ id: `${nodeGroupId}/providers/Microsoft.Network/publicIPAddresses/7c1e9a52-3f0b-4d8e-a6c1-2b4d6f8e0a13` }],
          backendPoolType: 'nodeIPConfiguration',
        },
        podCidr: '10.244.0.0/16',
        serviceCidr: '10.0.0.0/16',
        dnsServiceIP: '10.0.0.10',
        outboundType: 'loadBalancer',
        podCidrs: ['10.244.0.0/16'],
        serviceCidrs: ['10.0.0.0/16'],
        ipFamilies: ['IPv4'],
      },
      maxAgentPools: 100,
      identityProfile: {
        kubeletidentity: managedIdentity(`${EXAMPLE_CLUSTER_NAME}-agentpool`, '0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b', '1c0f9e8d-7b6a-4f5e-8d3c-2b1a0f9e8d7c'),
      },
      autoUpgradeProfile: { nodeOSUpgradeChannel: 'NodeImage' },
      disableLocalAccounts: false,
      securityProfile: {},
      storageProfile: {
        diskCSIDriver: { enabled: true, version: 'v1' },
        fileCSIDriver: { enabled: true },
        snapshotController: { enabled: true },
      },
      oidcIssuerProfile: {
        enabled: true,
        issuerURL: `https://westeurope.oic.prod-aks.azure.com/${EXAMPLE_TENANT_ID}/6b5a4f3e-2d1c-4b0a-9f8e-7d6c5b4a3f2e/`,
      },
      workloadAutoScalerProfile: {},
      metricsProfile: { costAnalysis: { enabled: false } },
      resourceUID: '68a1f0c2d9e4b3a7c5f6e8d1',
      controlPlanePluginProfiles: {},
      nodeProvisioningProfile: { mode: 'Manual' },
      bootstrapProfile: { artifactSource: 'Direct' },
    },
  };
  return deepMerge(deepMerge(cluster, resource), { properties: overrides });
}

/**
 * A cluster with every check Healthy (with `hardenedClusterFacts` for the checks that need facts): a private
 * API server with Run Command disabled, managed Entra ID with Azure RBAC and local accounts disabled, Cilium
 * network policy, hardened pools, a customer-managed disk key, KMS for etcd, Defender's sensor, workload identity
 * with the OIDC issuer, Image Cleaner, the `patch` and `NodeImage` upgrade channels, Azure Policy and the Key Vault
 * secrets provider with rotation, no legacy add-on.
 */
export function hardenedCluster(overrides: ArmJson = {}, resource: ArmJson = {}): ArmJson {
  const hardened: ArmJson = {
    sku: { name: 'Base', tier: 'Standard' },
    properties: {
      fqdn: undefined,
      azurePortalFQDN: undefined,
      privateFQDN: 'aks-shop-p-rg-shop-prod-3f2c9a-5d1b8e2c.4f7a9c31-2b6e-4d8f-a0c3-e5b7d9f1a2c4.privatelink.westeurope.azmk8s.io',
      agentPoolProfiles: [hardenedPool()],
      apiServerAccessProfile: {
        enablePrivateCluster: true,
        privateDNSZone: 'system',
        enablePrivateClusterPublicFQDN: false,
        disableRunCommand: true,
      },
      aadProfile: {
        managed: true,
        enableAzureRBAC: true,
        adminGroupObjectIDs: ['9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'],
        tenantID: EXAMPLE_TENANT_ID,
      },
      disableLocalAccounts: true,
      networkProfile: { networkPolicy: 'cilium', networkDataplane: 'cilium' },
      diskEncryptionSetID: EXAMPLE_DISK_ENCRYPTION_SET_ID,
      addonProfiles: {
        azurepolicy: {
          enabled: true,
          config: null,
          identity: managedIdentity('azurepolicy-aks-shop-prod', '2d1c0b9a-8f7e-4d6c-9b5a-4f3e2d1c0b9a', '3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b'),
        },
        azureKeyvaultSecretsProvider: {
          enabled: true,
          config: { enableSecretRotation: 'true', rotationPollInterval: '2m' },
          identity: managedIdentity(
            'azurekeyvaultsecretsprovider-aks-shop-prod',
            '4f3e2d1c-0b9a-4f8e-9d7c-6b5a4f3e2d1c',
            '5a4f3e2d-1c0b-4a9f-8e7d-6c5b4a3f2e1d',
          ),
        },
      },
      securityProfile: {
        defender: { logAnalyticsWorkspaceResourceId: EXAMPLE_LOG_ANALYTICS_WORKSPACE_ID, securityMonitoring: { enabled: true } },
        azureKeyVaultKms: {
          enabled: true,
          keyId: 'https://kv-shop-prod.vault.azure.net/keys/aks-etcd/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
          keyVaultNetworkAccess: 'Private',
          keyVaultResourceId: EXAMPLE_KEY_VAULT_ID,
        },
        workloadIdentity: { enabled: true },
        imageCleaner: { enabled: true, intervalHours: 168 },
      },
      autoUpgradeProfile: { upgradeChannel: 'patch', nodeOSUpgradeChannel: 'NodeImage' },
    },
  };
  return exampleCluster({}, deepMerge(deepMerge(hardened, resource), { properties: overrides }));
}

/** A diagnostic setting of the cluster streaming `kube-audit-admin` (or the given categories) to an Event Hub. */
export function exampleAuditDiagnosticSetting(
  categories: readonly string[] = ['kube-audit-admin'],
  eventHubName: string = EXAMPLE_ARGUS_EVENT_HUB_NAME,
  namespaceResourceId: string = EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID,
): ArmJson {
  return {
    id: `${EXAMPLE_CLUSTER_ID}/providers/microsoft.insights/diagnosticSettings/argus-audit`,
    type: 'Microsoft.Insights/diagnosticSettings',
    name: 'argus-audit',
    properties: {
      eventHubAuthorizationRuleId: `${namespaceResourceId}/authorizationrules/RootManageSharedAccessKey`,
      eventHubName,
      logs: ['kube-audit', 'kube-audit-admin', 'kube-apiserver', 'guard'].map((category) => ({
        category,
        categoryGroup: null,
        enabled: categories.includes(category),
        retentionPolicy: { enabled: false, days: 0 },
      })),
      metrics: [],
      logAnalyticsDestinationType: null,
    },
  };
}

/**
 * The facts beside a hardened cluster that make the fact-based checks Healthy at `now`: the audit diagnostic
 * setting streams to Argus's hub, and Argus received an audit event an hour before `now`.
 */
export function hardenedClusterFacts(now: string = EXAMPLE_CLUSTER_NOW): {
  now: string;
  diagnosticSettings: ArmJson[];
  argusAuditHub: { eventHubName: string; namespaceResourceId: string };
  lastAuditEventUtc: string;
} {
  const parsed = Date.parse(now);
  return {
    now,
    diagnosticSettings: [exampleAuditDiagnosticSetting()],
    argusAuditHub: { eventHubName: EXAMPLE_ARGUS_EVENT_HUB_NAME, namespaceResourceId: EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID },
    lastAuditEventUtc: Number.isNaN(parsed) ? now : new Date(parsed - 3_600_000).toISOString(),
  };
}

function isPlainObject(value: unknown): value is ArmJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The merge rule above: objects merge recursively, anything else replaces, `undefined` removes. Never mutates. */
export function deepMerge(base: ArmJson, overrides: ArmJson): ArmJson {
  const merged: ArmJson = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete merged[key];
      continue;
    }
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : cloneJson(value);
  }
  return merged;
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isPlainObject(value)) return deepMerge({}, value);
  return value;
}
