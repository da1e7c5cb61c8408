import { type Assessment } from '../evaluateClusterChecks';

/**
 * An assessment as the JSON export serves it: the stored shape (Defender's `Microsoft.Security/assessments`,
 * flattened) with `kind: "assessment"`, so a consumer reading alerts and assessments from one stream (an Event Hub
 * target) tells them apart; `id` and `version` name the state.
 */
export type ExportedAssessment = Assessment & { kind: 'assessment' };

export function toExportedAssessment(assessment: Assessment): ExportedAssessment {
  return { kind: 'assessment', ...assessment };
}
