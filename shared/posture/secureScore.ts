import { type AssessmentSeverity, AssessmentStatusCode, type AssessmentStatus } from './assessment';

/**
 * The secure score, after Defender's: the share of the applicable assessments that are Healthy, weighted by
 * severity.
 *
 *   score = 100 x sum(weight(severity) of Healthy applicable) / sum(weight(severity) of applicable)
 *
 * Applicable = Healthy or Unhealthy and not exempted (NotApplicable and exempted results do not count either way).
 * Weights: High 3, Medium 2, Low 1. The score is rounded to one decimal, and `null` when nothing is applicable (no
 * score rather than a misleading 0 or 100). Pure.
 */

export const SEVERITY_WEIGHT: Readonly<Record<AssessmentSeverity, number>> = { High: 3, Medium: 2, Low: 1 };

/** What the score reads of an assessment: a `ClusterAssessmentResult` or a stored `Assessment` both fit. */
export interface ScoredAssessment {
  status: Pick<AssessmentStatus, 'code'>;
  metadata: { severity: AssessmentSeverity };
  exemption?: unknown;
}

export interface SecureScore {
  /** 0 to 100, one decimal; null when nothing is applicable. */
  score: number | null;
  healthy: number;
  unhealthy: number;
  notApplicable: number;
  /** Healthy or Unhealthy results an exemption covers. */
  exempted: number;
  /** The weighted sums behind the score. */
  healthyWeight: number;
  applicableWeight: number;
}

export function secureScore(assessments: readonly ScoredAssessment[]): SecureScore {
  const score: SecureScore = { score: null, healthy: 0, unhealthy: 0, notApplicable: 0, exempted: 0, healthyWeight: 0, applicableWeight: 0 };
  for (const assessment of assessments) {
    const code = assessment.status.code;
    if (code !== AssessmentStatusCode.Healthy && code !== AssessmentStatusCode.Unhealthy) {
      score.notApplicable += 1;
      continue;
    }
    if (assessment.exemption !== undefined) {
      score.exempted += 1;
      continue;
    }
    const weight = SEVERITY_WEIGHT[assessment.metadata.severity] ?? 0;
    score.applicableWeight += weight;
    if (code === AssessmentStatusCode.Healthy) {
      score.healthy += 1;
      score.healthyWeight += weight;
    } else {
      score.unhealthy += 1;
    }
  }
  if (score.applicableWeight > 0) score.score = Math.round((1000 * score.healthyWeight) / score.applicableWeight) / 10;
  return score;
}

/** The score of each group (a cluster, a subscription), keyed by `keyOf`, in first-seen order. */
export function secureScoreBy<T extends ScoredAssessment>(assessments: readonly T[], keyOf: (assessment: T) => string): Map<string, SecureScore> {
  const groups = new Map<string, T[]>();
  for (const assessment of assessments) {
    const key = keyOf(assessment);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [assessment]);
    else group.push(assessment);
  }
  return new Map([...groups].map(([key, group]) => [key, secureScore(group)]));
}

/** Per cluster (`clusterResourceId` of results, `resourceDetails.id` of stored assessments). */
export function secureScoreByCluster<T extends ScoredAssessment & ({ clusterResourceId: string } | { resourceDetails: { id: string } })>(
  assessments: readonly T[],
): Map<string, SecureScore> {
  return secureScoreBy(assessments, (assessment) => ('clusterResourceId' in assessment ? assessment.clusterResourceId : assessment.resourceDetails.id));
}

/** Per subscription. */
export function secureScoreBySubscription<T extends ScoredAssessment & { subscriptionId: string }>(assessments: readonly T[]): Map<string, SecureScore> {
  return secureScoreBy(assessments, (assessment) => assessment.subscriptionId);
}
