import { OCSF_SCHEMA_VERSION, type OcsfMetadata, type OcsfRemediation, type OcsfResourceDetails } from '../../alerts/export/ocsfFormat';
import { AssessmentCategory, AssessmentStatusCode, type AssessmentSeverity } from '../assessment';
import { type Assessment } from '../evaluateClusterChecks';

/**
 * An assessment as an OCSF 1.3.0 Compliance Finding (`class_uid` 2003, category Findings 2), the class OCSF defines
 * for "results of evaluations performed against resources".
 *
 * What 1.3.0 requires (base_event.json, finding.json, compliance_finding.json, objects/compliance.json):
 * `activity_id`, `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`, `metadata`, `finding_info` (`uid`,
 * `title`) and `compliance` (`standards`). Recommended and set: `compliance.control`, `compliance.status_id`/`status`,
 * `remediation`, `resources`, `status_id`, `message`.
 *
 * Mappings:
 * - activity: 1 Create at version 1 (the first evaluation), 2 Update after; `type_uid` = 200300 + activity.
 * - `compliance.status_id`: Healthy 1 Pass, Unhealthy 3 Fail, NotApplicable 2 Warning ("did not yield a result due
 *   to missing information"); `status_code` is Argus' code and `status_detail` its cause and description.
 * - `compliance.standards`: "Argus AKS cluster configuration" (workload controls: "Argus Kubernetes workload
 *   configuration"), plus "CIS Azure Kubernetes Service Benchmark" when the check maps to CIS recommendations and
 *   "Azure Policy for Kubernetes" when it maps to built-in definitions (their numbers and ids in `requirements`).
 * - finding `status_id`: Unhealthy 1 New, exempted 3 Suppressed, Healthy 4 Resolved, NotApplicable 99 Other.
 * - severity: Low 2, Medium 3, High 4. `time`: when the change was written (`exportedChangeUtc`).
 * - `resources[0]`: the cluster (uid = its Azure resource id). `unmapped`: Argus' own fields.
 * Pure: no I/O, no clock.
 */

export const OCSF_COMPLIANCE_FINDING_CLASS = 2003;

export interface OcsfCompliance {
  standards: string[];
  control: string;
  requirements?: string[];
  status_id: 1 | 2 | 3;
  status: 'Pass' | 'Warning' | 'Fail';
  status_code: string;
  status_detail?: string;
}

/** What Argus emits of an OCSF 1.3.0 Compliance Finding. */
export interface OcsfComplianceFinding {
  activity_id: 1 | 2;
  activity_name: 'Create' | 'Update';
  category_uid: 2;
  category_name: 'Findings';
  class_uid: typeof OCSF_COMPLIANCE_FINDING_CLASS;
  class_name: 'Compliance Finding';
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  time: number;
  timezone_offset: 0;
  message: string;
  metadata: OcsfMetadata;
  finding_info: { uid: string; title: string; desc: string; types: string[]; first_seen_time: number; last_seen_time: number; modified_time: number };
  compliance: OcsfCompliance;
  remediation: OcsfRemediation;
  resources: OcsfResourceDetails[];
  cloud: { provider: 'Azure'; account: { uid: string; type_id: 13; type: 'Azure Subscription' } };
  unmapped: Record<string, unknown>;
}

const ARGUS_STANDARD = 'Argus AKS cluster configuration';
const ARGUS_WORKLOAD_STANDARD = 'Argus Kubernetes workload configuration';
const AZURE_POLICY_STANDARD = 'Azure Policy for Kubernetes';
const CIS_AKS_STANDARD = 'CIS Azure Kubernetes Service Benchmark';
const severityIds: Record<AssessmentSeverity, number> = { Low: 2, Medium: 3, High: 4 };
const complianceStatus = {
  [AssessmentStatusCode.Healthy]: { status_id: 1, status: 'Pass' },
  [AssessmentStatusCode.NotApplicable]: { status_id: 2, status: 'Warning' },
  [AssessmentStatusCode.Unhealthy]: { status_id: 3, status: 'Fail' },
} as const;

export function toOcsfComplianceFinding(assessment: Assessment, options: { productVersion: string }): OcsfComplianceFinding {
  const activityId = assessment.version <= 1 ? 1 : 2;
  const activityName = activityId === 1 ? 'Create' : 'Update';
  const time = Date.parse(assessment.exportedChangeUtc);
  const { equivalents } = assessment;
  const cis = 'cisAks' in equivalents ? equivalents.cisAks : [];
  const policyDefinitions = 'azurePolicy' in equivalents ? equivalents.azurePolicy.map((definition) => definition.id) : [];
  const workload = assessment.metadata.categories.includes(AssessmentCategory.Workload);
  const statusDetail = [assessment.status.cause, assessment.status.description].filter((part) => part !== undefined && part !== '').join(': ');
  const findingStatus = findingStatusOf(assessment);
  const clusterName = assessment.resourceDetails.id.split('/').at(-1) ?? '';
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: 2,
    category_name: 'Findings',
    class_uid: OCSF_COMPLIANCE_FINDING_CLASS,
    class_name: 'Compliance Finding',
    type_uid: OCSF_COMPLIANCE_FINDING_CLASS * 100 + activityId,
    type_name: `Compliance Finding: ${activityName}`,
    severity_id: severityIds[assessment.metadata.severity],
    severity: assessment.metadata.severity,
    status_id: findingStatus.id,
    status: findingStatus.name,
    time,
    timezone_offset: 0,
    message: `${assessment.displayName}: ${assessment.status.code}${clusterName === '' ? '' : ` on ${clusterName}`}`,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { name: 'Argus', vendor_name: 'Argus', version: options.productVersion },
      uid: `${assessment.id}:${assessment.version}`,
      profiles: ['cloud'],
      modified_time: time,
    },
    finding_info: {
      uid: assessment.id,
      title: assessment.displayName,
      desc: assessment.metadata.description,
      types: ['Kubernetes cluster configuration'],
      first_seen_time: Date.parse(assessment.firstEvaluationDate),
      last_seen_time: Date.parse(assessment.timeGenerated),
      modified_time: time,
    },
    compliance: {
      standards: [workload ? ARGUS_WORKLOAD_STANDARD : ARGUS_STANDARD, ...(cis.length > 0 ? [CIS_AKS_STANDARD] : []), ...(policyDefinitions.length > 0 ? [AZURE_POLICY_STANDARD] : [])],
      control: assessment.name,
      ...(cis.length + policyDefinitions.length > 0 ? { requirements: [...cis, ...policyDefinitions] } : {}),
      ...complianceStatus[assessment.status.code],
      status_code: assessment.status.code,
      ...(statusDetail === '' ? {} : { status_detail: statusDetail }),
    },
    remediation: { desc: assessment.metadata.remediationDescription },
    resources: [{ uid: assessment.resourceDetails.id, name: clusterName, type: 'Microsoft.ContainerService/managedClusters' }],
    cloud: { provider: 'Azure', account: { uid: assessment.subscriptionId, type_id: 13, type: 'Azure Subscription' } },
    unmapped: {
      subscriptionId: assessment.subscriptionId,
      version: assessment.version,
      additionalData: assessment.additionalData,
      equivalents: assessment.equivalents,
      statusChangeDate: assessment.statusChangeDate,
      ...(assessment.exemption === undefined ? {} : { exemption: assessment.exemption }),
      ...(assessment.subAssessments === undefined ? {} : { subAssessments: assessment.subAssessments }),
    },
  };
}

function findingStatusOf(assessment: Assessment): { id: number; name: string } {
  if (assessment.exemption !== undefined) return { id: 3, name: 'Suppressed' };
  switch (assessment.status.code) {
    case AssessmentStatusCode.Unhealthy:
      return { id: 1, name: 'New' };
    case AssessmentStatusCode.Healthy:
      return { id: 4, name: 'Resolved' };
    case AssessmentStatusCode.NotApplicable:
      return { id: 99, name: 'NotApplicable' };
  }
}
