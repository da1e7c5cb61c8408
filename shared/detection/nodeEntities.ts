import { type NodeEvent, type NodeProcess } from '../node/nodeEvent';
import { type AlertEntity, EntityType } from './entities';
import { redactText } from './redaction';

/** Ancestors named in an alert beyond the parent: enough to see how the process was started, bounded. */
const MAX_ANCESTOR_ENTITIES = 3;

/**
 * The entities every node alert names: the node (host), the pod, its namespace and workload, the container
 * and its image (none for host processes), and the process tree (the process, its parent and a few
 * ancestors, command lines redacted). Rules add their own after these (a file, a remote address).
 */
export function nodeEventEntities(event: NodeEvent): AlertEntity[] {
  const entities: AlertEntity[] = [{ type: EntityType.host, name: event.nodeName }];
  const pod = event.process.pod;
  if (pod !== undefined) {
    entities.push({ type: EntityType.namespace, name: pod.namespace });
    entities.push({ type: EntityType.pod, name: pod.name, namespace: pod.namespace });
    if (pod.workload !== undefined && pod.workload !== '' && pod.workload !== pod.name) {
      entities.push({ type: EntityType.workload, name: pod.workload, namespace: pod.namespace, ...(pod.workloadKind === undefined ? {} : { kind: pod.workloadKind }) });
    }
    const container = pod.container;
    if (container?.name !== undefined) entities.push({ type: EntityType.container, name: container.name, hostName: event.nodeName });
    const image = container?.image?.name ?? container?.image?.id;
    if (image !== undefined && image !== '') entities.push({ type: EntityType.image, imageId: image });
  }
  entities.push(processEntity(event.process, 'process', event.nodeName));
  if (event.parent !== undefined) entities.push(processEntity(event.parent, 'parent', event.nodeName));
  for (const ancestor of event.ancestors.slice(0, MAX_ANCESTOR_ENTITIES)) entities.push(processEntity(ancestor, 'ancestor', event.nodeName));
  return entities;
}

/** A process entity: the binary, the redacted command line, the pid. */
export function processEntity(process: NodeProcess, role: 'process' | 'parent' | 'ancestor', hostName: string): AlertEntity {
  return {
    type: EntityType.process,
    name: process.binary,
    commandLine: commandLineOf(process),
    role,
    hostName,
    ...(process.pid === undefined ? {} : { processId: process.pid }),
  };
}

/** The process's command line as an alert shows it: the binary and its arguments, secrets redacted, bounded. */
export function commandLineOf(process: NodeProcess): string {
  return redactText(process.arguments === '' ? process.binary : `${process.binary} ${process.arguments}`);
}

/** What makes two node findings of a rule "the same": the workload (or pod, or node for host processes) and the binary. */
export function nodeDedupKey(event: NodeEvent, ...facts: readonly string[]): string {
  const pod = event.process.pod;
  const where = pod === undefined ? `node:${event.nodeName}` : `${pod.namespace}/${pod.workload ?? pod.name}`;
  return [where, event.process.binary, ...facts].join('|');
}
