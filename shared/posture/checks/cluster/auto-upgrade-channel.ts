import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { clusterProperties, objectAt, stringAt } from '../../managedClusterFields';

const PATH = 'properties.autoUpgradeProfile.upgradeChannel';

function evaluate(cluster: ArmJson): CheckOutcome {
  const properties = clusterProperties(cluster);
  const channel = stringAt(properties, 'autoUpgradeProfile', 'upgradeChannel');
  if (channel === undefined || channel === '' || channel.toLowerCase() === 'none') {
    // ARM omits the profile on clusters made before it existed; absent means no channel, like `none`.
    const found = channel ?? (objectAt(properties, 'autoUpgradeProfile') === undefined ? '(no autoUpgradeProfile)' : '(absent)');
    return { code: 'Unhealthy', description: 'The cluster has no auto-upgrade channel: Kubernetes patches wait for someone to apply them.', additionalData: { [PATH]: found } };
  }
  return { code: 'Healthy', description: `The cluster upgrades itself on the "${channel}" channel.`, additionalData: { [PATH]: channel } };
}

export const autoUpgradeChannel = defineClusterCheck({
  name: 'auto-upgrade-channel',
  displayName: 'AKS clusters should have an auto-upgrade channel',
  description:
    'An auto-upgrade channel (`patch`, `stable`, `rapid` or `node-image`) keeps the control plane and node pools on patched, supported ' +
    'Kubernetes versions without anyone having to remember. Without one (`none`, the default) security patches wait for a manual upgrade ' +
    'and clusters drift out of support.',
  remediationDescription:
    'Choose a channel (`patch` applies the latest patch of the current minor) and, if needed, a planned maintenance window: ' +
    '`az aks update --resource-group <rg> --name <cluster> --auto-upgrade-channel patch`, then ' +
    '`az aks maintenanceconfiguration add --resource-group <rg> --cluster-name <cluster> --name aksManagedAutoUpgradeSchedule ...`.',
  severity: 'Medium',
  categories: ['Compute'],
  threats: ['ThreatResistance', 'ElevationOfPrivilege'],
  userImpact: 'Moderate',
  implementationEffort: 'Low',
  equivalents: { defender: [], prowler: [], checkov: ['CKV_AZURE_171'], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/auto-upgrade-cluster', 'https://learn.microsoft.com/azure/aks/planned-maintenance'],
  evaluate,
  examples: [
    { name: 'a hardened cluster on the patch channel', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'the stable channel', expect: 'Healthy', cluster: exampleCluster({ autoUpgradeProfile: { upgradeChannel: 'stable' } }) },
    { name: 'a cluster as az aks create makes it (channel none)', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'an older cluster without autoUpgradeProfile', expect: 'Unhealthy', cluster: exampleCluster({ autoUpgradeProfile: undefined }) },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.Compute/virtualMachines', name: 'vm1' } },
  ],
});
