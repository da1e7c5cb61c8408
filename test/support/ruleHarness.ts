import { type AuditRecord, type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { normalizeAuditEvent } from '../../shared/kubernetes/normalizeAuditEvent';
import { type DetectionContext } from '../../shared/detection/detectionContext';
import { evaluateRules, type EvaluationResult } from '../../shared/detection/evaluateRules';
import { type Rule } from '../../shared/detection/rule';

export const TEST_CLUSTER: ClusterIdentity = parseClusterResourceId(
  '/SUBSCRIPTIONS/6B1E0C3D-2F4A-4B5C-8D6E-7F8091A2B3C4/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01',
) as ClusterIdentity;

/** Normalizes a raw audit event (as in a rule's examples) into a record of the test cluster; throws if it is not valid. */
export function recordOf(rawEvent: unknown, index = 0): AuditRecord {
  const normalized = normalizeAuditEvent(rawEvent);
  if (!normalized.ok) throw new Error(`example event is not a valid audit event: ${normalized.detail}`);
  return { event: normalized.event, cluster: TEST_CLUSTER, source: { index } };
}

/** Runs rules over raw audit events. */
export function evaluate(rules: readonly Rule[], rawEvents: readonly unknown[], context?: DetectionContext): EvaluationResult {
  return evaluateRules(
    rawEvents.map((raw, index) => recordOf(raw, index)),
    { rules, ...(context === undefined ? {} : { context }) },
  );
}
