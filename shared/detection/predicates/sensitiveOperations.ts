import { type AuditEvent } from '../../kubernetes/auditEvent';
import { type DetectionContext } from '../detectionContext';
import { CERTIFICATES_GROUP, CSR_RESOURCE } from './certificateRequests';
import { actingUsername, isSystemRequest } from './identities';
import { RBAC_API_GROUP } from './rbacBindings';
import { isTrustedRbacWriter } from './rbacWriters';
import { apiGroupOf, isPodStreamRequest, isResource, READ_VERBS, WRITE_VERBS } from './requests';

/**
 * The sensitive operations of the API (what hands over credentials, rights or a shell), named `verb resource[/subresource]`
 * for profiles of who usually does what. Pure and total.
 */

export const RBAC_RESOURCES: ReadonlySet<string> = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

export const SensitiveOperationKind = {
  /** get, list or watch of Secrets. */
  secretRead: 'secretRead',
  /** create, update or patch of Roles, ClusterRoles and their bindings (`bind` and `escalate` are checked by the authorizer, never logged as verbs). */
  rbacWrite: 'rbacWrite',
  /** A shell or the main process of a container: pods/exec, pods/attach. */
  podStream: 'podStream',
  /** The kubelet's API through the API server: nodes/proxy. */
  nodeProxy: 'nodeProxy',
  /** A TokenRequest: serviceaccounts/token. */
  tokenRequest: 'tokenRequest',
  /** A CertificateSigningRequest created, or approved (its `approval` subresource written). */
  certificateRequest: 'certificateRequest',
} as const;
export type SensitiveOperationKind = (typeof SensitiveOperationKind)[keyof typeof SensitiveOperationKind];

export interface SensitiveOperation {
  kind: SensitiveOperationKind;
  /** `verb resource[/subresource]`: `get secrets`, `create pods/exec`, `update certificatesigningrequests/approval`. */
  operation: string;
}

/** The resources whose requests can be sensitive operations (a rule's `resources`). */
export const SENSITIVE_OPERATION_RESOURCES: readonly string[] = ['secrets', ...RBAC_RESOURCES, 'pods', 'nodes', 'serviceaccounts', CSR_RESOURCE];

/**
 * The sensitive operation the request is, if any. Streams are named `create` whatever the transport (SPDY posts, WebSocket
 * clients such as kubectl 1.30+ send `get`), so a client upgrade is not a new operation.
 */
export function sensitiveOperationOf(event: AuditEvent): SensitiveOperation | undefined {
  const verb = event.verb;
  if (isResource(event, 'secrets') && READ_VERBS.has(verb)) return { kind: SensitiveOperationKind.secretRead, operation: `${verb} secrets` };
  if (isResource(event, RBAC_RESOURCES) && apiGroupOf(event) === RBAC_API_GROUP && WRITE_VERBS.has(verb)) {
    return { kind: SensitiveOperationKind.rbacWrite, operation: `${verb} ${event.objectRef?.resource ?? ''}` };
  }
  for (const subresource of ['exec', 'attach']) {
    if (isPodStreamRequest(event, subresource)) return { kind: SensitiveOperationKind.podStream, operation: `create pods/${subresource}` };
  }
  if (isResource(event, 'nodes', 'proxy')) return { kind: SensitiveOperationKind.nodeProxy, operation: `${verb} nodes/proxy` };
  if (isResource(event, 'serviceaccounts', 'token') && verb === 'create') return { kind: SensitiveOperationKind.tokenRequest, operation: 'create serviceaccounts/token' };
  if (apiGroupOf(event) === CERTIFICATES_GROUP) {
    if (isResource(event, CSR_RESOURCE) && verb === 'create') return { kind: SensitiveOperationKind.certificateRequest, operation: `create ${CSR_RESOURCE}` };
    if (isResource(event, CSR_RESOURCE, 'approval') && (verb === 'update' || verb === 'patch')) {
      return { kind: SensitiveOperationKind.certificateRequest, operation: `update ${CSR_RESOURCE}/approval` };
    }
  }
  return undefined;
}

/**
 * The requester is trusted for this operation: the cluster's own identities for any, a listed secret reader
 * (`secretReaders`) for reading secrets, a listed RBAC manager (`rbacManagers`) for writing RBAC.
 */
export function isTrustedForOperation(event: AuditEvent, operation: SensitiveOperation, context: DetectionContext): boolean {
  if (isSystemRequest(event, context)) return true;
  switch (operation.kind) {
    case SensitiveOperationKind.secretRead:
      return context.lists.secretReaders.matches(actingUsername(event));
    case SensitiveOperationKind.rbacWrite:
      return isTrustedRbacWriter(event, context);
    default:
      return false;
  }
}
