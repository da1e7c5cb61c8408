import { escapeCefExtension, escapeCefHeader, labelled } from '../../alerts/export/cefFormat';
import { AssessmentStatusCode, type AssessmentSeverity } from '../assessment';
import { type Assessment } from '../evaluateClusterChecks';

/**
 * An assessment change as one CEF line, beside alerts in the same stream: Signature ID `assessment:<check name>` (alert
 * lines carry the alert type, `K8S_...`), Name the recommendation, Severity the recommendation's (High 8, Medium 5,
 * Low 3) while Unhealthy and 0 once Healthy, NotApplicable or exempted: what a SIEM ranks is what needs doing.
 * Extension: `rt` the change's time, `externalId` the assessment id, `outcome` the status code, `reason` its cause,
 * `msg` its description, cs1 cluster, cs2 status code, cs3 check name, cs4 categories, cs5 exemption category, cn1
 * version. Pure.
 */

const cefSeverities: Record<AssessmentSeverity, number> = { High: 8, Medium: 5, Low: 3 };
export const ASSESSMENT_CEF_SIGNATURE_PREFIX = 'assessment:';

export function toAssessmentCefLine(assessment: Assessment, options: { productVersion: string }): string {
  const actionable = assessment.status.code === AssessmentStatusCode.Unhealthy && assessment.exemption === undefined;
  const header = [
    'CEF:0',
    'Argus',
    'Argus',
    escapeCefHeader(options.productVersion),
    escapeCefHeader(`${ASSESSMENT_CEF_SIGNATURE_PREFIX}${assessment.name}`),
    escapeCefHeader(assessment.displayName),
    String(actionable ? cefSeverities[assessment.metadata.severity] : 0),
  ].join('|');
  const fields: [string, string | undefined][] = [
    ['rt', String(Date.parse(assessment.exportedChangeUtc))],
    ['externalId', assessment.id],
    ['outcome', assessment.status.code],
    ['reason', assessment.status.cause],
    ['msg', assessment.status.description],
    ...labelled('cs1', 'cluster', assessment.resourceDetails.id),
    ...labelled('cs2', 'status', assessment.status.code),
    ...labelled('cs3', 'check', assessment.name),
    ...labelled('cs4', 'categories', assessment.metadata.categories.join(',')),
    ...labelled('cs5', 'exemption', assessment.exemption?.category),
    ...labelled('cn1', 'assessmentVersion', String(assessment.version)),
  ];
  const extension = fields
    .filter((field): field is [string, string] => field[1] !== undefined && field[1] !== '')
    .map(([key, value]) => `${key}=${escapeCefExtension(value)}`)
    .join(' ');
  return `${header}|${extension}`;
}
