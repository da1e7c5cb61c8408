import { readdirSync } from 'node:fs';
import path from 'node:path';
import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../../shared/posture/assessment';
import { clusterChecks } from '../../../shared/posture/checks/cluster';
import { workloadControls } from '../../../shared/posture/checks/workload/index';
import { WorkloadEvaluationCause } from '../../../shared/posture/workloadControl';
import { manifestObject } from '../../../shared/posture/workloadManifest';
import { workloadObjectOf } from '../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../shared/posture/workloadSettings';

const controlsDirectory = path.join(__dirname, '../../../shared/posture/checks/workload');
const kebabCase = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Odd objects every control must survive without throwing. */
const oddObjects: readonly unknown[] = [
  { kind: 'Pod', metadata: { name: 'p' }, spec: {} },
  { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: 'nope', volumes: [null, 3, { hostPath: 'x' }], securityContext: [] } },
  { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [null, 1, { securityContext: 'x', ports: 'x', resources: [] }, { name: 7, image: {} }], hostNetwork: 'true' } },
  { kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', securityContext: { capabilities: { add: 'ALL', drop: [1, null] } } }] } } } },
  { kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { metadata: { annotations: 'x' }, spec: { initContainers: [{}] } } } } } },
  { kind: 'Service', metadata: { name: 's' }, spec: { type: 1, ports: [null, { port: 'x' }] } },
  { kind: 'Ingress', metadata: { name: 'i' }, spec: { tls: 'x', rules: [null] } },
];

describe('workload control catalogue', () => {
  it('when the controls folder is listed, then every control file is registered in the index under its own name', () => {
    const files = readdirSync(controlsDirectory)
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(workloadControls.map((control) => control.name).sort()).toEqual(files);
  });

  it('when compared with the cluster checks, then no workload control shares a name with one (both name assessments of a cluster)', () => {
    const checkNames = new Set(clusterChecks.map((check) => check.name));
    expect(workloadControls.filter((control) => checkNames.has(control.name)).map((control) => control.name)).toEqual([]);
  });

  it('when names and display names are compared, then each is unique', () => {
    const names = workloadControls.map((control) => control.name);
    const displayNames = workloadControls.map((control) => control.displayName);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(displayNames).size).toBe(displayNames.length);
  });

  describe.each(workloadControls.map((control) => [control.name, control] as const))('%s', (_name, control) => {
    it('when its metadata is checked, then every required field is present and well-formed', () => {
      expect(control.name).toMatch(kebabCase);
      expect(control.displayName.length).toBeGreaterThan(5);
      expect(control.description.length).toBeGreaterThan(40);
      expect(control.remediationDescription.length).toBeGreaterThan(20);
      expect(Object.values(AssessmentSeverity)).toContain(control.severity);
      expect(control.categories.length).toBeGreaterThan(0);
      for (const category of control.categories) expect(Object.values(AssessmentCategory)).toContain(category);
      for (const threat of control.threats) expect(Object.values(AssessmentThreat)).toContain(threat);
      expect(control.threats.length).toBeGreaterThan(0);
      expect(Object.values(ImpactLevel)).toContain(control.userImpact);
      expect(Object.values(ImpactLevel)).toContain(control.implementationEffort);
      expect(control.references.length).toBeGreaterThan(0);
      for (const reference of control.references) expect(reference).toMatch(/^https:\/\/\S+$/);
      for (const definition of control.equivalents.azurePolicy) expect(definition.id).toMatch(guid);
      for (const id of control.equivalents.kubescape) expect(id).toMatch(/^C-\d{4}$/);
      expect(control.podSecurity !== undefined || control.equivalents.azurePolicy.length > 0).toBe(true);
    });

    it('when its examples are listed, then there is at least one Healthy and one Unhealthy, with unique names', () => {
      const expectations = control.examples.map((example) => example.expect);
      expect(expectations).toContain(AssessmentStatusCode.Healthy);
      expect(expectations).toContain(AssessmentStatusCode.Unhealthy);
      const names = control.examples.map((example) => example.name);
      expect(new Set(names).size).toBe(names.length);
    });

    it.each(control.examples.map((example) => [example.name, example] as const))('when the example "%s" is evaluated, then it comes out as declared', (_exampleName, example) => {
      const object = workloadObjectOf(manifestObject(example.manifest));
      expect(object).toBeDefined();
      if (object === undefined) return;
      const outcome = control.evaluate(object, { ...DEFAULT_WORKLOAD_SETTINGS, ...example.settings });
      expect(outcome.code).toBe(example.expect);
      if (outcome.code === AssessmentStatusCode.Unhealthy) {
        expect(outcome.findings.length).toBeGreaterThan(0);
        for (const finding of outcome.findings) {
          expect(finding.field.length).toBeGreaterThan(0);
          expect(typeof finding.value).toBe('string');
        }
      }
    });

    it('when its Unhealthy examples are in an excluded namespace, then it says NotApplicable', () => {
      for (const example of control.examples.filter((candidate) => candidate.expect === AssessmentStatusCode.Unhealthy)) {
        const object = workloadObjectOf(manifestObject(example.manifest));
        if (object === undefined) continue;
        const outcome = control.evaluate({ ...object, namespace: 'kube-system' }, { ...DEFAULT_WORKLOAD_SETTINGS, ...example.settings });
        expect(outcome).toMatchObject({ code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationCause.ExcludedNamespace });
      }
    });

    it('when it evaluates odd objects, then it never throws and always returns a valid outcome', () => {
      for (const odd of oddObjects) {
        const object = workloadObjectOf(odd);
        if (object === undefined) continue;
        const outcome = control.evaluate(object, DEFAULT_WORKLOAD_SETTINGS);
        expect(Object.values(AssessmentStatusCode)).toContain(outcome.code);
      }
    });
  });
});
