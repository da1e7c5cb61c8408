import { type AuditEvent } from '../kubernetes/auditEvent';
import { type ContainerView, objectName } from '../kubernetes/workloads';
import { type AlertEntity, EntityType } from './entities';
import { imagesOf } from './predicates/podSecurity';
import { sourceIp } from './predicates/identities';

/**
 * The entities every request alert names: the acting account (and the real one behind an
 * impersonation), the client IP, the namespace and the object. Rules add their own after these.
 */
export function requestEntities(event: AuditEvent): AlertEntity[] {
  const entities: AlertEntity[] = [];
  if (event.impersonatedUser !== undefined) entities.push({ type: EntityType.account, name: event.impersonatedUser.username });
  entities.push({ type: EntityType.account, name: event.user.username });
  const ip = sourceIp(event);
  if (ip !== undefined) entities.push({ type: EntityType.ip, address: ip });
  const namespace = event.objectRef?.namespace;
  if (namespace !== undefined) entities.push({ type: EntityType.namespace, name: namespace });
  const resource = event.objectRef?.resource;
  const name = objectName(event);
  if (resource !== undefined && name !== undefined) {
    entities.push({
      type: resource === 'pods' ? EntityType.pod : EntityType.resource,
      kind: resource,
      name,
      ...(namespace === undefined ? {} : { namespace }),
    });
  }
  return entities;
}

/** Container and image entities for the given containers (images once each). */
export function containerEntities(containers: readonly ContainerView[]): AlertEntity[] {
  return [
    ...containers.map((container): AlertEntity => ({ type: EntityType.container, name: container.name })),
    ...imagesOf(containers).map((image): AlertEntity => ({ type: EntityType.image, imageId: image })),
  ];
}
