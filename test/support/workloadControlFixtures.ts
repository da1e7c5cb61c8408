import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../shared/posture/assessment';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadControl, type WorkloadControlDefinition } from '../../shared/posture/workloadControl';
import { type WorkloadObject, workloadObjectOf } from '../../shared/posture/workloadObject';

/** Small controls for tests of the evaluation and the CLI: not the catalogue's. */
function testControl(overrides: Partial<WorkloadControlDefinition> & Pick<WorkloadControlDefinition, 'name' | 'evaluate'>): WorkloadControl {
  return defineWorkloadControl({
    displayName: overrides.name,
    description: 'A control for tests.',
    remediationDescription: 'Fix it.',
    severity: AssessmentSeverity.Medium,
    categories: [AssessmentCategory.Compute],
    threats: [AssessmentThreat.ElevationOfPrivilege],
    userImpact: ImpactLevel.Low,
    implementationEffort: ImpactLevel.Low,
    target: 'podTemplate',
    equivalents: { defender: [], azurePolicy: [], kubescape: [], polaris: [], kubeScore: [] },
    references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
    examples: [],
    ...overrides,
  });
}

/** Baseline: no container is privileged. */
export const testPrivileged = testControl({
  name: 'test-privileged',
  severity: AssessmentSeverity.High,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Privileged Containers' },
  evaluate: (object) =>
    outcomeOf(
      object.containers
        .filter((container) => (container.spec['securityContext'] as { privileged?: unknown } | undefined)?.privileged === true)
        .map((container) => ({ container: container.name, containerKind: container.kind, field: `${container.name}.securityContext.privileged`, value: 'true' })),
    ),
});

/** Restricted: runAsNonRoot is true at the pod level. */
export const testRunAsNonRoot = testControl({
  name: 'test-run-as-non-root',
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Running as Non-root' },
  evaluate: (object) =>
    (object.podSpec?.['securityContext'] as { runAsNonRoot?: unknown } | undefined)?.runAsNonRoot === true
      ? { code: AssessmentStatusCode.Healthy }
      : { code: AssessmentStatusCode.Unhealthy, findings: [{ field: 'securityContext.runAsNonRoot', value: '(absent)' }] },
});

/** Azure Policy only: every container has a memory limit. */
export const testLimits = testControl({
  name: 'test-limits',
  severity: AssessmentSeverity.Low,
  evaluate: (object) =>
    outcomeOf(
      object.containers
        .filter((container) => (container.spec['resources'] as { limits?: { memory?: unknown } } | undefined)?.limits?.memory === undefined)
        .map((container) => ({ container: container.name, field: 'resources.limits.memory', value: '(absent)' })),
    ),
});

export const testControls: readonly WorkloadControl[] = [testPrivileged, testRunAsNonRoot, testLimits];

export function podObject(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web', namespace: 'shop' }): WorkloadObject {
  const object = workloadObjectOf({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
  if (object === undefined) throw new Error('not a workload object');
  return object;
}
