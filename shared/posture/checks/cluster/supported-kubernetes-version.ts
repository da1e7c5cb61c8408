import { type ArmJson, type CheckOutcome, type ClusterFacts, defineClusterCheck } from '../../clusterCheck';
import { calendarVerdict, KUBERNETES_CALENDAR_RETRIEVED, kubernetesMinor } from '../../kubernetesVersionCalendar';
import { EXAMPLE_CLUSTER_NOW, exampleCluster, examplePool } from '../../exampleClusters';
import { agentPools, arrayAt, booleanAt, clusterProperties, stringAt } from '../../managedClusterFields';

const LTS_PLAN = 'akslongtermsupport';

type Verdict = 'supported' | 'unsupported' | 'unknown';

interface VersionSubject {
  /** The property path that holds the version. */
  path: string;
  version: string | undefined;
}

/** The control plane's version and each node pool's, as ARM reports them (current first, requested otherwise). */
function versionSubjects(cluster: ArmJson): VersionSubject[] {
  const properties = clusterProperties(cluster);
  const controlPlane: VersionSubject =
    stringAt(properties, 'currentKubernetesVersion') !== undefined
      ? { path: 'properties.currentKubernetesVersion', version: stringAt(properties, 'currentKubernetesVersion') }
      : { path: 'properties.kubernetesVersion', version: stringAt(properties, 'kubernetesVersion') };
  const pools = agentPools(cluster).map((pool, index): VersionSubject => {
    const label = `properties.agentPoolProfiles[${stringAt(pool, 'name') ?? index}]`;
    return stringAt(pool, 'currentOrchestratorVersion') !== undefined
      ? { path: `${label}.currentOrchestratorVersion`, version: stringAt(pool, 'currentOrchestratorVersion') }
      : { path: `${label}.orchestratorVersion`, version: stringAt(pool, 'orchestratorVersion') };
  });
  return [controlPlane, ...pools.filter((pool) => pool.version !== undefined && pool.version !== '')];
}

/** By the location's `kubernetesVersions` list: the minor is listed, with the cluster's support plan. */
function locationVerdict(minor: string, versions: readonly ArmJson[], longTermSupport: boolean): { verdict: Verdict; detail: string } {
  const entry = versions.find((candidate) => kubernetesMinor(stringAt(candidate, 'version')) === minor);
  if (entry === undefined) return { verdict: 'unsupported', detail: 'not offered in the location' };
  const plans = arrayAt(entry, 'capabilities', 'supportPlan').filter((plan): plan is string => typeof plan === 'string');
  const wanted = longTermSupport ? 'AKSLongTermSupport' : 'KubernetesOfficial';
  // An entry without capabilities (older API versions) is a community-supported minor.
  const planned = plans.length === 0 ? !longTermSupport : plans.some((plan) => plan.toLowerCase() === wanted.toLowerCase());
  const preview = booleanAt(entry, 'isPreview') === true ? ' (preview)' : '';
  return planned
    ? { verdict: 'supported', detail: `offered in the location with ${wanted}${preview}` }
    : { verdict: 'unsupported', detail: `offered in the location without ${wanted} (plans: ${plans.join(', ')})` };
}

function evaluate(cluster: ArmJson, facts: ClusterFacts): CheckOutcome {
  const properties = clusterProperties(cluster);
  const supportPlan = stringAt(properties, 'supportPlan') ?? 'KubernetesOfficial';
  const longTermSupport = supportPlan.toLowerCase() === LTS_PLAN;
  const subjects = versionSubjects(cluster);
  const controlPlane = subjects[0];
  if (controlPlane === undefined || kubernetesMinor(controlPlane.version) === undefined) {
    return {
      code: 'NotApplicable',
      cause: 'noKubernetesVersion',
      description: 'The cluster JSON has no Kubernetes version to judge.',
      additionalData: { [controlPlane?.path ?? 'properties.currentKubernetesVersion']: controlPlane?.version ?? '(absent)' },
    };
  }
  const day = /^\d{4}-\d{2}-\d{2}/.exec(facts.now)?.[0];
  const versions = facts.kubernetesVersions !== undefined && facts.kubernetesVersions.length > 0 ? facts.kubernetesVersions : undefined;
  if (versions === undefined && day === undefined) {
    return { code: 'NotApplicable', cause: 'noClock', description: `The evaluation time "${facts.now}" is not a date.` };
  }

  const additionalData: Record<string, string> = {
    'properties.supportPlan': supportPlan,
    versionSource: versions !== undefined ? 'managedClusters/kubernetesVersions of the location' : `built-in AKS calendar (retrieved ${KUBERNETES_CALENDAR_RETRIEVED})`,
  };
  const verdicts = subjects.map((subject) => {
    const minor = kubernetesMinor(subject.version);
    let judged: { verdict: Verdict; detail: string };
    if (minor === undefined) judged = { verdict: 'unknown', detail: 'not a version' };
    else if (versions !== undefined) judged = locationVerdict(minor, versions, longTermSupport);
    else {
      const verdict = calendarVerdict(minor, day ?? '', longTermSupport);
      judged =
        verdict.kind === 'supported'
          ? { verdict: 'supported', detail: `supported until ${verdict.until}` }
          : verdict.kind === 'ended'
            ? { verdict: 'unsupported', detail: `support ended ${verdict.on}` }
            : { verdict: 'unknown', detail: 'not in the built-in calendar' };
    }
    additionalData[subject.path] = `${subject.version ?? ''}: ${judged.detail}`;
    return { subject, ...judged };
  });

  const unsupported = verdicts.filter((entry) => entry.verdict === 'unsupported');
  if (unsupported.length > 0) {
    return {
      code: 'Unhealthy',
      description: `Out of ${longTermSupport ? 'long-term' : 'community'} support: ${unsupported.map((entry) => `${entry.subject.path} ${entry.subject.version ?? ''}`).join(', ')}.`,
      additionalData,
    };
  }
  if (verdicts.some((entry) => entry.verdict === 'unknown')) {
    return {
      code: 'NotApplicable',
      cause: 'versionNotInCalendar',
      description: 'A version is newer than the built-in calendar and the location\'s version list could not be read.',
      additionalData,
    };
  }
  return { code: 'Healthy', description: `The control plane and every node pool run a supported minor (${supportPlan}).`, additionalData };
}

const onVersion = (version: string, overrides: ArmJson = {}, resource: ArmJson = {}): ArmJson =>
  exampleCluster({ kubernetesVersion: version, currentKubernetesVersion: version, agentPoolProfiles: [examplePool({ orchestratorVersion: version, currentOrchestratorVersion: version })], ...overrides }, resource);

const versionsOfLocation: readonly ArmJson[] = [
  { version: '1.30', capabilities: { supportPlan: ['AKSLongTermSupport'] }, patchVersions: { '1.30.14': { upgrades: ['1.31.13'] } } },
  { version: '1.31', capabilities: { supportPlan: ['AKSLongTermSupport'] }, patchVersions: { '1.31.13': { upgrades: ['1.32.9'] } } },
  { version: '1.32', capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] }, patchVersions: { '1.32.9': { upgrades: ['1.33.5'] } } },
  { version: '1.33', isDefault: true, capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] }, patchVersions: { '1.33.5': { upgrades: ['1.34.1'] } } },
  { version: '1.34', capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] }, patchVersions: { '1.34.1': { upgrades: [] } } },
];

export const supportedKubernetesVersion = defineClusterCheck({
  name: 'supported-kubernetes-version',
  displayName: 'AKS clusters should run a supported Kubernetes version',
  description:
    'The control plane and every node pool should run a Kubernetes minor version that AKS still supports in the cluster\'s location: ' +
    'a version out of support gets no security patches, so known Kubernetes vulnerabilities stay open. Judged by the location\'s ' +
    '`managedClusters/kubernetesVersions` list when Argus could read it, otherwise by a dated built-in copy of the AKS release calendar; ' +
    'clusters on the AKSLongTermSupport plan (Premium tier) are judged by the long-term support window.',
  remediationDescription:
    'List the versions of the location (`az aks get-versions --location <location> -o table`) and upgrade the control plane and node pools: ' +
    '`az aks upgrade --resource-group <rg> --name <cluster> --kubernetes-version <version>`. To keep an older minor longer, move to the ' +
    'Premium tier with long-term support: `az aks update --resource-group <rg> --name <cluster> --tier premium --k8s-support-plan AKSLongTermSupport`. ' +
    'Set an auto-upgrade channel so the cluster stays supported.',
  severity: 'High',
  categories: ['Compute'],
  threats: ['ElevationOfPrivilege', 'ThreatResistance', 'DenialOfService'],
  userImpact: 'Moderate',
  implementationEffort: 'Moderate',
  equivalents: {
    defender: ['Kubernetes Services should be upgraded to a non-vulnerable Kubernetes version'],
    prowler: [],
    checkov: [],
    trivy: [],
    cisAks: [],
  },
  references: [
    'https://learn.microsoft.com/azure/aks/supported-kubernetes-versions',
    'https://learn.microsoft.com/azure/aks/long-term-support',
    'https://learn.microsoft.com/rest/api/aks/managed-clusters/list-kubernetes-versions',
  ],
  evaluate,
  examples: [
    {
      name: 'a 1.33 cluster, judged by the location\'s version list',
      expect: 'Healthy',
      cluster: onVersion('1.33.5'),
      facts: { now: '2026-01-15T00:00:00Z', kubernetesVersions: versionsOfLocation },
    },
    {
      name: 'a cluster as az aks create makes it, judged by the built-in calendar',
      expect: 'Healthy',
      cluster: exampleCluster(),
      facts: { now: EXAMPLE_CLUSTER_NOW },
    },
    {
      name: 'a 1.31 cluster on the community plan, which the location offers only with long-term support',
      expect: 'Unhealthy',
      cluster: onVersion('1.31.13'),
      facts: { now: '2026-01-15T00:00:00Z', kubernetesVersions: versionsOfLocation },
    },
    {
      name: 'a 1.31 cluster on the long-term support plan (Premium tier), within its LTS window',
      expect: 'Healthy',
      cluster: onVersion('1.31.13', { supportPlan: 'AKSLongTermSupport' }, { sku: { name: 'Base', tier: 'Premium' } }),
      facts: { now: '2026-01-15T00:00:00Z', kubernetesVersions: versionsOfLocation },
    },
    {
      name: 'a supported control plane with a user pool left on 1.29 (built-in calendar: no version list)',
      expect: 'Unhealthy',
      cluster: onVersion('1.33.5', {
        agentPoolProfiles: [
          examplePool({ orchestratorVersion: '1.33.5', currentOrchestratorVersion: '1.33.5' }),
          examplePool({ name: 'userpool', mode: 'User', orchestratorVersion: '1.29.9', currentOrchestratorVersion: '1.29.9' }),
        ],
      }),
      facts: { now: '2026-01-15T00:00:00Z' },
    },
    {
      name: 'the published ManagedClustersGet example\'s 1.9.6 (built-in calendar)',
      expect: 'Unhealthy',
      cluster: onVersion('1.9.6'),
      facts: { now: '2026-01-15T00:00:00Z' },
    },
    {
      name: 'a minor newer than the built-in calendar, with no version list to judge it by',
      expect: 'NotApplicable',
      cluster: onVersion('1.37.0'),
      facts: { now: '2027-09-01T00:00:00Z' },
    },
    {
      name: 'a cluster JSON without any Kubernetes version',
      expect: 'NotApplicable',
      cluster: exampleCluster({ kubernetesVersion: undefined, currentKubernetesVersion: undefined }),
      facts: { now: EXAMPLE_CLUSTER_NOW },
    },
  ],
});
