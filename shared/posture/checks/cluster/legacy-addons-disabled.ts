import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { addonProfile, booleanAt } from '../../managedClusterFields';

/** Retired add-ons that widen the attack surface, with their `az aks disable-addons` names. */
const LEGACY_ADDONS = [
  { key: 'kubeDashboard', cliName: 'kube-dashboard', label: 'Kubernetes dashboard' },
  { key: 'httpApplicationRouting', cliName: 'http_application_routing', label: 'HTTP application routing' },
] as const;

export const legacyAddonsDisabled = defineClusterCheck({
  name: 'legacy-addons-disabled',
  displayName: 'Kubernetes clusters should not run the legacy dashboard or HTTP application routing add-ons',
  description:
    'The Kubernetes dashboard add-on runs a web UI with a powerful service account (the Tesla cryptomining breach went through an ' +
    'exposed dashboard); HTTP application routing publishes ingresses on a public DNS zone and was never meant for production. ' +
    'Both are retired in AKS; a cluster that still has them enabled carries unmaintained, exposed components.',
  remediationDescription:
    'Disable them: `az aks disable-addons --addons kube-dashboard,http_application_routing -g <resource group> -n <cluster>` ' +
    '(name only those enabled); use Headlamp or the portal instead of the dashboard, and the application routing add-on ' +
    '(`az aks approuting enable`) instead of HTTP application routing.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute, AssessmentCategory.Networking],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.AccountBreach, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  equivalents: { defender: [], prowler: [], checkov: ['CKV_AZURE_8'], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/kubernetes-dashboard', 'https://learn.microsoft.com/azure/aks/http-application-routing', 'https://learn.microsoft.com/azure/aks/app-routing'],
  evaluate: (cluster) => {
    // Absent add-on entries mean the add-on was never enabled.
    const additionalData: Record<string, string> = {};
    const enabled: string[] = [];
    for (const addon of LEGACY_ADDONS) {
      const profile = addonProfile(cluster, addon.key);
      const on = booleanAt(profile, 'enabled') === true;
      additionalData[`properties.addonProfiles.${addon.key}.enabled`] = profile === undefined ? '(absent)' : String(booleanAt(profile, 'enabled') ?? '(absent)');
      if (on) enabled.push(addon.label);
    }
    return enabled.length === 0
      ? { code: AssessmentStatusCode.Healthy, description: 'No legacy add-on is enabled.', additionalData }
      : { code: AssessmentStatusCode.Unhealthy, cause: 'legacyAddonEnabled', description: `Legacy add-on(s) enabled: ${enabled.join(', ')}.`, additionalData };
  },
  examples: [
    { name: 'a cluster as `az aks create` leaves it (no add-ons)', expect: 'Healthy', cluster: exampleCluster() },
    { name: 'a hardened cluster (other add-ons only)', expect: 'Healthy', cluster: hardenedCluster() },
    {
      name: 'an old cluster that still has the dashboard add-on',
      expect: 'Unhealthy',
      cluster: exampleCluster({ addonProfiles: { kubeDashboard: { enabled: true, config: null } } }),
    },
    {
      name: 'HTTP application routing enabled (with its public DNS zone)',
      expect: 'Unhealthy',
      cluster: exampleCluster({
        addonProfiles: {
          httpapplicationrouting: { enabled: true, config: { HTTPApplicationRoutingZoneName: '5c1f0e9a7b3d4e2f8a6c.westeurope.aksapp.io' } },
          kubeDashboard: { enabled: false, config: null },
        },
      }),
    },
  ],
});
