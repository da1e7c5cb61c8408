import { AssessmentStatusCode } from '../../../shared/posture/assessment';
import { type ClusterCheck, defineClusterCheck } from '../../../shared/posture/clusterCheck';
import {
  ASSESSMENT_STATUS_HISTORY_LIMIT,
  type ClusterAssessmentResult,
  evaluateClusterChecks,
  EvaluationCause,
  nextAssessment,
} from '../../../shared/posture/evaluateClusterChecks';
import { EXAMPLE_CLUSTER_NOW, EXAMPLE_SUBSCRIPTION_ID, exampleCluster } from '../../../shared/posture/exampleClusters';
import { booleanAt } from '../../../shared/posture/managedClusterFields';

const equivalents = { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] };

function testCheck(name: string, evaluate: ClusterCheck['evaluate']): ClusterCheck {
  return defineClusterCheck({
    name,
    displayName: `Test check ${name}`,
    description: 'A check for tests.',
    remediationDescription: 'Nothing.',
    severity: 'High',
    categories: ['Compute'],
    threats: ['ElevationOfPrivilege'],
    userImpact: 'Low',
    implementationEffort: 'Low',
    equivalents,
    references: ['https://example.com'],
    evaluate,
    examples: [],
  });
}

const rbacCheck = testCheck('rbac', (cluster) =>
  booleanAt(cluster, 'properties', 'enableRBAC') === true
    ? { code: 'Healthy', additionalData: { 'properties.enableRBAC': 'true' } }
    : { code: 'Unhealthy', cause: 'rbacDisabled', additionalData: { 'properties.enableRBAC': 'false' } },
);
const throwingCheck = testCheck('throws', () => {
  throw new Error('boom');
});
const badOutcomeCheck = testCheck('bad-outcome', () => ({ code: 'Maybe' }) as never);

describe('evaluateClusterChecks', () => {
  it('when a cluster is evaluated, then each check gives one result with the canonical cluster id and the check metadata', () => {
    const [result] = evaluateClusterChecks(exampleCluster(), { now: EXAMPLE_CLUSTER_NOW }, [rbacCheck]);
    expect(result).toEqual({
      checkName: 'rbac',
      clusterResourceId: `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod`,
      subscriptionId: EXAMPLE_SUBSCRIPTION_ID,
      displayName: 'Test check rbac',
      status: { code: 'Healthy' },
      severity: 'High',
      metadata: expect.objectContaining({ severity: 'High', categories: ['Compute'], remediationDescription: 'Nothing.' }) as unknown,
      additionalData: { 'properties.enableRBAC': 'true' },
      equivalents,
    });
  });

  it('when a check throws or returns no valid outcome, then it is reported as checkFailed and the other checks still run', () => {
    const results = evaluateClusterChecks(exampleCluster({ enableRBAC: false }), { now: EXAMPLE_CLUSTER_NOW }, [throwingCheck, badOutcomeCheck, rbacCheck]);
    expect(results.map((result) => [result.checkName, result.status.code, result.status.cause])).toEqual([
      ['throws', 'NotApplicable', EvaluationCause.CheckFailed],
      ['bad-outcome', 'NotApplicable', EvaluationCause.CheckFailed],
      ['rbac', 'Unhealthy', 'rbacDisabled'],
    ]);
    expect(results[0]?.status.description).toContain('boom');
  });

  it('when the resource is not a managed cluster, then every check is NotApplicable as notAksCluster', () => {
    const storage = { id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st', type: 'Microsoft.Storage/storageAccounts', properties: {} };
    const [result] = evaluateClusterChecks(storage, { now: EXAMPLE_CLUSTER_NOW }, [rbacCheck]);
    expect(result?.status).toEqual(expect.objectContaining({ code: 'NotApplicable', cause: EvaluationCause.NotAksCluster }));
    expect(result?.subscriptionId).toBe('');
  });
});

describe('nextAssessment', () => {
  const T0 = '2026-11-02T10:00:00.000Z';
  const T1 = '2026-11-02T16:00:00.000Z';
  const T2 = '2026-11-02T22:00:00.000Z';
  const evaluate = (enableRBAC: boolean): ClusterAssessmentResult =>
    evaluateClusterChecks(exampleCluster({ enableRBAC }), { now: EXAMPLE_CLUSTER_NOW }, [rbacCheck])[0] as ClusterAssessmentResult;

  it('when nothing is stored, then it makes the first assessment in Defender shape', () => {
    const assessment = nextAssessment(undefined, evaluate(true), T0);
    expect(assessment).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
        name: 'rbac',
        subscriptionId: EXAMPLE_SUBSCRIPTION_ID,
        resourceDetails: { source: 'Azure', id: expect.stringContaining('/managedClusters/aks-shop-prod') as unknown },
        status: { code: 'Healthy' },
        firstEvaluationDate: T0,
        statusChangeDate: T0,
        timeGenerated: T0,
        statusHistory: [{ code: 'Healthy', timeUtc: T0 }],
      }),
    );
  });

  it('when the same result comes again (even after a JSON round trip), then nothing is written', () => {
    const stored = JSON.parse(JSON.stringify(nextAssessment(undefined, evaluate(true), T0))) as ReturnType<typeof nextAssessment>;
    expect(nextAssessment(stored, evaluate(true), T1)).toBeUndefined();
  });

  it('when the status changes, then the change date and history move and the first evaluation date stays', () => {
    const first = nextAssessment(undefined, evaluate(true), T0);
    const second = nextAssessment(first, evaluate(false), T1);
    expect(second).toEqual(expect.objectContaining({ firstEvaluationDate: T0, statusChangeDate: T1, timeGenerated: T1, status: expect.objectContaining({ code: 'Unhealthy' }) as unknown }));
    expect(second?.statusHistory).toEqual([{ code: 'Healthy', timeUtc: T0 }, { code: 'Unhealthy', cause: 'rbacDisabled', timeUtc: T1 }]);
    expect(second?.id).toBe(first?.id);
  });

  it('when only the additional data changes, then it is written but the status change date and history stay', () => {
    const first = nextAssessment(undefined, evaluate(true), T0);
    const changed = { ...evaluate(true), additionalData: { 'properties.enableRBAC': 'true', note: 'x' } };
    const second = nextAssessment(first, changed, T2);
    expect(second).toEqual(expect.objectContaining({ statusChangeDate: T0, timeGenerated: T2, statusHistory: first?.statusHistory }));
  });

  it('when the status flips many times, then the history keeps only the latest changes', () => {
    let assessment = nextAssessment(undefined, evaluate(true), T0);
    for (let index = 1; index <= ASSESSMENT_STATUS_HISTORY_LIMIT + 5; index++) {
      assessment = nextAssessment(assessment, evaluate(index % 2 === 0), new Date(Date.parse(T0) + index * 60_000).toISOString()) ?? assessment;
    }
    expect(assessment?.statusHistory).toHaveLength(ASSESSMENT_STATUS_HISTORY_LIMIT);
    expect(assessment?.firstEvaluationDate).toBe(T0);
    expect(assessment?.statusHistory.at(-1)?.code).toBe(assessment?.status.code);
    expect(assessment?.status.code).toBe(AssessmentStatusCode.Unhealthy);
  });
});
