import { AssessmentStatusCode } from './assessment';
import { type ClusterCheck } from './clusterCheck';
import { type Assessment, type ClusterAssessmentResult, metadataOf } from './evaluateClusterChecks';

/**
 * What a refresh records for a subscription whose clusters Argus may not read (ARM answered 403): every assessment it
 * has becomes NotApplicable with cause `noReadAccess`, and a subscription without any gets one per check on the
 * subscription itself, so the owner sees the gap and how to close it in the list, the score and the export instead
 * of silence. Pure.
 */

export const NO_READ_ACCESS_CAUSE = 'noReadAccess';

/** How the owner grants Argus' identity what the checks read (also in the plan's onboarding answer). */
export function readerGrantCommand(subscriptionId: string): string {
  return `az role assignment create --assignee <principal id of the Argus function app's managed identity> --role Reader --scope /subscriptions/${subscriptionId}`;
}

export function noReadAccessResults(subscriptionId: string, stored: readonly Assessment[], checks: readonly ClusterCheck[], detail: string): ClusterAssessmentResult[] {
  const status = {
    code: AssessmentStatusCode.NotApplicable,
    cause: NO_READ_ACCESS_CAUSE,
    description: `Argus may not read the clusters of this subscription (${detail}). Grant its managed identity Reader: ${readerGrantCommand(subscriptionId)}`,
  };
  if (stored.length > 0) {
    return stored.map((assessment) => ({
      checkName: assessment.name,
      clusterResourceId: assessment.resourceDetails.id,
      subscriptionId,
      displayName: assessment.displayName,
      status,
      severity: assessment.metadata.severity,
      metadata: assessment.metadata,
      additionalData: {},
      equivalents: assessment.equivalents,
    }));
  }
  return checks.map((check) => ({
    checkName: check.name,
    clusterResourceId: `/subscriptions/${subscriptionId}`,
    subscriptionId,
    displayName: check.displayName,
    status,
    severity: check.severity,
    metadata: metadataOf(check),
    additionalData: {},
    equivalents: check.equivalents,
  }));
}
