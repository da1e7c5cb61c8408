import { evaluateWorkloadControls, type WorkloadControlResult } from '../../../shared/posture/evaluateWorkloadControls';
import { type AssessedWorkloadObject, namespacePodSecurityLevels, podSecurityLevelOf } from '../../../shared/posture/podSecurityLevel';
import { type WorkloadObject, workloadObjectOf } from '../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../shared/posture/workloadSettings';
import { podObject, testControls, testPrivileged } from '../../support/workloadControlFixtures';

const restrictedSpec = { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'nginx' }] };
const baselineSpec = { containers: [{ name: 'app', image: 'nginx' }] };
const privilegedSpec = { containers: [{ name: 'agent', image: 'agent', securityContext: { privileged: true } }] };

function assessed(object: WorkloadObject): AssessedWorkloadObject {
  return { ...object, results: evaluateWorkloadControls(object, DEFAULT_WORKLOAD_SETTINGS, testControls) };
}

function pod(name: string, namespace: string, spec: Record<string, unknown>): AssessedWorkloadObject {
  return assessed(podObject(spec, { name, namespace }));
}

describe('podSecurityLevelOf', () => {
  it('when every PSS control passes, then restricted; when only baseline ones pass, then baseline; else privileged', () => {
    expect(podSecurityLevelOf(pod('a', 'x', restrictedSpec).results)).toBe('restricted');
    expect(podSecurityLevelOf(pod('a', 'x', baselineSpec).results)).toBe('baseline');
    expect(podSecurityLevelOf(pod('a', 'x', { ...privilegedSpec, securityContext: { runAsNonRoot: true } }).results)).toBe('privileged');
  });

  it('when an Azure Policy control fails, then the level does not change', () => {
    const results = pod('a', 'x', restrictedSpec).results;
    expect(results.find((result) => result.controlName === 'test-limits')?.code).toBe('Unhealthy');
    expect(podSecurityLevelOf(results)).toBe('restricted');
  });

  it('when a PSS control failed to evaluate (checkFailed), then the object is held below that level', () => {
    const results: WorkloadControlResult[] = pod('a', 'x', restrictedSpec).results.map((result) =>
      result.controlName === 'test-run-as-non-root' ? { ...result, code: 'NotApplicable', cause: 'checkFailed', findings: [] } : result,
    );
    expect(podSecurityLevelOf(results)).toBe('baseline');
  });

  it('when no restricted control was evaluated, then restricted is never claimed', () => {
    const object = podObject(restrictedSpec);
    expect(podSecurityLevelOf(evaluateWorkloadControls(object, DEFAULT_WORKLOAD_SETTINGS, [testPrivileged]))).toBe('baseline');
    expect(podSecurityLevelOf([])).toBe('privileged');
  });
});

describe('namespacePodSecurityLevels', () => {
  it('when namespaces hold restricted, baseline and privileged workloads, then each gets the lowest level with its label and the objects holding it below the next', () => {
    const daemonSet = workloadObjectOf({ kind: 'DaemonSet', metadata: { name: 'node-agent', namespace: 'monitoring' }, spec: { template: { spec: privilegedSpec } } });
    const service = workloadObjectOf({ kind: 'Service', metadata: { name: 'web', namespace: 'empty-ish' }, spec: {} });
    if (daemonSet === undefined || service === undefined) throw new Error('fixture');
    const levels = namespacePodSecurityLevels([
      pod('web', 'shop', restrictedSpec),
      pod('api', 'shop', restrictedSpec),
      pod('root', 'batch', baselineSpec),
      pod('ok', 'batch', restrictedSpec),
      assessed(daemonSet),
      pod('log', 'monitoring', baselineSpec),
      assessed(service),
    ]);
    expect(levels).toEqual([
      {
        namespace: 'batch',
        excluded: false,
        level: 'baseline',
        enforceLabel: 'pod-security.kubernetes.io/enforce: baseline',
        workloads: 2,
        nextLevel: 'restricted',
        blockedBy: [{ kind: 'Pod', name: 'root', level: 'baseline', failingControls: ['test-run-as-non-root'] }],
      },
      {
        namespace: 'monitoring',
        excluded: false,
        level: 'privileged',
        enforceLabel: 'pod-security.kubernetes.io/enforce: privileged',
        workloads: 2,
        nextLevel: 'baseline',
        blockedBy: [{ kind: 'DaemonSet', name: 'node-agent', level: 'privileged', failingControls: ['test-privileged'] }],
      },
      { namespace: 'shop', excluded: false, level: 'restricted', enforceLabel: 'pod-security.kubernetes.io/enforce: restricted', workloads: 2, blockedBy: [] },
    ]);
  });

  it('when a namespace is excluded, then it is reported as excluded with no level', () => {
    expect(namespacePodSecurityLevels([pod('coredns', 'kube-system', privilegedSpec)])).toEqual([{ namespace: 'kube-system', excluded: true, workloads: 1 }]);
    expect(namespacePodSecurityLevels([pod('a', 'team-a', privilegedSpec)], { excludedNamespaces: ['team-a'] })).toEqual([{ namespace: 'team-a', excluded: true, workloads: 1 }]);
  });
});
