import { type AuditEvent } from '../../kubernetes/auditEvent';
import { type DetectionContext } from '../detectionContext';
import { serviceAccountOf } from './identities';
import { isSelfSubjectReview } from './rbacRoles';
import { Refusal, refusalOf } from './refusals';
import { apiGroupOf, isRead, isResource, requestPath } from './requests';

/**
 * What API enumeration bursts count: the paths a caller probes, and which of its requests were refused. All total.
 * The values are request paths without the query string (a list and a watch of the same collection are one path, and
 * no token or selector in a query ends up in an alert).
 */

/** Health probes, polled anonymously by load balancers and monitoring: never part of a probe. */
const HEALTH_PATH = /^\/(healthz|livez|readyz)(\/|$)/;

/**
 * The discovery documents every client fetches before its first request and caches (kubectl for hours): `/api`,
 * `/apis`, `/apis/<group>`, `/api/v1`, `/apis/<group>/<version>`, the OpenAPI documents, `/version` and the
 * service-account issuer's OIDC documents. Only ever non-resource requests (a resource request names an object).
 */
const DISCOVERY_PATH = /^\/(api|apis)(\/[^/]+){0,2}\/?$|^\/openapi(\/|$)|^\/version\/?$|^\/\.well-known\/openid-configuration$|^\/openid\/v1\/jwks$/;

/** Leader election renews a Lease every few seconds: reading one is bookkeeping, not looking around. */
function isLeaseRequest(event: AuditEvent): boolean {
  return isResource(event, 'leases') && apiGroupOf(event) === 'coordination.k8s.io';
}

/** The path probed; undefined for health probes. */
export function probedPath(event: AuditEvent): string | undefined {
  const path = requestPath(event);
  return path === '' || HEALTH_PATH.test(path) ? undefined : path;
}

/** A request for a discovery document (no object). */
export function isDiscoveryRequest(event: AuditEvent): boolean {
  return event.objectRef === undefined && DISCOVERY_PATH.test(requestPath(event));
}

/**
 * A request that looks around: a read of an API object (leases excluded), a permission check (`kubectl auth can-i`),
 * or a non-resource path other than discovery (`/metrics`, `/logs`, `/debug/pprof`, `/`).
 */
export function isLookingAround(event: AuditEvent): boolean {
  if (event.objectRef === undefined) return !isDiscoveryRequest(event);
  if (isSelfSubjectReview(event)) return true;
  return isRead(event) && !isLeaseRequest(event);
}

/**
 * Refused by authentication (401) or authorization (403), as `refusalOf` says (not by admission, not a 404). A
 * platform component's service account (an infrastructure namespace's) refused a read does not count: after an
 * API-server restart or upgrade the authorizer refuses their informers' first lists until it has loaded their
 * bindings, many resources at once.
 */
export function isRefusedProbe(event: AuditEvent, context: DetectionContext): boolean {
  const refusal = refusalOf(event);
  if (refusal === undefined) return false;
  if (refusal === Refusal.forbidden && isRead(event)) {
    const account = serviceAccountOf(event.user.username);
    if (account !== undefined && context.lists.infrastructureNamespaces.matches(account.namespace)) return false;
  }
  return true;
}
