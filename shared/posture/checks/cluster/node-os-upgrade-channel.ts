import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { clusterProperties, stringAt } from '../../managedClusterFields';

const PATH = 'properties.autoUpgradeProfile.nodeOSUpgradeChannel';
/** Channels that leave node OS security patches to someone else (AKS never patches the image). */
const UNMANAGED = ['none', 'unmanaged'];

function evaluate(cluster: ArmJson): CheckOutcome {
  const channel = stringAt(clusterProperties(cluster), 'autoUpgradeProfile', 'nodeOSUpgradeChannel');
  if (channel === undefined || channel === '') {
    // Clusters from before the property existed: their behaviour follows the cluster channel, which the API does not say here.
    return {
      code: 'NotApplicable',
      cause: 'nodeOSUpgradeChannelNotReported',
      description: 'The cluster JSON does not report a node OS upgrade channel (an older API version or cluster).',
      additionalData: { [PATH]: '(absent)' },
    };
  }
  if (UNMANAGED.includes(channel.toLowerCase())) {
    return {
      code: 'Unhealthy',
      description: `The node OS upgrade channel is "${channel}": AKS does not apply node OS security patches.`,
      additionalData: { [PATH]: channel },
    };
  }
  return { code: 'Healthy', description: `Node OS security updates arrive through the "${channel}" channel.`, additionalData: { [PATH]: channel } };
}

export const nodeOsUpgradeChannel = defineClusterCheck({
  name: 'node-os-upgrade-channel',
  displayName: 'AKS clusters should have a managed node OS upgrade channel',
  description:
    'The node OS upgrade channel decides how nodes get OS security patches: `NodeImage` (the default) and `SecurityPatch` keep them patched ' +
    'with tested images; `Unmanaged` leaves it to the OS\'s own unattended upgrades (no reboots, no image updates) and `None` to nobody.',
  remediationDescription:
    'Set the channel to NodeImage (or SecurityPatch) and, if needed, a maintenance window: ' +
    '`az aks update --resource-group <rg> --name <cluster> --node-os-upgrade-channel NodeImage`, then ' +
    '`az aks maintenanceconfiguration add --resource-group <rg> --cluster-name <cluster> --name aksManagedNodeOSUpgradeSchedule ...`.',
  severity: 'Medium',
  categories: ['Compute'],
  threats: ['ThreatResistance', 'ElevationOfPrivilege'],
  userImpact: 'Low',
  implementationEffort: 'Low',
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image'],
  evaluate,
  examples: [
    { name: 'a cluster as az aks create makes it (NodeImage)', expect: 'Healthy', cluster: exampleCluster() },
    { name: 'SecurityPatch', expect: 'Healthy', cluster: hardenedCluster({ autoUpgradeProfile: { nodeOSUpgradeChannel: 'SecurityPatch' } }) },
    { name: 'channel None', expect: 'Unhealthy', cluster: exampleCluster({ autoUpgradeProfile: { nodeOSUpgradeChannel: 'None' } }) },
    { name: 'channel Unmanaged', expect: 'Unhealthy', cluster: exampleCluster({ autoUpgradeProfile: { nodeOSUpgradeChannel: 'Unmanaged' } }) },
    { name: 'an older cluster whose JSON has no nodeOSUpgradeChannel', expect: 'NotApplicable', cluster: exampleCluster({ autoUpgradeProfile: { nodeOSUpgradeChannel: undefined } }) },
  ],
});
