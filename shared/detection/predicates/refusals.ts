import { type AuditEvent } from '../../kubernetes/auditEvent';
import { type DetectionContext } from '../detectionContext';
import { type AlertEntity, EntityType } from '../entities';
import { requestEntities } from '../requestEntities';
import { isAnonymous, isSystemRequest } from './identities';
import { authorizationDenied, deniedImpersonationTarget } from './rbacRoles';
import { unauthenticated } from './requests';

/**
 * Refused requests: why the API server refused one (authentication or authorization, not admission or a missing
 * object) and who the refused caller is. All total.
 */

export const Refusal = {
  /** 401: the credentials were missing, expired or invalid. The API server logs it at ResponseStarted, without a user. */
  unauthenticated: 'unauthenticated',
  /** 403 from the authorizer (RBAC, Node, webhook authorizers): the caller is known but not allowed. */
  forbidden: 'forbidden',
} as const;
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

/**
 * Why authentication or authorization refused the request; undefined for requests that were allowed, refused by
 * admission (a webhook or policy 403 carries the authorizer's `allow`), missing (404) or in conflict (409), and for
 * refused impersonations (the 403 is about the `--as` target, which the impersonation rule reports).
 */
export function refusalOf(event: AuditEvent): Refusal | undefined {
  if (unauthenticated(event)) return Refusal.unauthenticated;
  if (!authorizationDenied(event) || deniedImpersonationTarget(event) !== undefined) return undefined;
  return Refusal.forbidden;
}

export const CallerKind = {
  person: 'person',
  anonymous: 'anonymous',
  unauthenticated: 'unauthenticated',
} as const;
export type CallerKind = (typeof CallerKind)[keyof typeof CallerKind];

/**
 * The refused caller when it is not a workload or part of the cluster: a person (an identity-provider user, a
 * client certificate, a static token), an anonymous client, or a client whose credentials failed (401, no user).
 * Undefined for service accounts (the service-account-request-denied rule's), nodes, bootstrap tokens and other
 * `system:` identities, and for listed system identities.
 */
export function refusedCallerKind(event: AuditEvent, context: DetectionContext): CallerKind | undefined {
  const username = event.user.username;
  if (username === '' || unauthenticated(event)) return CallerKind.unauthenticated;
  if (isAnonymous(event.user)) return CallerKind.anonymous;
  if (username.startsWith('system:') || isSystemRequest(event, context)) return undefined;
  return CallerKind.person;
}

/**
 * How an alert names the caller: the username, or a placeholder when authentication failed (the API server logs a 401
 * without a user, which normalization may have filled with a placeholder of its own).
 */
export function callerLabel(event: AuditEvent): string {
  return event.user.username === '' || unauthenticated(event) ? '(unauthenticated)' : event.user.username;
}

/** The request's entities; without the account when authentication failed, since no identity was established. */
export function refusalEntities(event: AuditEvent): AlertEntity[] {
  const entities = requestEntities(event);
  return unauthenticated(event) ? entities.filter((entity) => entity.type !== EntityType.account) : entities;
}
