import { type ClusterCheck } from '../../clusterCheck';
import { supportedKubernetesVersion } from './supported-kubernetes-version';
import { autoUpgradeChannel } from './auto-upgrade-channel';
import { nodeOsUpgradeChannel } from './node-os-upgrade-channel';
import { encryptionAtHost } from './encryption-at-host';
import { sshAccessDisabled } from './ssh-access-disabled';
import { diskCustomerManagedKey } from './disk-customer-managed-key';
import { kmsEtcdEncryption } from './kms-etcd-encryption';
import { workloadIdentity } from './workload-identity';
import { imageCleaner } from './image-cleaner';
import { secretsStoreCsiRotation } from './secrets-store-csi-rotation';
import { defenderProfile } from './defender-profile';
import { apiServerAccessRestricted } from './api-server-access-restricted';
import { privateCluster } from './private-cluster';
import { nodesWithoutPublicIp } from './nodes-without-public-ip';
import { kubernetesRbacEnabled } from './kubernetes-rbac-enabled';
import { entraIdIntegration } from './entra-id-integration';
import { azureRbacAuthorization } from './azure-rbac-authorization';
import { localAccountsDisabled } from './local-accounts-disabled';
import { azurePolicyAddon } from './azure-policy-addon';
import { networkPolicy } from './network-policy';
import { legacyAddonsDisabled } from './legacy-addons-disabled';
import { runCommandDisabled } from './run-command-disabled';
import { managedIdentity } from './managed-identity';
import { argusAuditCoverage } from './argus-audit-coverage';

/** Every cluster configuration check. A catalogue test checks that each file in this folder is listed here. */
export const clusterChecks: readonly ClusterCheck[] = [
  supportedKubernetesVersion,
  autoUpgradeChannel,
  nodeOsUpgradeChannel,
  encryptionAtHost,
  sshAccessDisabled,
  diskCustomerManagedKey,
  kmsEtcdEncryption,
  workloadIdentity,
  imageCleaner,
  secretsStoreCsiRotation,
  defenderProfile,
  apiServerAccessRestricted,
  privateCluster,
  nodesWithoutPublicIp,
  kubernetesRbacEnabled,
  entraIdIntegration,
  azureRbacAuthorization,
  localAccountsDisabled,
  azurePolicyAddon,
  networkPolicy,
  legacyAddonsDisabled,
  runCommandDisabled,
  managedIdentity,
  argusAuditCoverage,
];
