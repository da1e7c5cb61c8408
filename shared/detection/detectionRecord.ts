import { type AuditRecord } from '../kubernetes/auditEvent';
import { type NodeEvent, type NodeRecord } from '../node/nodeEvent';

/**
 * One event of any signal with its cluster: what the engine evaluates and what a finding points at. The
 * functions here are the only place the alert layer looks into a record, so aggregation, ids, evidence and
 * correlation work alike for every signal.
 */
export type DetectionRecord = AuditRecord | NodeRecord;

export function isNodeRecord(record: DetectionRecord): record is NodeRecord {
  return record.signal === 'node';
}

/** When the event happened, as the source wrote it (the audit request's receipt; the node event's time). */
export function occurredAtOf(record: DetectionRecord): string {
  return isNodeRecord(record) ? record.event.time : record.event.requestReceivedTimestamp;
}

/** The id an alert keeps as evidence: the audit id, or the node event's derived id. */
export function evidenceIdOf(record: DetectionRecord): string {
  return isNodeRecord(record) ? record.event.id : record.event.auditID;
}

/**
 * Who acted, for the correlation key that groups alerts about the same actor: the (impersonated) user of an
 * audit event; the pod of a node event, or the node for host processes.
 */
export function actorOf(record: DetectionRecord): string {
  if (isNodeRecord(record)) {
    const pod = record.event.process.pod;
    return pod === undefined ? `node:${record.event.nodeName}` : `pod:${pod.namespace}/${pod.name}`;
  }
  return record.event.impersonatedUser?.username ?? record.event.user.username;
}

/** The facts every alert of the signal carries in its extended properties (rules add their own details). */
export function recordPropertiesOf(record: DetectionRecord): Record<string, string> {
  return isNodeRecord(record) ? nodeProperties(record.event) : auditProperties(record);
}

function auditProperties({ event }: AuditRecord): Record<string, string> {
  const objectRef = event.objectRef;
  return {
    ...(objectRef?.namespace === undefined ? {} : { namespace: objectRef.namespace }),
    verb: event.verb,
    ...(objectRef?.resource === undefined ? {} : { resource: objectRef.subresource === undefined ? objectRef.resource : `${objectRef.resource}/${objectRef.subresource}` }),
    ...(event.userAgent === undefined ? {} : { userAgent: event.userAgent.slice(0, 256) }),
  };
}

function nodeProperties(event: NodeEvent): Record<string, string> {
  const pod = event.process.pod;
  return {
    signal: 'node',
    node: event.nodeName,
    eventType: event.type,
    ...(pod === undefined ? {} : { namespace: pod.namespace, pod: pod.name }),
    ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule, falcoPriority: event.falco.priority }),
  };
}
