import { type ClusterCheck, type ClusterFacts } from '../../../../shared/posture/clusterCheck';
import { autoUpgradeChannel } from '../../../../shared/posture/checks/cluster/auto-upgrade-channel';
import { defenderProfile } from '../../../../shared/posture/checks/cluster/defender-profile';
import { diskCustomerManagedKey } from '../../../../shared/posture/checks/cluster/disk-customer-managed-key';
import { encryptionAtHost } from '../../../../shared/posture/checks/cluster/encryption-at-host';
import { imageCleaner } from '../../../../shared/posture/checks/cluster/image-cleaner';
import { kmsEtcdEncryption } from '../../../../shared/posture/checks/cluster/kms-etcd-encryption';
import { nodeOsUpgradeChannel } from '../../../../shared/posture/checks/cluster/node-os-upgrade-channel';
import { secretsStoreCsiRotation } from '../../../../shared/posture/checks/cluster/secrets-store-csi-rotation';
import { sshAccessDisabled } from '../../../../shared/posture/checks/cluster/ssh-access-disabled';
import { supportedKubernetesVersion } from '../../../../shared/posture/checks/cluster/supported-kubernetes-version';
import { workloadIdentity } from '../../../../shared/posture/checks/cluster/workload-identity';
import { EXAMPLE_CLUSTER_NOW, exampleCluster, examplePool, hardenedCluster } from '../../../../shared/posture/exampleClusters';
import { calendarVerdict, KUBERNETES_VERSION_CALENDAR, kubernetesMinor } from '../../../../shared/posture/kubernetesVersionCalendar';

const partB: readonly ClusterCheck[] = [
  supportedKubernetesVersion,
  autoUpgradeChannel,
  nodeOsUpgradeChannel,
  encryptionAtHost,
  diskCustomerManagedKey,
  kmsEtcdEncryption,
  workloadIdentity,
  imageCleaner,
  sshAccessDisabled,
  secretsStoreCsiRotation,
  defenderProfile,
];

const facts = (extra: Partial<ClusterFacts> = {}): ClusterFacts => ({ now: EXAMPLE_CLUSTER_NOW, ...extra });

describe('cluster checks, part B', () => {
  describe.each(partB.map((check) => [check.name, check] as const))('%s', (_name, check) => {
    it.each(check.examples.map((example) => [example.name, example] as const))('when %s, then the example status comes out', (_example, example) => {
      expect(check.evaluate(example.cluster, facts(example.facts)).code).toBe(example.expect);
    });

    it('when given its examples, then it has a Healthy and an Unhealthy one', () => {
      const codes = new Set(check.examples.map((example) => example.expect));
      expect(codes.has('Healthy') && codes.has('Unhealthy')).toBe(true);
    });

    it('when the hardened cluster is evaluated, then it is Healthy', () => {
      expect(check.evaluate(hardenedCluster(), facts()).code).toBe('Healthy');
    });

    it.each([
      ['an empty object', {}],
      ['properties of the wrong types', { type: 'Microsoft.ContainerService/managedClusters', properties: { agentPoolProfiles: 'x', securityProfile: 7, addonProfiles: [] } }],
      ['null profiles', { type: 'Microsoft.ContainerService/managedClusters', properties: { autoUpgradeProfile: null, securityProfile: null, oidcIssuerProfile: null } }],
    ])('when given %s, then it does not throw and reports a status', (_case, cluster) => {
      expect(['Healthy', 'Unhealthy', 'NotApplicable']).toContain(check.evaluate(cluster, facts()).code);
    });

    it('when it decides on a cluster, then additionalData names a property path', () => {
      const outcome = check.evaluate(exampleCluster(), facts());
      expect(Object.keys(outcome.additionalData ?? {}).some((key) => key.startsWith('properties.'))).toBe(true);
    });
  });
});

describe('kubernetesVersionCalendar', () => {
  it('when versions are parsed, then the minor comes out', () => {
    expect([kubernetesMinor('1.30.4'), kubernetesMinor('v1.31'), kubernetesMinor('1.9.6'), kubernetesMinor(''), kubernetesMinor('latest')]).toEqual([
      '1.30',
      '1.31',
      '1.9',
      undefined,
      undefined,
    ]);
  });

  it('when the calendar is read, then minors are in order with LTS after the community end', () => {
    const minors = KUBERNETES_VERSION_CALENDAR.map((release) => Number(release.minor.split('.')[1]));
    expect(minors).toEqual([...minors].sort((left, right) => left - right));
    for (const release of KUBERNETES_VERSION_CALENDAR) {
      expect(release.endOfLife > release.generallyAvailable).toBe(true);
      if (release.ltsEndOfLife !== undefined) expect(release.ltsEndOfLife > release.endOfLife).toBe(true);
    }
  });

  it('when 1.32 is judged on its last day and the day after, then it is supported and then ended', () => {
    expect(calendarVerdict('1.32', '2026-03-31', false).kind).toBe('supported');
    expect(calendarVerdict('1.32', '2026-04-01', false).kind).toBe('ended');
    expect(calendarVerdict('1.32', '2026-04-01', true).kind).toBe('supported');
  });

  it('when a minor is older or newer than the calendar, then it is ended or unknown', () => {
    expect(calendarVerdict('1.26', '2026-01-01', true).kind).toBe('ended');
    expect(calendarVerdict('1.40', '2026-01-01', false).kind).toBe('unknown');
  });
});

describe('supported-kubernetes-version', () => {
  const onVersion = (version: string, overrides = {}) =>
    exampleCluster({
      kubernetesVersion: version,
      currentKubernetesVersion: version,
      agentPoolProfiles: [examplePool({ orchestratorVersion: version, currentOrchestratorVersion: version })],
      ...overrides,
    });

  it('when the control plane version is absent, then the requested kubernetesVersion is judged', () => {
    const outcome = supportedKubernetesVersion.evaluate(exampleCluster({ currentKubernetesVersion: undefined }), facts());
    expect(outcome.code).toBe('Healthy');
    expect(outcome.additionalData?.['properties.kubernetesVersion']).toContain('1.35');
  });

  it('when an LTS cluster is past its community end but inside the LTS window, then it is Healthy by the calendar', () => {
    expect(supportedKubernetesVersion.evaluate(onVersion('1.30.14'), facts({ now: '2026-01-15T00:00:00Z' })).code).toBe('Unhealthy');
    expect(supportedKubernetesVersion.evaluate(onVersion('1.30.14', { supportPlan: 'AKSLongTermSupport' }), facts({ now: '2026-01-15T00:00:00Z' })).code).toBe(
      'Healthy',
    );
  });

  it('when the location list omits the minor, then it is Unhealthy even though the calendar would allow it', () => {
    const outcome = supportedKubernetesVersion.evaluate(onVersion('1.35.4'), facts({ kubernetesVersions: [{ version: '1.34', capabilities: { supportPlan: ['KubernetesOfficial'] } }] }));
    expect(outcome.code).toBe('Unhealthy');
    expect(outcome.additionalData?.versionSource).toContain('kubernetesVersions');
  });

  it('when the clock is not a date and there is no version list, then it is NotApplicable', () => {
    expect(supportedKubernetesVersion.evaluate(exampleCluster(), facts({ now: 'soon' })).cause).toBe('noClock');
  });
});

describe('ssh-access-disabled', () => {
  it('when every pool reports Disabled in any casing, then it is Healthy', () => {
    const cluster = exampleCluster({ agentPoolProfiles: [examplePool({ securityProfile: { sshAccess: 'disabled' } })] });
    expect(sshAccessDisabled.evaluate(cluster, facts()).code).toBe('Healthy');
  });
});

describe('secrets-store-csi-rotation', () => {
  it('when rotation is a boolean true from hand-written JSON, then it is Healthy', () => {
    const cluster = exampleCluster({ addonProfiles: { AzureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: true } } } });
    expect(secretsStoreCsiRotation.evaluate(cluster, facts()).code).toBe('Healthy');
  });

  it('when the add-on is present but disabled, then it is NotApplicable with cause addonDisabled', () => {
    const cluster = exampleCluster({ addonProfiles: { azureKeyvaultSecretsProvider: { enabled: false, config: null } } });
    expect(secretsStoreCsiRotation.evaluate(cluster, facts()).cause).toBe('addonDisabled');
  });
});
