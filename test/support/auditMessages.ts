import { container, execEvent, workloadEvent } from '../../shared/detection/exampleEvents';
import { type EventBatch, type BatchMessage } from '../../shared/ingestion/eventHubBatch';

/**
 * Real-shaped audit traffic for pipeline tests: Event Hubs messages exactly as AKS diagnostic settings
 * send them (`{"records":[...]}`, the audit event as a JSON string in `properties.log`, an upper-case
 * resourceId), and batches with the positions the Event Hub trigger reports.
 */

export const INGEST_SUBSCRIPTION = '4d5e6f70-8192-4a3b-9c4d-5e6f708192a3';
export const OTHER_INGEST_SUBSCRIPTION = '5e6f7081-92a3-4b4c-8d5e-6f708192a3b4';
export const AUDIT_HUB = 'insights-logs-kube-audit';

/** The upper-case resource id AKS writes into every diagnostic record. */
export function aksResourceId(subscriptionId = INGEST_SUBSCRIPTION, cluster = 'aks-shop-prod'): string {
  return `/SUBSCRIPTIONS/${subscriptionId.toUpperCase()}/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/${cluster.toUpperCase()}`;
}

/** One diagnostic record around an audit event (or a raw `log` text). */
export function diagnosticRecord(event: Record<string, unknown> | string, options: { category?: string; resourceId?: string } = {}): Record<string, unknown> {
  return {
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    category: options.category ?? 'kube-audit',
    ccpNamespace: '65f1c0d2e3a4b50001a2b3c4',
    resourceId: options.resourceId ?? aksResourceId(),
    properties: {
      log: typeof event === 'string' ? event : `${JSON.stringify(event)}\n`,
      stream: 'stdout',
      pod: 'kube-apiserver-5b8c9d7f6-x2k4q',
    },
    time: typeof event === 'string' ? '2026-11-22T10:00:00.0000000Z' : `${String(event['requestReceivedTimestamp']).slice(0, 26)}0Z`,
  };
}

/** An Event Hubs message of AKS diagnostic records. */
export function aksMessage(records: readonly Record<string, unknown>[]): { records: Record<string, unknown>[] } {
  return { records: [...records] };
}

/** A privileged pod created at `time`: one occurrence of the privileged-container alert per pod name. */
export function privilegedPodEvent(auditID: string, time: string, name = 'debug-shell'): Record<string, unknown> {
  return workloadEvent('pods', { containers: [container({ name: 'shell', securityContext: { privileged: true } })] }, { auditID, time, name, namespace: 'shop' });
}

/** `kubectl exec` into a pod at `time`. */
export function execIntoPodEvent(auditID: string, time: string): Record<string, unknown> {
  return execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', command: ['sh', '-c', 'id'], auditID, time });
}

/** A routine request that raises nothing. */
export function benignEvent(auditID: string, time: string): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler',
    verb: 'update',
    user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
    sourceIPs: ['172.31.14.7'],
    userAgent: 'kube-scheduler/v1.30.5 (linux/amd64) kubernetes/74e84a9/leader-election',
    objectRef: { resource: 'leases', namespace: 'kube-system', name: 'kube-scheduler', apiGroup: 'coordination.k8s.io', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  };
}

export interface BatchOptions {
  partitionId?: string;
  firstSequenceNumber?: number;
  enqueuedTimeUtc?: string;
  eventHubName?: string;
  consumerGroup?: string;
}

/** A batch of messages as the pipeline gets it: consecutive sequence numbers and offsets of one partition. */
export function auditBatch(bodies: readonly unknown[], options: BatchOptions = {}): EventBatch {
  const first = options.firstSequenceNumber ?? 0;
  return {
    eventHubName: options.eventHubName ?? AUDIT_HUB,
    consumerGroup: options.consumerGroup ?? 'argus-ingestion',
    partitionId: options.partitionId ?? '0',
    messages: bodies.map(
      (body, index): BatchMessage => ({
        body,
        sequenceNumber: first + index,
        offset: String((first + index) * 4096),
        enqueuedTimeUtc: options.enqueuedTimeUtc ?? '2026-11-22T10:05:00.000Z',
      }),
    ),
  };
}

/** The trigger metadata the Functions host passes with a batch (cardinality many), for the same batch. */
export function triggerMetadataOf(batch: EventBatch): Record<string, unknown> {
  return {
    partitionContext: { eventHubName: batch.eventHubName, consumerGroup: batch.consumerGroup, partitionId: batch.partitionId, fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net' },
    sequenceNumberArray: batch.messages.map((m) => m.sequenceNumber),
    offsetArray: batch.messages.map((m) => m.offset),
    // The host writes these without a zone designator.
    enqueuedTimeUtcArray: batch.messages.map((m) => m.enqueuedTimeUtc.replace(/Z$/, '')),
    partitionKeyArray: batch.messages.map(() => null),
    propertiesArray: batch.messages.map(() => ({})),
  };
}
