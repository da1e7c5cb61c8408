import fc from 'fast-check';
import { stringify } from 'yaml';
import { AssessmentStatusCode } from '../../shared/posture/assessment';
import { type ArmJson, type ClusterFacts } from '../../shared/posture/clusterCheck';
import { ClusterInputSkipReason, readClusterInput } from '../../shared/posture/clusterInput';
import { clusterChecks } from '../../shared/posture/checks/cluster';
import { workloadControls } from '../../shared/posture/checks/workload';
import { EvaluationCause, evaluateClusterChecks } from '../../shared/posture/evaluateClusterChecks';
import { evaluateWorkloadControls, WorkloadEvaluationFailure } from '../../shared/posture/evaluateWorkloadControls';
import { EXAMPLE_CLUSTER_NOW, exampleCluster } from '../../shared/posture/exampleClusters';
import { workloadObjectOf } from '../../shared/posture/workloadObject';
import { readWorkloadManifests } from '../../shared/posture/workloadManifests';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../shared/posture/workloadSettings';
import { FuzzTally, fuzzParameters, timed } from '../support/fuzzBudget';
import { anyJson, bounded, type Json, mutatedJson, mutatedText, oddString, pathologicalText } from '../support/fuzzInputs';
import { clusterTextSeeds, manifestTextSeeds } from '../support/fuzzSeeds';

/*
 * Issue "Fuzzing every input": the posture inputs. Cluster ARM JSON (ARM bodies, lists, `az aks show`, Resource Graph,
 * spec examples, broken and arbitrary) read by readClusterInput and judged by every cluster check; manifests (YAML,
 * JSON, lists, Helm output, broken and arbitrary) read by readWorkloadManifests and judged by every workload control.
 * Nothing throws, each input takes at most a second, every verdict is Healthy, Unhealthy or NotApplicable, and no
 * check or control fails (`checkFailed` is the engine isolating a check that threw: a bug).
 */

const TIME_LIMIT_IN_MS = 1_000;
const CODES = new Set<string>(Object.values(AssessmentStatusCode));
const CLUSTER_SKIP_REASONS = new Set<string>(Object.values(ClusterInputSkipReason));

const clusterTexts = clusterTextSeeds();
const clusterSeeds: Json[] = [
  exampleCluster() as Json,
  ...clusterTexts.flatMap((text) => readClusterInput(text, 'seed').clusters.map((item) => item.cluster as Json)),
];
const manifestTexts = manifestTextSeeds();
const manifestObjects: Json[] = manifestTexts.flatMap((text) => readWorkloadManifests(text).items.map((item) => item.object as Json));

const anyClusterText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutatedText(clusterTexts), weight: 3 },
  { arbitrary: mutatedJson(clusterSeeds).map((value) => JSON.stringify(value)), weight: 3 },
  { arbitrary: fc.array(mutatedJson(clusterSeeds), { minLength: 1, maxLength: 3 }).map((values) => values.map((value) => JSON.stringify(value)).join('\n')), weight: 1 },
  { arbitrary: anyJson.map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: oddString, weight: 1 },
  { arbitrary: pathologicalText, weight: 1 },
);

const anyCluster: fc.Arbitrary<Json> = fc.oneof({ arbitrary: mutatedJson(clusterSeeds), weight: 4 }, anyJson);

const anyFacts: fc.Arbitrary<ClusterFacts> = fc.record(
  {
    now: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
    diagnosticSettings: fc.array(fc.oneof(anyJson, mutatedJson([{ properties: { eventHubName: 'aks-audit', logs: [{ category: 'kube-audit', enabled: true }] } }])), { maxLength: 3 }) as fc.Arbitrary<ArmJson[]>,
    argusAuditHub: fc.record({ eventHubName: oddString, namespaceResourceId: oddString }, { requiredKeys: ['eventHubName'] }),
    lastAuditEventUtc: fc.oneof(oddString, fc.constant(EXAMPLE_CLUSTER_NOW)),
    kubernetesVersions: fc.array(fc.oneof(anyJson, mutatedJson([{ version: '1.35', patchVersions: { '1.35.7': { upgrades: [] } }, capabilities: { supportPlan: ['KubernetesOfficial'] } }])), { maxLength: 3 }) as fc.Arbitrary<ArmJson[]>,
  },
  { requiredKeys: ['now'] },
);

/** YAML that attacks the parser: alias bombs, deep flow nesting, odd tags, huge anchors. */
const hostileYaml: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 9 }).map((levels) => ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: levels }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n')),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `kind: Pod\nspec: ${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `kind: Pod\nspec:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}a${i}:`).join('\n')}`),
  fc.constantFrom('!!binary AAAA', '--- !!set\n? a', 'kind: !!js/function "x"', '%YAML 9.9\n---\nkind: Pod', '&a [*a]', 'a: *b', '<<: *a', '? [a]\n: b', '---\n...\n---\n...'),
  fc.integer({ min: 1, max: 3_000 }).map((documents) => '---\nkind: Pod\n'.repeat(documents)),
);

const anyManifestText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: mutatedText(manifestTexts), weight: 4 },
  { arbitrary: mutatedJson(manifestObjects).map((object) => stringify(object)), weight: 3 },
  { arbitrary: mutatedJson(manifestObjects).map((object) => JSON.stringify(object)), weight: 2 },
  { arbitrary: hostileYaml, weight: 2 },
  { arbitrary: anyJson.map((value) => stringify(value)), weight: 1 },
  { arbitrary: oddString, weight: 1 },
  { arbitrary: pathologicalText, weight: 1 },
);

describe('cluster ARM JSON under fuzzing', () => {
  it('when any text is read as cluster input, then it never throws, takes under a second, and each entry is a cluster or a skip with a reason', () => {
    const tally = new FuzzTally('cluster input: any text');
    fc.assert(
      fc.property(anyClusterText, (raw) => {
        const { result, elapsedInMs } = timed(() => readClusterInput(bounded(raw), 'fuzz.json'));
        expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
        for (const skipped of result.skipped) expect(CLUSTER_SKIP_REASONS.has(skipped.reason)).toBe(true);
        for (const item of result.clusters) expect(typeof item.cluster['id']).toBe('string');
        tally.count(result.clusters.length > 0 ? 'accepted' : 'refused', elapsedInMs);
      }),
      fuzzParameters(),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('when every cluster check judges arbitrary cluster JSON and facts, then none throws and each says Healthy, Unhealthy or NotApplicable', () => {
    const tally = new FuzzTally('cluster checks: arbitrary cluster JSON');
    fc.assert(
      fc.property(anyCluster, anyFacts, (cluster, facts) => {
        const arm = (typeof cluster === 'object' && cluster !== null && !Array.isArray(cluster) ? cluster : { value: cluster }) as ArmJson;
        const { result, elapsedInMs } = timed(() => {
          for (const check of clusterChecks) expect(CODES.has(check.evaluate(arm, facts).code)).toBe(true);
          return evaluateClusterChecks(arm, facts);
        });
        expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
        for (const assessment of result) {
          expect(CODES.has(assessment.status.code)).toBe(true);
          expect({ check: assessment.checkName, cause: assessment.status.cause }).not.toEqual({ check: assessment.checkName, cause: EvaluationCause.CheckFailed });
        }
        tally.count(result.some((assessment) => assessment.status.code !== AssessmentStatusCode.NotApplicable) ? 'accepted' : 'refused', elapsedInMs);
      }),
      fuzzParameters(),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
  });
});

describe('manifests under fuzzing', () => {
  it('when any text is read as manifests and every object is judged by every workload control, then nothing throws, it takes under a second, and no control fails', () => {
    const tally = new FuzzTally('manifests: read and judged');
    fc.assert(
      fc.property(anyManifestText, (raw) => {
        const { result, elapsedInMs } = timed(() => {
          const read = readWorkloadManifests(bounded(raw));
          const verdicts = read.items.flatMap((item) => {
            const object = workloadObjectOf(item.object);
            return object === undefined ? [] : evaluateWorkloadControls(object, DEFAULT_WORKLOAD_SETTINGS);
          });
          return { read, verdicts };
        });
        expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
        for (const verdict of result.verdicts) {
          expect(CODES.has(verdict.code)).toBe(true);
          expect({ control: verdict.controlName, cause: verdict.cause }).not.toEqual({ control: verdict.controlName, cause: WorkloadEvaluationFailure.CheckFailed });
        }
        for (const problem of result.read.problems) expect(problem.message.length).toBeGreaterThan(0);
        tally.count(result.verdicts.length > 0 ? 'accepted' : 'refused', elapsedInMs);
      }),
      // YAML is the slowest input to read: a smaller share.
      fuzzParameters(0.4),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('when an object read from a manifest is written back as YAML, then it reads back as the same object', () => {
    fc.assert(
      fc.property(mutatedJson(manifestObjects), (value) => {
        fc.pre(typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value['kind'] === 'string' && !/List$/.test(value['kind']));
        const read = readWorkloadManifests(stringify(value));
        expect(read.items.map((item) => item.object)).toEqual([value]);
      }),
      fuzzParameters(0.5),
    );
  });

  it('when the workload controls judge objects that are not manifests at all, then none throws', () => {
    fc.assert(
      fc.property(anyJson, fc.constantFrom('Pod', 'Deployment', 'CronJob', 'Service', 'Ingress', 'DaemonSet', 'Job'), (body, kind) => {
        const object = workloadObjectOf({ kind, metadata: { name: 'fuzz' }, spec: body, template: body });
        if (object === undefined) return;
        for (const verdict of evaluateWorkloadControls(object, DEFAULT_WORKLOAD_SETTINGS)) expect(verdict.cause).not.toBe(WorkloadEvaluationFailure.CheckFailed);
        for (const control of workloadControls) expect(() => control.evaluate(object, DEFAULT_WORKLOAD_SETTINGS)).not.toThrow();
      }),
      fuzzParameters(),
    );
  });
});

describe('posture inputs: regressions found by fuzzing', () => {
  it('when a manifest is a run of 60,000 double quotes, then it is read in linear time with a bounded list of problems', () => {
    const { result, elapsedInMs } = timed(() => readWorkloadManifests('"'.repeat(60_000)));

    // It took 5 s and reported 30,000 problems before (each pretty error re-read the text); about 0.7 s now.
    expect(elapsedInMs).toBeLessThan(3 * TIME_LIMIT_IN_MS);
    expect(result.items).toEqual([]);
    expect(result.problems.length).toBeLessThanOrEqual(21);
    expect(result.problems.at(-1)?.message).toMatch(/more problems in this document/);
  });

  it('when cluster input nests arrays 30,000 deep, then it is one skipped entry, not a stack overflow', () => {
    const input = readClusterInput('['.repeat(30_000) + ']'.repeat(30_000), 'deep.json');

    expect(input.clusters).toEqual([]);
    expect(input.skipped.map((s) => s.reason)).toEqual([ClusterInputSkipReason.UnrecognizedShape]);
  });

  it('when `az aks show` output nests a property 5,000 deep, then the cluster is read, not a stack overflow', () => {
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const input = readClusterInput(`{"id":"/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerService/managedClusters/z","kubernetesVersion":"1.35","extra":${deep}}`, 'az.json');

    expect(input.clusters).toHaveLength(1);
  });
});
