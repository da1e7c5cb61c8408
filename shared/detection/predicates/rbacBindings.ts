import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asObject, asString, getPath, objectsAt } from '../../kubernetes/jsonValues';
import { objectName, writtenObject } from '../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../entities';
import { requestEntities } from '../requestEntities';
import { apiGroupOf, isMainResource, isResource, namespaceOf } from './requests';

/** RoleBinding and ClusterRoleBinding facts: what a binding grants (roleRef) and to whom (subjects). All total. */

export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';
export const BINDING_RESOURCES: ReadonlySet<string> = new Set(['rolebindings', 'clusterrolebindings']);

/** The built-in ClusterRoles that give administrative or write access to everything they are bound on. */
export const ADMIN_CLUSTER_ROLES: readonly string[] = ['cluster-admin', 'admin', 'edit'];

export interface RoleRef {
  kind: string;
  name: string;
}

export interface BindingSubject {
  kind: string;
  name: string;
  /** Namespace of a ServiceAccount subject, as written (may be absent in a RoleBinding). */
  namespace?: string;
}

/** The request is about a RoleBinding or ClusterRoleBinding object itself (not a subresource). */
export function isBindingResource(event: AuditEvent): boolean {
  return isResource(event, BINDING_RESOURCES) && isMainResource(event) && apiGroupOf(event) === RBAC_API_GROUP;
}

export function isClusterRoleBinding(event: AuditEvent): boolean {
  return event.objectRef?.resource === 'clusterrolebindings';
}

/**
 * The role the binding grants. `roleRef` is immutable, so when a patch does not carry it, the binding the
 * server returned says what it is.
 */
export function bindingRoleRef(event: AuditEvent): RoleRef | undefined {
  const fromBody = roleRefIn(writtenObject(event));
  if (fromBody !== undefined) return fromBody;
  const response = asObject(event.responseObject);
  return response === undefined || response.kind === 'Status' ? undefined : roleRefIn(response);
}

function roleRefIn(object: unknown): RoleRef | undefined {
  const kind = asString(getPath(object, 'roleRef', 'kind'));
  const name = asString(getPath(object, 'roleRef', 'name'));
  return kind !== undefined && name !== undefined ? { kind, name } : undefined;
}

/**
 * The subjects the request wrote: every subject of a created or replaced binding, the subjects a patch
 * sets or adds. A patch that does not touch `subjects` writes none (and grants nothing new).
 */
export function writtenSubjects(event: AuditEvent): BindingSubject[] {
  const out: BindingSubject[] = [];
  for (const subject of objectsAt(writtenObject(event), 'subjects')) {
    const kind = asString(subject.kind);
    const name = asString(subject.name);
    if (kind === undefined || name === undefined) continue;
    const namespace = asString(subject.namespace);
    out.push(namespace === undefined ? { kind, name } : { kind, name, namespace });
  }
  return out;
}

/** The role is the built-in ClusterRole of that name (a namespaced Role called `admin` is someone's own). */
export function isClusterRoleNamed(roleRef: RoleRef | undefined, names: readonly string[]): boolean {
  return roleRef?.kind === 'ClusterRole' && names.includes(roleRef.name);
}

export function isAnonymousSubject(subject: BindingSubject): boolean {
  return (
    (subject.kind === 'User' && subject.name === 'system:anonymous') || (subject.kind === 'Group' && subject.name === 'system:unauthenticated')
  );
}

/** The group every authenticated identity belongs to: on a managed cluster, anyone the identity provider knows. */
export function isAllAuthenticatedSubject(subject: BindingSubject): boolean {
  return subject.kind === 'Group' && subject.name === 'system:authenticated';
}

/**
 * The subject covers a `default` service account: the account itself, its username as a User, or a group
 * holding every service account (`system:serviceaccounts`) or those of one namespace.
 */
export function coversDefaultServiceAccount(subject: BindingSubject): boolean {
  switch (subject.kind) {
    case 'ServiceAccount':
      return subject.name === 'default';
    case 'User':
      return /^system:serviceaccount:[^:]+:default$/.test(subject.name);
    case 'Group':
      return subject.name === 'system:serviceaccounts' || /^system:serviceaccounts:[^:]+$/.test(subject.name);
    default:
      return false;
  }
}

/** `Kind:name` (`ServiceAccount:namespace/name`) for details and messages. */
export function subjectLabel(subject: BindingSubject, bindingNamespace?: string): string {
  if (subject.kind !== 'ServiceAccount') return `${subject.kind}:${subject.name}`;
  const namespace = subject.namespace ?? bindingNamespace;
  return `ServiceAccount:${namespace === undefined ? '' : `${namespace}/`}${subject.name}`;
}

/** Request entities plus the granted role and the bound subjects (service accounts and users; groups go to details). */
export function bindingEntities(event: AuditEvent, subjects: readonly BindingSubject[]): AlertEntity[] {
  const entities = requestEntities(event);
  const roleRef = bindingRoleRef(event);
  if (roleRef !== undefined) entities.push({ type: EntityType.role, kind: roleRef.kind, name: roleRef.name });
  const bindingNamespace = namespaceOf(event);
  for (const subject of subjects) {
    if (subject.kind === 'ServiceAccount') {
      const namespace = subject.namespace ?? bindingNamespace;
      entities.push({ type: EntityType.serviceAccount, name: subject.name, ...(namespace === undefined ? {} : { namespace }) });
    } else if (subject.kind === 'User') {
      entities.push({ type: EntityType.account, name: subject.name });
    }
  }
  return entities;
}

/** The facts every binding alert states: the role, where it applies and the subjects. */
export function bindingDetails(event: AuditEvent, subjects: readonly BindingSubject[]): Record<string, string> {
  const roleRef = bindingRoleRef(event);
  const bindingNamespace = namespaceOf(event);
  return {
    bindingKind: isClusterRoleBinding(event) ? 'ClusterRoleBinding' : 'RoleBinding',
    scope: isClusterRoleBinding(event) ? 'cluster' : `namespace ${bindingNamespace ?? ''}`,
    roleRef: roleRef === undefined ? '' : `${roleRef.kind}/${roleRef.name}`,
    subjects: subjects.map((subject) => subjectLabel(subject, bindingNamespace)).join(', '),
  };
}

/** Dedup key shared by binding rules: the binding, who wrote it, and the role. */
export function bindingDedupKey(event: AuditEvent): string {
  const binding = `${event.objectRef?.resource ?? ''}|${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}`;
  return `${binding}|${bindingRoleRef(event)?.name ?? ''}|${event.user.username}`;
}
