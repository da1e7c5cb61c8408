import { type AssessmentSeverity, type AssessmentStatusCode } from '../../../shared/posture/assessment';
import { secureScore, secureScoreByCluster, secureScoreBySubscription } from '../../../shared/posture/secureScore';

function scored(code: AssessmentStatusCode, severity: AssessmentSeverity, cluster = 'c1', exemption?: { name: string; category: string }) {
  return { status: { code }, metadata: { severity }, clusterResourceId: cluster, subscriptionId: cluster.startsWith('c') ? 's1' : 's2', ...(exemption === undefined ? {} : { exemption }) };
}

describe('secureScore', () => {
  it('when healthy and unhealthy assessments of different severities are scored, then the score is weighted High 3, Medium 2, Low 1', () => {
    // Healthy: High (3) + Low (1) = 4; applicable: 3 + 1 + Medium 2 + High 3 = 9 -> 44.4
    const score = secureScore([scored('Healthy', 'High'), scored('Healthy', 'Low'), scored('Unhealthy', 'Medium'), scored('Unhealthy', 'High'), scored('NotApplicable', 'High')]);
    expect(score).toEqual({ score: 44.4, healthy: 2, unhealthy: 2, notApplicable: 1, exempted: 0, healthyWeight: 4, applicableWeight: 9 });
  });

  it('when an unhealthy assessment is exempted, then it no longer counts against the score', () => {
    const before = secureScore([scored('Healthy', 'Low'), scored('Unhealthy', 'High')]);
    const after = secureScore([scored('Healthy', 'Low'), scored('Unhealthy', 'High', 'c1', { name: 'waive', category: 'waiver' })]);
    expect(before.score).toBe(25);
    expect(after).toEqual(expect.objectContaining({ score: 100, exempted: 1, unhealthy: 0 }));
  });

  it('when nothing is applicable, then the score is null rather than 0 or 100', () => {
    expect(secureScore([]).score).toBeNull();
    expect(secureScore([scored('NotApplicable', 'High')]).score).toBeNull();
  });

  it('when assessments of several clusters and subscriptions are scored, then each group gets its own score', () => {
    const assessments = [scored('Healthy', 'High', 'c1'), scored('Unhealthy', 'High', 'c2'), scored('Healthy', 'Low', 'd1')];
    expect([...secureScoreByCluster(assessments)].map(([key, score]) => [key, score.score])).toEqual([
      ['c1', 100],
      ['c2', 0],
      ['d1', 100],
    ]);
    expect([...secureScoreBySubscription(assessments)].map(([key, score]) => [key, score.score])).toEqual([
      ['s1', 50],
      ['s2', 100],
    ]);
  });
});
