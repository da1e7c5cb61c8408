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
  const system = context.lists.systemIdentities;
  return system.matches(event.user.username) && (event.impersonatedUser === undefined || system.matches(event.impersonatedUser.username));
}

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

export function isServiceAccount(username: string): boolean {
  return serviceAccountOf(username) !== undefined;
}

export function isNodeIdentity(username: string): boolean {
  return username.startsWith('system:node:');
}

/** The first source IP: the client as the API server saw it. */
export function sourceIp(event: AuditEvent): string | undefined {
  return event.sourceIPs[0];
}
