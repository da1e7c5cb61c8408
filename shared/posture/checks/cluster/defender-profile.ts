import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, clusterProperties, stringAt } from '../../managedClusterFields';

const PATH = 'properties.securityProfile.defender.securityMonitoring.enabled';

function evaluate(cluster: ArmJson): CheckOutcome {
  const properties = clusterProperties(cluster);
  const enabled = booleanAt(properties, 'securityProfile', 'defender', 'securityMonitoring', 'enabled');
  const workspace = stringAt(properties, 'securityProfile', 'defender', 'logAnalyticsWorkspaceResourceId');
  const additionalData: Record<string, string> = { [PATH]: enabled === undefined ? '(absent)' : String(enabled) };
  if (workspace !== undefined) additionalData['properties.securityProfile.defender.logAnalyticsWorkspaceResourceId'] = workspace;
  return enabled === true
    ? { code: 'Healthy', description: 'Defender\'s sensor (security profile) is deployed on the nodes.', additionalData }
    : { code: 'Unhealthy', description: 'Defender\'s sensor (security profile) is not enabled: no node-level runtime events from Defender.', additionalData };
}

export const defenderProfile = defineClusterCheck({
  name: 'defender-profile',
  displayName: 'AKS clusters should have Defender profile enabled',
  description:
    'Defender\'s profile deploys Microsoft Defender for Containers\' sensor to every node, which collects the runtime events (processes, ' +
    'network, files) behind node-level threat detection. This reports Defender\'s own recommendation as it reads the cluster; Argus\'s node ' +
    'rules take their events from Argus\'s node sensor, whose coverage Argus judges separately.',
  remediationDescription:
    'Enable the sensor: `az aks update --resource-group <rg> --name <cluster> --enable-defender ' +
    '[--defender-config <file with logAnalyticsWorkspaceResourceId>]`. Without Defender for Containers, deploy a node sensor Argus reads instead ' +
    '(Tetragon or Falco, see the README section "Node events: Tetragon and Falco") and exempt this recommendation as mitigated.',
  severity: 'High',
  categories: ['Compute'],
  threats: ['MissingCoverage', 'ThreatResistance'],
  userImpact: 'Low',
  implementationEffort: 'Low',
  equivalents: { defender: ['Azure Kubernetes Service clusters should have Defender profile enabled'], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-enable',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate,
  examples: [
    { name: 'a hardened cluster with Defender\'s sensor', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'the sensor turned off with the workspace left in place',
      expect: 'Unhealthy',
      cluster: hardenedCluster({ securityProfile: { defender: { securityMonitoring: { enabled: false } } } }),
    },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.Kubernetes/connectedClusters', name: 'arc1' } },
  ],
});
