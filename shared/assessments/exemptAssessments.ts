import { type AssessmentExemption, applyExemptions } from '../posture/assessmentExemption';
import { type Assessment, type ClusterAssessmentResult } from '../posture/evaluateClusterChecks';

/**
 * Stored assessments with the subscription's exemptions applied at `now` (`applyExemptions`): the store keeps what the
 * checks said, the exemption is read-time, so a new, changed, expired or deleted exemption shows at once without a
 * refresh. Pure.
 */
export function exemptAssessments(assessments: readonly Assessment[], exemptions: readonly AssessmentExemption[], now: string): Assessment[] {
  const applied = applyExemptions(assessments.map(resultOf), exemptions, now);
  return assessments.map((assessment, index) => {
    const { exemption: _stored, ...rest } = assessment;
    const exemption = applied[index]?.exemption;
    return exemption === undefined ? rest : { ...rest, exemption };
  });
}

function resultOf(assessment: Assessment): ClusterAssessmentResult {
  return {
    checkName: assessment.name,
    clusterResourceId: assessment.resourceDetails.id,
    subscriptionId: assessment.subscriptionId,
    displayName: assessment.displayName,
    status: assessment.status,
    severity: assessment.metadata.severity,
    metadata: assessment.metadata,
    additionalData: assessment.additionalData,
    equivalents: assessment.equivalents,
  };
}
