import { type AuditRecord, type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { normalizeAuditEvent } from '../../shared/kubernetes/normalizeAuditEvent';
import { type DetectionContext } from '../../shared/detection/detectionContext';
import { type DetectionRecord } from '../../shared/detection/detectionRecord';
import { evaluateRules, type EvaluationResult } from '../../shared/detection/evaluateRules';
import { type Rule } from '../../shared/detection/rule';
import { type NodeRecord } from '../../shared/node/nodeEvent';
import { isNodeEventLike, normalizeNodeEvent } from '../../shared/node/normalizeNodeEvent';

export const TEST_CLUSTER: ClusterIdentity = parseClusterResourceId(
  '/SUBSCRIPTIONS/6B1E0C3D-2F4A-4B5C-8D6E-7F8091A2B3C4/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01',
) as ClusterIdentity;

/** Normalizes a raw audit event (as in a rule's examples) into a record of the test cluster; throws if it is not valid. */
export function recordOf(rawEvent: unknown, index = 0): AuditRecord {
  const normalized = normalizeAuditEvent(rawEvent);
  if (!normalized.ok) throw new Error(`example event is not a valid audit event: ${normalized.detail}`);
  return { event: normalized.event, cluster: TEST_CLUSTER, source: { index } };
}

/** Normalizes a raw node event (Tetragon or Falco, as in a node rule's examples) into a record of the test cluster; throws if it is not valid. */
export function nodeRecordOf(rawEvent: unknown, index = 0): NodeRecord {
  const normalized = normalizeNodeEvent(rawEvent);
  if (!normalized.ok) throw new Error(`example event is not a valid node event: ${normalized.detail}`);
  return { signal: 'node', event: normalized.event, cluster: TEST_CLUSTER, source: { index } };
}

/** A raw example event of either signal as the engine sees it. */
export function detectionRecordOf(rawEvent: unknown, index = 0): DetectionRecord {
  return isNodeEventLike(rawEvent) ? nodeRecordOf(rawEvent, index) : recordOf(rawEvent, index);
}

/** Runs rules over raw events of either signal (audit events, Tetragon events, Falco alerts). */
export function evaluate(rules: readonly Rule[], rawEvents: readonly unknown[], context?: DetectionContext): EvaluationResult {
  return evaluateRules(
    rawEvents.map((raw, index) => detectionRecordOf(raw, index)),
    { rules, ...(context === undefined ? {} : { context }) },
  );
}
