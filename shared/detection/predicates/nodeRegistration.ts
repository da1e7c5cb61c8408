import { type AuditEvent } from '../../kubernetes/auditEvent';
import { objectName } from '../../kubernetes/workloads';
import { type DetectionContext } from '../detectionContext';
import { type AlertEntity, EntityType } from '../entities';
import { requestEntities } from '../requestEntities';
import { CERTIFICATES_GROUP, isBootstrapIdentity, isCsrCreate, requestedSubject } from './certificateRequests';
import { actingUsername, isAnonymous } from './identities';
import { apiGroupOf, forbidden, isCreate, isResource, succeeded, unauthenticated } from './requests';

/**
 * Nodes joining the cluster, as the audit log shows it: the kubelet's CSR for its `system:node:<name>`
 * client certificate (made with a bootstrap token, or by the node itself when it renews) and its create of
 * its Node object. Pure and total.
 */

const NODE_USER_PREFIX = 'system:node:';

/** The node name of a `system:node:<name>` identity. */
export function nodeNameOfUser(username: string): string | undefined {
  if (!username.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = username.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}

export const RegistrationStep = {
  /** A create of the Node object (the kubelet registering). */
  nodeObject: 'node object created',
  /** A CSR for a `system:node:` client or serving certificate. */
  certificateRequest: 'node certificate requested',
} as const;
export type RegistrationStep = (typeof RegistrationStep)[keyof typeof RegistrationStep];

export interface NodeRegistration {
  step: RegistrationStep;
  /** The node's name; undefined when the record does not show it (a refused request logged without its body). */
  nodeName?: string;
  /** Where the name was read: the Node object, the CSR's subject, or the requester's node identity. */
  nameFrom?: 'object' | 'certificate subject' | 'requester';
}

/**
 * The request registers a node: a create of a Node, or a create of a CSR for a node identity (its subject
 * is `system:node:<name>`, or, when the body was not logged, the requester is a node, a bootstrap token, anonymous
 * or failed to authenticate).
 * Undefined for anything else, a user's own client certificate included.
 */
export function nodeRegistration(event: AuditEvent): NodeRegistration | undefined {
  if (isCreate(event) && isResource(event, 'nodes')) {
    const name = objectName(event);
    if (name !== undefined) return { step: RegistrationStep.nodeObject, nodeName: name, nameFrom: 'object' };
    const fromUser = nodeNameOfUser(actingUsername(event));
    return fromUser === undefined ? { step: RegistrationStep.nodeObject } : { step: RegistrationStep.nodeObject, nodeName: fromUser, nameFrom: 'requester' };
  }
  if (!isCsrCreate(event) || apiGroupOf(event) !== CERTIFICATES_GROUP) return undefined;
  const commonName = requestedSubject(event).commonName;
  if (commonName !== undefined) {
    const fromSubject = nodeNameOfUser(commonName);
    return fromSubject === undefined ? undefined : { step: RegistrationStep.certificateRequest, nodeName: fromSubject, nameFrom: 'certificate subject' };
  }
  const fromUser = nodeNameOfUser(actingUsername(event));
  if (fromUser !== undefined) return { step: RegistrationStep.certificateRequest, nodeName: fromUser, nameFrom: 'requester' };
  // Unnamed: a bootstrap token's request, or one that failed authentication (an expired bootstrap token, a kubelet without credentials).
  return isBootstrapIdentity(event) || unauthenticated(event) || isAnonymous(event.user) ? { step: RegistrationStep.certificateRequest } : undefined;
}

/** The node name is on the `allowedNodes` list (entries may name the node or its `system:node:` identity). */
export function isAllowedNode(nodeName: string | undefined, context: DetectionContext): boolean {
  if (nodeName === undefined) return false;
  const list = context.lists.allowedNodes;
  return list.matches(nodeName) || list.matches(`${NODE_USER_PREFIX}${nodeName}`);
}

/**
 * The node names the request involves: the registering node's and, when a node makes the request, the
 * requester's own (a node refused when it registers under another node's name is judged by its own name too).
 */
export function registrationNodeNames(event: AuditEvent, registration: NodeRegistration): string[] {
  const requester = nodeNameOfUser(actingUsername(event));
  return [...new Set([registration.nodeName, requester].filter((name): name is string => name !== undefined))];
}

/** The names the request involves that are not on the `allowedNodes` list. */
export function untrustedNodeNames(event: AuditEvent, registration: NodeRegistration, context: DetectionContext): string[] {
  return registrationNodeNames(event, registration).filter((name) => !isAllowedNode(name, context));
}

/** The node-allow-list policy is set (an empty list allows every node). */
export function isNodePolicySet(context: DetectionContext): boolean {
  return context.lists.allowedNodes.patterns.length > 0;
}

/**
 * The registration went through: the request succeeded, or a kubelet that restarted found its Node object
 * already there (409 AlreadyExists to a create by the node itself), which means the node is in the cluster.
 */
export function registrationSucceeded(event: AuditEvent, registration: NodeRegistration): boolean {
  if (succeeded(event)) return true;
  return (
    registration.step === RegistrationStep.nodeObject &&
    event.responseStatus?.code === 409 &&
    registration.nodeName !== undefined &&
    nodeNameOfUser(actingUsername(event)) === registration.nodeName
  );
}

/** The API server refused the registration: authentication failed (401) or authorization or admission forbade it (403). */
export function registrationRefused(event: AuditEvent): boolean {
  return forbidden(event) || unauthenticated(event);
}

/** What kind of identity asked, for the analyst. */
export function requesterKind(event: AuditEvent): string {
  if (event.user.username === '' || isAnonymous(event.user)) return 'anonymous or unauthenticated';
  if (isBootstrapIdentity(event)) return 'bootstrap token';
  if (nodeNameOfUser(actingUsername(event)) !== undefined) return 'node';
  return 'other identity';
}

/** The request's entities plus the node, unless the request's own object already names it. */
export function nodeRegistrationEntities(event: AuditEvent, registration: NodeRegistration): AlertEntity[] {
  const entities = requestEntities(event);
  const name = registration.nodeName;
  const named = entities.some((entity) => entity.kind === 'nodes' && entity.name === name);
  if (name !== undefined && !named) entities.push({ type: EntityType.resource, kind: 'nodes', name });
  return entities;
}

/** Facts every node-registration alert states. */
export function nodeRegistrationDetails(event: AuditEvent, registration: NodeRegistration, context: DetectionContext): Record<string, string> {
  const untrusted = untrustedNodeNames(event, registration, context);
  return {
    nodeName: registration.nodeName ?? 'unknown (the request body was not logged)',
    untrustedNodeNames: untrusted.length === 0 ? 'unknown' : untrusted.join(', '),
    ...(registration.nameFrom === undefined ? {} : { nodeNameFrom: registration.nameFrom }),
    step: registration.step,
    requester: requesterKind(event),
    responseCode: String(event.responseStatus?.code ?? ''),
    allowedNodes: context.lists.allowedNodes.patterns.join(', '),
  };
}
