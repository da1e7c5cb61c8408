import { AssessmentSeverity, AssessmentStatusCode } from '../../../shared/posture/assessment';
import { evaluateWorkloadControls, WorkloadEvaluationFailure } from '../../../shared/posture/evaluateWorkloadControls';
import { workloadControls } from '../../../shared/posture/checks/workload';
import { WorkloadEvaluationCause, type WorkloadControl } from '../../../shared/posture/workloadControl';
import { workloadObjectOf } from '../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../shared/posture/workloadSettings';
import { podObject, testControls, testLimits, testPrivileged } from '../../support/workloadControlFixtures';

const privilegedSpec = { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] };

describe('evaluateWorkloadControls', () => {
  it('when a pod has a privileged container, then that control is Unhealthy with its findings, severity and PSS level, and the others judge on their own', () => {
    const results = evaluateWorkloadControls(podObject(privilegedSpec), DEFAULT_WORKLOAD_SETTINGS, testControls);
    expect(results.map((result) => [result.controlName, result.code])).toEqual([
      ['test-privileged', 'Unhealthy'],
      ['test-run-as-non-root', 'Unhealthy'],
      ['test-limits', 'Unhealthy'],
    ]);
    expect(results[0]).toEqual({
      controlName: 'test-privileged',
      code: 'Unhealthy',
      findings: [{ container: 'app', containerKind: 'container', field: 'app.securityContext.privileged', value: 'true' }],
      severity: AssessmentSeverity.High,
      podSecurity: { level: 'baseline', control: 'Privileged Containers' },
    });
    expect(results[2]).not.toHaveProperty('podSecurity');
  });

  it('when a control throws or returns no valid outcome, then it alone is NotApplicable checkFailed', () => {
    const throwing: WorkloadControl = { ...testLimits, name: 'throws', evaluate: () => { throw new Error('boom'); } };
    const junk: WorkloadControl = { ...testLimits, name: 'junk', evaluate: () => ({ code: 'Unhealthy', findings: [{ field: 3 }] }) as never };
    const empty: WorkloadControl = { ...testLimits, name: 'empty', evaluate: () => ({ code: 'Unhealthy', findings: [] }) };
    const results = evaluateWorkloadControls(podObject(privilegedSpec), DEFAULT_WORKLOAD_SETTINGS, [throwing, testPrivileged, junk, empty]);
    expect(results.map((result) => [result.controlName, result.code, result.cause])).toEqual([
      ['throws', 'NotApplicable', WorkloadEvaluationFailure.CheckFailed],
      ['test-privileged', 'Unhealthy', undefined],
      ['junk', 'NotApplicable', WorkloadEvaluationFailure.CheckFailed],
      ['empty', 'NotApplicable', WorkloadEvaluationFailure.CheckFailed],
    ]);
    expect(results[0]?.description).toContain('boom');
    expect(results[0]?.findings).toEqual([]);
  });

  it('when the object is in an excluded namespace or is a Service, then every pod control is NotApplicable with the cause', () => {
    const excluded = evaluateWorkloadControls(podObject(privilegedSpec, { name: 'p', namespace: 'kube-system' }), DEFAULT_WORKLOAD_SETTINGS, testControls);
    expect(new Set(excluded.map((result) => result.cause))).toEqual(new Set([WorkloadEvaluationCause.ExcludedNamespace]));
    const service = workloadObjectOf({ kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    if (service === undefined) throw new Error('service');
    expect(evaluateWorkloadControls(service, DEFAULT_WORKLOAD_SETTINGS, testControls).map((result) => result.cause)).toEqual([
      WorkloadEvaluationCause.NotItsTarget,
      WorkloadEvaluationCause.NotItsTarget,
      WorkloadEvaluationCause.NotItsTarget,
    ]);
  });

  it('when the settings exclude no namespace, then kube-system is judged', () => {
    const results = evaluateWorkloadControls(podObject(privilegedSpec, { name: 'p', namespace: 'kube-system' }), { ...DEFAULT_WORKLOAD_SETTINGS, excludedNamespaces: [] }, [testPrivileged]);
    expect(results[0]?.code).toBe(AssessmentStatusCode.Unhealthy);
  });

  it('when no controls are given, then it uses the registry and returns one result per registered control', () => {
    expect(evaluateWorkloadControls(podObject({}), DEFAULT_WORKLOAD_SETTINGS).map((result) => result.controlName)).toEqual(workloadControls.map((control) => control.name));
  });
});
