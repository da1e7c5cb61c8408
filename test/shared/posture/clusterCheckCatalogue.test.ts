import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  AssessmentCategory,
  AssessmentSeverity,
  AssessmentStatusCode,
  AssessmentThreat,
  ImpactLevel,
} from '../../../shared/posture/assessment';
import { clusterChecks } from '../../../shared/posture/checks/cluster/index';
import { type ArmJson, type ClusterFacts } from '../../../shared/posture/clusterCheck';
import { evaluateClusterChecks, EvaluationCause } from '../../../shared/posture/evaluateClusterChecks';
import { EXAMPLE_CLUSTER_NOW, exampleCluster, hardenedCluster, hardenedClusterFacts } from '../../../shared/posture/exampleClusters';

const checksDirectory = path.join(__dirname, '../../../shared/posture/checks/cluster');
const kebabCase = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** The default `az aks create` cluster fails at least this many checks (raise it as checks are added). */
const MIN_UNHEALTHY_BY_DEFAULT = 15;

/** Odd inputs every check must survive without throwing. */
const oddInputs: readonly (readonly [string, ArmJson])[] = [
  ['an empty object', {}],
  ['a cluster without properties', { id: exampleCluster()['id'], type: 'Microsoft.ContainerService/managedClusters', name: 'x' }],
  ['properties of the wrong type', { ...exampleCluster(), properties: 'oops' }],
  ['null profiles (as az aks show prints them)', exampleCluster({ apiServerAccessProfile: null, aadProfile: null, addonProfiles: null, securityProfile: null, autoUpgradeProfile: null, networkProfile: null, oidcIssuerProfile: null })],
  ['profiles of the wrong types', exampleCluster({ agentPoolProfiles: 'none', addonProfiles: [], enableRBAC: 'yes', disableLocalAccounts: 1, kubernetesVersion: 135, apiServerAccessProfile: { authorizedIPRanges: 'all' } })],
  ['pools that are not objects', exampleCluster({ agentPoolProfiles: [null, 3, 'pool', [], { securityProfile: 'x', enableEncryptionAtHost: 'true' }] })],
  ['a non-AKS resource', { id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st1', type: 'Microsoft.Storage/storageAccounts', properties: { supportsHttpsTrafficOnly: true } }],
  ['an Arc connected cluster', { id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Kubernetes/connectedClusters/arc1', type: 'Microsoft.Kubernetes/connectedClusters', properties: { agentVersion: '1.20.0' } }],
];

const oddFacts: readonly (readonly [string, ClusterFacts])[] = [
  ['only now', { now: EXAMPLE_CLUSTER_NOW }],
  ['an unparseable now', { now: 'yesterday' }],
  ['odd facts', { now: EXAMPLE_CLUSTER_NOW, diagnosticSettings: [{}, { properties: 'x' }], kubernetesVersions: [{ version: 1 }, {}], lastAuditEventUtc: 'never', argusAuditHub: { eventHubName: '' } }],
];

function factsOf(partial: Partial<ClusterFacts> | undefined): ClusterFacts {
  return { now: EXAMPLE_CLUSTER_NOW, ...partial };
}

describe('cluster check catalogue', () => {
  it('when the checks folder is listed, then every check file is registered in the index under its own name', () => {
    const files = readdirSync(checksDirectory)
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(clusterChecks.map((check) => check.name).sort()).toEqual(files);
  });

  it('when names and display names are compared, then each is unique', () => {
    const names = clusterChecks.map((check) => check.name);
    const displayNames = clusterChecks.map((check) => check.displayName);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(displayNames).size).toBe(displayNames.length);
  });

  it('when the default az aks create cluster is evaluated, then it fails many checks and no check fails to run', () => {
    const results = evaluateClusterChecks(exampleCluster(), { now: EXAMPLE_CLUSTER_NOW });
    const unhealthy = results.filter((result) => result.status.code === AssessmentStatusCode.Unhealthy);
    expect(results.filter((result) => result.status.cause === EvaluationCause.CheckFailed)).toEqual([]);
    expect(unhealthy.length).toBeGreaterThanOrEqual(MIN_UNHEALTHY_BY_DEFAULT);
  });

  it('when the hardened cluster is evaluated with its facts, then every check is Healthy or NotApplicable', () => {
    const results = evaluateClusterChecks(hardenedCluster(), hardenedClusterFacts());
    const notHealthy = results.filter((result) => result.status.code === AssessmentStatusCode.Unhealthy || result.status.cause === EvaluationCause.CheckFailed);
    expect(notHealthy.map((result) => `${result.checkName}: ${result.status.cause ?? ''} ${result.status.description ?? ''}`)).toEqual([]);
    const healthy = results.filter((result) => result.status.code === AssessmentStatusCode.Healthy);
    expect(healthy.length).toBeGreaterThanOrEqual(results.length - 2);
  });

  describe.each(clusterChecks.map((check) => [check.name, check] as const))('%s', (_name, check) => {
    it('when its metadata is checked, then every required field is present and well-formed', () => {
      expect(check.name).toMatch(kebabCase);
      expect(check.displayName.length).toBeGreaterThan(5);
      expect(check.description.length).toBeGreaterThan(40);
      expect(check.remediationDescription.length).toBeGreaterThan(20);
      expect(Object.values(AssessmentSeverity)).toContain(check.severity);
      expect(check.categories.length).toBeGreaterThan(0);
      for (const category of check.categories) expect(Object.values(AssessmentCategory)).toContain(category);
      expect(check.threats.length).toBeGreaterThan(0);
      for (const threat of check.threats) expect(Object.values(AssessmentThreat)).toContain(threat);
      expect(Object.values(ImpactLevel)).toContain(check.userImpact);
      expect(Object.values(ImpactLevel)).toContain(check.implementationEffort);
      expect(check.references.length).toBeGreaterThan(0);
      for (const reference of check.references) expect(reference).toMatch(/^https:\/\/\S+$/);
      for (const tool of ['defender', 'prowler', 'checkov', 'trivy', 'cisAks'] as const) expect(Array.isArray(check.equivalents[tool])).toBe(true);
      for (const id of check.equivalents.checkov) expect(id).toMatch(/^CKV2?_AZURE_\d+$/);
      for (const id of check.equivalents.trivy) expect(id).toMatch(/^AVD-AZU-\d{4}$/);
      for (const id of check.equivalents.cisAks) expect(id).toMatch(/^\d+(\.\d+)+$/);
    });

    it('when its examples are listed, then there is at least one Healthy and one Unhealthy, with unique names', () => {
      const expectations = check.examples.map((example) => example.expect);
      expect(expectations).toContain(AssessmentStatusCode.Healthy);
      expect(expectations).toContain(AssessmentStatusCode.Unhealthy);
      const names = check.examples.map((example) => example.name);
      expect(new Set(names).size).toBe(names.length);
    });

    it.each(check.examples.map((example) => [example.name, example] as const))(
      'when the example "%s" is evaluated through evaluateClusterChecks, then it comes out as declared',
      (_exampleName, example) => {
        const [result] = evaluateClusterChecks(example.cluster, factsOf(example.facts), [check]);
        expect(result?.status.cause).not.toBe(EvaluationCause.CheckFailed);
        expect(result?.status.code).toBe(example.expect);
        if (example.expect !== AssessmentStatusCode.Healthy) expect(result?.status.cause ?? result?.status.description).toBeDefined();
      },
    );

    it('when it evaluates odd inputs, then it never throws and always returns a valid outcome', () => {
      for (const [, cluster] of oddInputs) {
        for (const [, facts] of oddFacts) {
          const outcome = check.evaluate(cluster, facts);
          expect(Object.values(AssessmentStatusCode)).toContain(outcome.code);
          for (const value of Object.values(outcome.additionalData ?? {})) expect(typeof value).toBe('string');
        }
      }
    });

    it('when it evaluates a non-AKS resource, then it says NotApplicable', () => {
      const [, storage] = oddInputs.find(([label]) => label === 'a non-AKS resource') ?? ['', {}];
      expect(check.evaluate(storage, { now: EXAMPLE_CLUSTER_NOW }).code).toBe(AssessmentStatusCode.NotApplicable);
    });
  });
});
