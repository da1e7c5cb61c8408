import { type AuditEvent } from '../../kubernetes/auditEvent';
import { topOwnerOf } from '../../kubernetes/workloadOwner';
import { WORKLOAD_RESOURCES } from '../../kubernetes/workloads';
import { type DetectionContext } from '../detectionContext';
import { type AlertEntity, EntityType } from '../entities';
import { actingUsername, isSystemRequest } from './identities';
import { isCreate, isResource, isWrite, namespaceOf, succeeded } from './requests';

/**
 * A successful write of a pod spec that the pod-spec rules judge (privileged, host mounts, host
 * namespaces, capabilities, images, ...):
 * - a pod create by any identity, controllers included: it is the one event that always carries the spec
 *   that will run (the owning Deployment's write may be logged without a body, predate the plan, or not
 *   exist when an operator creates pods itself);
 * - any other write of a pod or pod controller by an identity that is not the cluster's own (the
 *   controllers' copies of a template, a ReplicaSet written by the deployment controller, add nothing).
 * The pod subresources (status, binding, ...) carry no spec and are not writes of one.
 */
export function isJudgedPodSpecWrite(event: AuditEvent, context: DetectionContext): boolean {
  if (!isWrite(event) || !isResource(event, WORKLOAD_RESOURCES) || !succeeded(event)) return false;
  if (isCreate(event) && event.objectRef?.resource === 'pods') return true;
  return !isSystemRequest(event, context);
}

/**
 * What pod-spec alerts aggregate under: the namespace and the top owning workload, so that a Deployment
 * write and its ReplicaSet's pods, whoever writes them and in whichever order, are one alert. Bare pods
 * (no owner) aggregate per namespace and acting identity.
 */
export function workloadDedupKey(event: AuditEvent): string {
  const owner = topOwnerOf(event);
  const namespace = namespaceOf(event) ?? '';
  // Bare pods belong to no workload: one person's pods in a namespace are one alert, as a person's writes always were.
  if (owner === undefined || owner.resource === 'pods') return `${namespace}|${event.objectRef?.resource ?? ''}|${actingUsername(event)}`;
  return `${namespace}|${owner.resource}/${owner.name}`;
}

/** The top owning workload as an alert entity (a Deployment rather than one of its pods), when it is known. */
export function ownerEntities(event: AuditEvent): AlertEntity[] {
  const owner = topOwnerOf(event);
  if (owner === undefined || owner.resource === 'pods') return [];
  const namespace = namespaceOf(event);
  return [{ type: EntityType.workload, kind: owner.resource, name: owner.name, ...(namespace === undefined ? {} : { namespace }) }];
}
