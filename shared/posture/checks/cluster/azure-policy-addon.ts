import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { addonProfile, booleanAt } from '../../managedClusterFields';

export const azurePolicyAddon = defineClusterCheck({
  name: 'azure-policy-addon',
  displayName: 'Azure Kubernetes Service clusters should have the Azure Policy add-on for Kubernetes installed',
  description:
    'The Azure Policy add-on runs Gatekeeper as an admission controller: policies assigned in Azure (no privileged containers, ' +
    'allowed registries, Pod Security Standards) are audited and enforced inside the cluster, and their compliance is reported ' +
    'to Azure. Without it no workload rule is enforced at admission. Real responses name the add-on `azurepolicy`; templates ' +
    'often say `azurePolicy`: both count.',
  remediationDescription: 'Enable the add-on: `az aks enable-addons --addons azure-policy -g <resource group> -n <cluster>`, then assign the Kubernetes policy initiatives you need.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  equivalents: {
    defender: ['Azure Kubernetes Service clusters should have the Azure Policy add-on for Kubernetes installed'],
    prowler: [],
    checkov: ['CKV_AZURE_116'],
    trivy: ['AVD-AZU-0066'],
    cisAks: [],
  },
  references: ['https://learn.microsoft.com/azure/aks/use-azure-policy', 'https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes'],
  evaluate: (cluster) => {
    // ARM omits addonProfiles (or the add-on's entry) when no add-on was ever enabled: absence means off.
    const profile = addonProfile(cluster, 'azurepolicy');
    const enabled = booleanAt(profile, 'enabled') === true;
    const additionalData = {
      'properties.addonProfiles.azurepolicy.enabled': profile === undefined ? '(absent)' : String(booleanAt(profile, 'enabled') ?? '(absent)'),
    };
    return enabled
      ? { code: AssessmentStatusCode.Healthy, description: 'The Azure Policy add-on is enabled.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'addonDisabled', description: 'The Azure Policy add-on is not enabled: no policy is enforced at admission.', additionalData };
  },
  examples: [
    { name: 'a hardened cluster (`azurepolicy`, as real responses spell it)', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'a cluster deployed from a template that spells the add-on `azurePolicy`',
      expect: 'Healthy',
      cluster: exampleCluster({ addonProfiles: { azurePolicy: { enabled: true, config: null } } }),
    },
    { name: 'a cluster as `az aks create` leaves it (no add-ons)', expect: 'Unhealthy', cluster: exampleCluster() },
    { name: 'the add-on disabled after being enabled', expect: 'Unhealthy', cluster: exampleCluster({ addonProfiles: { azurepolicy: { enabled: false, config: null } } }) },
  ],
});
