import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, clusterProperties, valueAt } from '../../managedClusterFields';

const PATH = 'properties.securityProfile.imageCleaner.enabled';

function evaluate(cluster: ArmJson): CheckOutcome {
  const properties = clusterProperties(cluster);
  const enabled = booleanAt(properties, 'securityProfile', 'imageCleaner', 'enabled');
  if (enabled !== true) {
    return {
      code: 'Unhealthy',
      description: 'Image Cleaner is off: unused, possibly vulnerable images stay on the nodes.',
      additionalData: { [PATH]: enabled === undefined ? '(absent)' : String(enabled) },
    };
  }
  const interval = valueAt(properties, 'securityProfile', 'imageCleaner', 'intervalHours');
  return {
    code: 'Healthy',
    description: 'Image Cleaner removes unused images from the nodes.',
    additionalData: { [PATH]: 'true', 'properties.securityProfile.imageCleaner.intervalHours': typeof interval === 'number' ? String(interval) : '(absent)' },
  };
}

export const imageCleaner = defineClusterCheck({
  name: 'image-cleaner',
  displayName: 'AKS clusters should remove unused images with Image Cleaner',
  description:
    'Images pulled to nodes stay there after their pods are gone. Image Cleaner (Eraser) periodically removes unused images, so vulnerable ' +
    'images cannot be started again from the node\'s cache and scanners stop reporting images nobody runs.',
  remediationDescription: 'Enable it: `az aks update --resource-group <rg> --name <cluster> --enable-image-cleaner --image-cleaner-interval-hours 168`.',
  severity: 'Low',
  categories: ['Compute'],
  threats: ['ThreatResistance'],
  userImpact: 'Low',
  implementationEffort: 'Low',
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/image-cleaner'],
  evaluate,
  examples: [
    { name: 'a hardened cluster with Image Cleaner every 7 days', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'Image Cleaner disabled', expect: 'Unhealthy', cluster: exampleCluster({ securityProfile: { imageCleaner: { enabled: false, intervalHours: 168 } } }) },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.Compute/virtualMachineScaleSets', name: 'vmss1' } },
  ],
});
