import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type AssessmentCategory, AssessmentCategory as Category, AssessmentStatusCode } from './assessment';
import { workloadControls } from './checks/workload';
import { type ClusterAssessmentResult } from './evaluateClusterChecks';
import { evaluateWorkloadControls, type WorkloadControlResult } from './evaluateWorkloadControls';
import { auditControlResultsOf, comparePolicySources, ControlSource, matchingComponent, type PolicyControlResult } from './policyStateResults';
import { type WorkloadControl } from './workloadControl';
import { redactFinding } from './redactFinding';
import { type InventoryDocument } from './workloadInventory';
import { type WorkloadObject, workloadObjectOf } from './workloadObject';
import { type WorkloadSettings } from './workloadSettings';

/**
 * The workload controls as assessments: per cluster and control, one assessment (category `Workload`) over the
 * cluster's current workloads from the inventory, whose failing objects are its sub-assessments (namespace, kind,
 * name, container, the field and the value, redacted as everywhere findings leave Argus), each naming the source that said so: the audit stream (Argus' own
 * evaluation of the inventory) and, where the cluster runs the Azure Policy add-on, Azure Policy's component states.
 * Where the two disagree, the assessment counts it in `additionalData`. Pure: the clock is not read.
 */

/** Sub-assessments kept per assessment; the rest are counted (`additionalData.subAssessmentsOmitted`). */
export const MAX_SUB_ASSESSMENTS = 50;

export interface WorkloadSubAssessment {
  namespace: string;
  kind: string;
  name: string;
  container?: string;
  /** The failing field (from the pod spec, or the object for Services and Ingresses); absent for Azure Policy's. */
  field?: string;
  value?: string;
  /** Who said it fails: `auditStream`, `azurePolicy` or both. */
  sources: ControlSource[];
}

export interface ClusterWorkloads {
  /** The cluster's resource id as the inventory has it. */
  clusterResourceId: string;
  /** Its current (not deleted) workloads. */
  workloads: readonly InventoryDocument[];
  /** Azure Policy's results for the cluster, when it has the add-on and they could be read. */
  azurePolicy?: readonly PolicyControlResult[];
}

/** What the refresh evaluates: one assessment per workload control. */
export function evaluateWorkloadAssessments(
  subscriptionId: string,
  cluster: ClusterWorkloads,
  settings: WorkloadSettings,
  controls: readonly WorkloadControl[] = workloadControls,
): ClusterAssessmentResult[] {
  const clusterResourceId = parseClusterResourceId(cluster.clusterResourceId)?.resourceId ?? cluster.clusterResourceId;
  const judged: { object: WorkloadObject; results: WorkloadControlResult[] }[] = [];
  let partial = 0;
  for (const document of cluster.workloads) {
    if (document.partial) partial++;
    const object = document.object === undefined ? undefined : workloadObjectOf(document.object);
    if (object === undefined) continue;
    const placed: WorkloadObject = { ...object, namespace: document.namespace, name: document.name, kind: document.kind };
    judged.push({ object: placed, results: evaluateWorkloadControls(placed, settings, controls) });
  }
  const policy = cluster.azurePolicy ?? [];
  const comparison =
    policy.length === 0 ? undefined : comparePolicySources(judged.flatMap(({ object, results }) => auditControlResultsOf(clusterResourceId, object, results)), policy);

  return controls.map((control, index) => {
    const subAssessments = new Map<string, WorkloadSubAssessment>();
    let applicable = 0;
    let failing = 0;
    for (const { object, results } of judged) {
      const result = results[index];
      if (result === undefined || result.code === AssessmentStatusCode.NotApplicable) continue;
      applicable++;
      if (result.code !== AssessmentStatusCode.Unhealthy) continue;
      failing++;
      for (const found of result.findings) {
        const finding = redactFinding(found);
        const sub: WorkloadSubAssessment = {
          namespace: object.namespace,
          kind: object.kind,
          name: object.name,
          ...(finding.container === undefined ? {} : { container: finding.container }),
          field: finding.field,
          value: finding.value,
          sources: [ControlSource.auditStream],
        };
        subAssessments.set(`${object.namespace}/${object.kind}/${object.name}/${finding.container ?? ''}/${finding.field}`, sub);
      }
    }
    const policyOfControl = policy.filter((result) => result.controlName === control.name);
    const failingObjects = [...subAssessments.values()].map((sub) => ({ namespace: sub.namespace, kind: sub.kind, name: sub.name }));
    for (const result of policyOfControl.filter((candidate) => !candidate.compliant)) {
      // Azure Policy names pods; the inventory folds them under their controller.
      const owner = matchingComponent(result.component, failingObjects);
      const seen = owner === undefined ? [] : [...subAssessments.values()].filter((sub) => sub.namespace === owner.namespace && sub.name === owner.name && sub.kind === owner.kind);
      if (seen.length > 0) {
        for (const sub of seen) if (!sub.sources.includes(ControlSource.azurePolicy)) sub.sources.push(ControlSource.azurePolicy);
      } else {
        const { namespace, kind, name } = result.component;
        subAssessments.set(`policy/${namespace}/${kind}/${name}`, { namespace, kind, name, sources: [ControlSource.azurePolicy] });
      }
    }
    const disagreements = comparison?.disagreements.filter((disagreement) => disagreement.controlNames.includes(control.name)).length ?? 0;
    const all = [...subAssessments.values()].sort(compareSubAssessments);
    const sources = [ControlSource.auditStream, ...(policyOfControl.length > 0 ? [ControlSource.azurePolicy] : [])];
    const additionalData: Record<string, string> = {
      workloadsJudged: String(applicable),
      workloadsFailing: String(failing),
      partialWorkloads: String(partial),
      sources: sources.join(','),
      ...(policy.length > 0 ? { azurePolicyDisagreements: String(disagreements) } : {}),
      ...(all.length > MAX_SUB_ASSESSMENTS ? { subAssessmentsOmitted: String(all.length - MAX_SUB_ASSESSMENTS) } : {}),
    };
    const status =
      all.length > 0
        ? { code: AssessmentStatusCode.Unhealthy, cause: 'workloadsFailing', description: `${countOf(all)} fail ${control.displayName.toLowerCase().replace(/\.$/, '')}.` }
        : applicable > 0 || policyOfControl.length > 0
          ? { code: AssessmentStatusCode.Healthy, description: `Every judged workload passes (${applicable} from the audit stream${policyOfControl.length > 0 ? `, ${policyOfControl.length} Azure Policy results` : ''}).` }
          : { code: AssessmentStatusCode.NotApplicable, cause: 'noWorkloadsJudged', description: 'No current workload of the cluster is one this control judges (or none was seen in full).' };
    return {
      checkName: control.name,
      clusterResourceId,
      subscriptionId,
      displayName: control.displayName,
      status,
      severity: control.severity,
      metadata: {
        displayName: control.displayName,
        description: control.description,
        remediationDescription: control.remediationDescription,
        severity: control.severity,
        categories: withWorkloadCategory(control.categories),
        threats: control.threats,
        userImpact: control.userImpact,
        implementationEffort: control.implementationEffort,
      },
      additionalData,
      equivalents: control.equivalents,
      subAssessments: all.slice(0, MAX_SUB_ASSESSMENTS),
    };
  });
}

function withWorkloadCategory(categories: readonly AssessmentCategory[]): AssessmentCategory[] {
  return categories.includes(Category.Workload) ? [...categories] : [...categories, Category.Workload];
}

function countOf(subs: readonly WorkloadSubAssessment[]): string {
  const objects = new Set(subs.map((sub) => `${sub.namespace}/${sub.kind}/${sub.name}`)).size;
  return objects === 1 ? '1 workload does not' : `${objects} workloads do not`;
}

function compareSubAssessments(a: WorkloadSubAssessment, b: WorkloadSubAssessment): number {
  const left = `${a.namespace}\n${a.kind}\n${a.name}\n${a.container ?? ''}\n${a.field ?? ''}`;
  const right = `${b.namespace}\n${b.kind}\n${b.name}\n${b.container ?? ''}\n${b.field ?? ''}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
