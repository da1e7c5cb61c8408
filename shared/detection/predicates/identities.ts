import { type AuditEvent, type UserInfo } from '../../kubernetes/auditEvent';
import { type DetectionContext } from '../detectionContext';

/** The identity the request acted as: the impersonated user when there is one. */
export function actingUser(event: AuditEvent): UserInfo {
  return event.impersonatedUser ?? event.user;
}

export function actingUsername(event: AuditEvent): string {
  return actingUser(event).username;
}

/**
 * The cluster itself made the request: the authenticated user is a listed system identity and so is
 * the impersonated one, if any (impersonating a controller does not make an attacker trusted).
 */
export function isSystemRequest(event: AuditEvent, context: DetectionContext): boolean {
  // A dozen rules ask of every request: the answer for the last event and context is kept.
  if (event === lastSystemRequest.event && context === lastSystemRequest.context) return lastSystemRequest.answer;
  const system = context.lists.systemIdentities;
  const answer = system.matches(event.user.username) && (event.impersonatedUser === undefined || system.matches(event.impersonatedUser.username));
  lastSystemRequest = { event, context, answer };
  return answer;
}

let lastSystemRequest: { event?: AuditEvent; context?: DetectionContext; answer: boolean } = { answer: false };

export function isAnonymous(user: UserInfo): boolean {
  return user.username === 'system:anonymous' || user.groups.includes('system:unauthenticated');
}

const serviceAccountPrefix = 'system:serviceaccount:';

/** `{ namespace, name }` of a service-account username, undefined for anything else. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountPrefix)) return undefined;
  const [namespace, name] = username.slice(serviceAccountPrefix.length).split(':');
  return namespace && name ? { namespace, name } : undefined;
}

/** Whether `serviceAccountOf` would give an account, without making one (most requests are asked). */
export function isServiceAccount(username: string): boolean {
  if (!username.startsWith(serviceAccountPrefix)) return false;
  const separator = username.indexOf(':', serviceAccountPrefix.length);
  return separator > serviceAccountPrefix.length && separator + 1 < username.length && username[separator + 1] !== ':';
}

export function isNodeIdentity(username: string): boolean {
  return username.startsWith('system:node:');
}

/** The first source IP: the client as the API server saw it. */
export function sourceIp(event: AuditEvent): string | undefined {
  return event.sourceIPs[0];
}
