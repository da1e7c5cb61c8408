import { type AuditEvent } from '../../kubernetes/auditEvent';

/** Small, well-named facts about a request, the vocabulary rules are written in. All total. */

export const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch']);
export const READ_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch']);

/** The resource (and optionally subresource) the request is about. `resource` may list alternatives. */
export function isResource(event: AuditEvent, resource: string | ReadonlySet<string>, subresource?: string): boolean {
  const ref = event.objectRef;
  if (ref?.resource === undefined) return false;
  const resourceMatches = typeof resource === 'string' ? ref.resource === resource : resource.has(ref.resource);
  return resourceMatches && ref.subresource === subresource;
}

/** The request is about the object itself (no subresource such as status or scale). */
export function isMainResource(event: AuditEvent): boolean {
  return event.objectRef?.subresource === undefined;
}

export function isCreate(event: AuditEvent): boolean {
  return event.verb === 'create';
}

/** create, update or patch. */
export function isWrite(event: AuditEvent): boolean {
  return WRITE_VERBS.has(event.verb);
}

export function isDelete(event: AuditEvent): boolean {
  return event.verb === 'delete' || event.verb === 'deletecollection';
}

export function isRead(event: AuditEvent): boolean {
  return READ_VERBS.has(event.verb);
}

/** The API group of the object (`''` is the core group). */
export function apiGroupOf(event: AuditEvent): string {
  return event.objectRef?.apiGroup ?? '';
}

export function namespaceOf(event: AuditEvent): string | undefined {
  return event.objectRef?.namespace;
}

/** The API server allowed the request and it succeeded: 2xx, or 101 for upgraded streams (exec, attach, port-forward). */
export function succeeded(event: AuditEvent): boolean {
  const code = event.responseStatus?.code;
  if (code === undefined) return false;
  return (code >= 200 && code < 300) || code === 101;
}

/** Authorization refused the request (403, or the authorizer's `forbid` decision). */
export function forbidden(event: AuditEvent): boolean {
  return event.responseStatus?.code === 403 || event.annotations['authorization.k8s.io/decision'] === 'forbid';
}

/** Authentication failed (401). */
export function unauthenticated(event: AuditEvent): boolean {
  return event.responseStatus?.code === 401;
}

/** The path part of the request URI (no query string). */
export function requestPath(event: AuditEvent): string {
  const query = event.requestURI.indexOf('?');
  return query === -1 ? event.requestURI : event.requestURI.slice(0, query);
}

/** Values of a query parameter of the request URI (exec's `command` is repeated once per argument). */
export function queryValues(event: AuditEvent, name: string): string[] {
  const query = event.requestURI.indexOf('?');
  if (query === -1) return [];
  try {
    return new URLSearchParams(event.requestURI.slice(query + 1)).getAll(name);
  } catch {
    return [];
  }
}

/** Verbs of the streaming pod subresources: POST (SPDY, `create`) or GET (WebSocket, kubectl 1.30+). */
const STREAM_VERBS: ReadonlySet<string> = new Set(['create', 'get']);

/** A streaming request on a pod subresource (`exec`, `attach`, `portforward`), whatever the transport. */
export function isPodStreamRequest(event: AuditEvent, subresource: string): boolean {
  return STREAM_VERBS.has(event.verb) && isResource(event, 'pods', subresource);
}
