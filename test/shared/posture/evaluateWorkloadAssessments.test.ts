import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { type JsonObject } from '../../../shared/kubernetes/jsonValues';
import { AssessmentCategory, AssessmentStatusCode } from '../../../shared/posture/assessment';
import { workloadControls } from '../../../shared/posture/checks/workload';
import { evaluateWorkloadAssessments, MAX_SUB_ASSESSMENTS } from '../../../shared/posture/evaluateWorkloadAssessments';
import { type PolicyControlResult } from '../../../shared/posture/policyStateResults';
import { type InventoryDocument } from '../../../shared/posture/workloadInventory';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../shared/posture/workloadSettings';

const SUB = '3c3c3c3c-0000-4000-8000-000000000001';
const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop`;
const manifests = path.join(__dirname, '../../fixtures/manifests/valid');
const manifest = (file: string) => parse(readFileSync(path.join(manifests, file), 'utf8')) as JsonObject;

/** An inventory document for a manifest, as the inventory stores a full object. */
function inventoryOf(object: JsonObject, overrides: Partial<InventoryDocument> = {}): InventoryDocument {
  const metadata = object['metadata'] as { name: string; namespace?: string };
  return {
    id: `${String(object['kind'])}-${metadata.name}`,
    subscriptionId: SUB,
    cluster: CLUSTER,
    kind: object['kind'] as InventoryDocument['kind'],
    namespace: metadata.namespace ?? 'default',
    name: metadata.name,
    object,
    specHash: 'x',
    partial: false,
    specFrom: 'object' as InventoryDocument['specFrom'],
    firstSeenUtc: '2026-11-22T10:00:00.000Z',
    lastChangedUtc: '2026-11-22T10:00:00.000Z',
    lastAuditId: 'a',
    deleted: false,
    updatedUtc: '2026-11-22T10:00:00.000Z',
    ...overrides,
  };
}

const deployment = inventoryOf(manifest('restricted-deployment.yaml'));
const daemonSet = inventoryOf(manifest('privileged-daemonset.yaml'));
const rootPod = inventoryOf(manifest('root-pod.yaml'));

function assessmentOf(results: ReturnType<typeof evaluateWorkloadAssessments>, control: string) {
  return results.find((result) => result.checkName === control);
}

describe('evaluateWorkloadAssessments', () => {
  it('when a cluster runs a restricted Deployment, a privileged DaemonSet and a root pod, then each control lists exactly the failing objects as sub-assessments', () => {
    const results = evaluateWorkloadAssessments(SUB, { clusterResourceId: CLUSTER, workloads: [deployment, daemonSet, rootPod] }, DEFAULT_WORKLOAD_SETTINGS);
    expect(results).toHaveLength(workloadControls.length);
    const privileged = assessmentOf(results, 'pss-privileged');
    expect(privileged?.status).toMatchObject({ code: AssessmentStatusCode.Unhealthy, cause: 'workloadsFailing' });
    expect(privileged?.subAssessments).toEqual([{ namespace: 'monitoring', kind: 'DaemonSet', name: 'node-agent', container: 'agent', field: 'containers[0].securityContext.privileged', value: 'true', sources: ['auditStream'] }]);
    expect(privileged?.additionalData).toMatchObject({ workloadsJudged: '3', workloadsFailing: '1', sources: 'auditStream' });
    const nonRootUser = assessmentOf(results, 'pss-run-as-non-root-user');
    expect(nonRootUser?.subAssessments?.map((sub) => `${sub.namespace}/${sub.kind}/${sub.name}`)).toEqual(['batch/Pod/batch-runner']);
    expect(assessmentOf(results, 'pss-host-namespaces')?.subAssessments?.map((sub) => sub.field).sort()).toEqual(['hostNetwork', 'hostPID']);
    expect(results.every((result) => result.metadata.categories.includes(AssessmentCategory.Workload))).toBe(true);
    expect(results.every((result) => result.clusterResourceId === CLUSTER && result.subscriptionId === SUB)).toBe(true);
  });

  it('when only the restricted Deployment is left, then the pod controls are Healthy and the Service and Ingress controls NotApplicable', () => {
    const results = evaluateWorkloadAssessments(SUB, { clusterResourceId: CLUSTER, workloads: [deployment] }, DEFAULT_WORKLOAD_SETTINGS);
    for (const control of ['pss-privileged', 'pss-host-namespaces', 'pss-run-as-non-root', 'pss-seccomp-restricted', 'pss-capabilities-restricted']) {
      expect([control, assessmentOf(results, control)?.status.code]).toEqual([control, AssessmentStatusCode.Healthy]);
    }
    expect(assessmentOf(results, 'internal-load-balancer')?.status).toMatchObject({ code: AssessmentStatusCode.NotApplicable, cause: 'noWorkloadsJudged' });
    expect(assessmentOf(results, 'https-only-ingress')?.status.code).toBe(AssessmentStatusCode.NotApplicable);
  });

  it('when a workload was only seen partially (no object), then it is counted as partial and judged by nothing', () => {
    const partial = inventoryOf(manifest('privileged-daemonset.yaml'), { partial: true, name: 'seen-as-patch' });
    delete partial.object;
    const results = evaluateWorkloadAssessments(SUB, { clusterResourceId: CLUSTER, workloads: [partial] }, DEFAULT_WORKLOAD_SETTINGS);
    expect(assessmentOf(results, 'pss-privileged')).toMatchObject({ status: { code: AssessmentStatusCode.NotApplicable }, additionalData: { partialWorkloads: '1', workloadsJudged: '0' } });
  });

  it('when Azure Policy reports the same failure, then the sub-assessment names both sources; a failure only it reports is added with its source, and a disagreement is counted', () => {
    const definition = '/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4';
    const policy = (name: string, kind: string, namespace: string, compliant: boolean): PolicyControlResult => ({
      clusterResourceId: CLUSTER,
      controlName: 'pss-privileged',
      component: { namespace, kind, name },
      compliant,
      source: 'azurePolicy',
      policyDefinitionId: definition,
    });
    const results = evaluateWorkloadAssessments(
      SUB,
      {
        clusterResourceId: CLUSTER,
        workloads: [deployment, daemonSet, rootPod],
        azurePolicy: [policy('node-agent-x7k2p', 'Pod', 'monitoring', false), policy('legacy-proxy', 'Pod', 'edge', false), policy('batch-runner', 'Pod', 'batch', false)],
      },
      DEFAULT_WORKLOAD_SETTINGS,
    );
    const privileged = assessmentOf(results, 'pss-privileged');
    expect(privileged?.additionalData).toMatchObject({ sources: 'auditStream,azurePolicy' });
    expect(privileged?.subAssessments?.map((sub) => [sub.namespace, sub.name, sub.sources])).toEqual([
      ['batch', 'batch-runner', ['azurePolicy']],
      ['edge', 'legacy-proxy', ['azurePolicy']],
      ['monitoring', 'node-agent', ['auditStream', 'azurePolicy']],
    ]);
    // The audit stream says batch-runner is not privileged while Azure Policy says it is: one disagreement.
    expect(Number(privileged?.additionalData['azurePolicyDisagreements'])).toBeGreaterThanOrEqual(1);
  });

  it('when more objects fail than are kept, then the rest are counted', () => {
    const many = Array.from({ length: MAX_SUB_ASSESSMENTS + 5 }, (_, index) => inventoryOf(manifest('privileged-daemonset.yaml'), { id: `ds-${index}`, name: `agent-${String(index).padStart(3, '0')}` }));
    const privileged = assessmentOf(evaluateWorkloadAssessments(SUB, { clusterResourceId: CLUSTER, workloads: many }, DEFAULT_WORKLOAD_SETTINGS), 'pss-privileged');
    expect(privileged?.subAssessments).toHaveLength(MAX_SUB_ASSESSMENTS);
    expect(privileged?.additionalData['subAssessmentsOmitted']).toBe('5');
  });

  it('when a workload lives in an excluded namespace, then no control judges it', () => {
    const inKubeSystem = inventoryOf(manifest('privileged-daemonset.yaml'), { namespace: 'kube-system' });
    const results = evaluateWorkloadAssessments(SUB, { clusterResourceId: CLUSTER, workloads: [inKubeSystem] }, DEFAULT_WORKLOAD_SETTINGS);
    expect(results.filter((result) => result.status.code === AssessmentStatusCode.Unhealthy)).toEqual([]);
  });
});
