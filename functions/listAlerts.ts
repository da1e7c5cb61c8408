import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { AlertStatus } from '../shared/alerts/alert';
import { SubscriptionRole } from '../shared/auth/roles';
import { Severity } from '../shared/detection/rule';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { encodeOpaqueToken, opaqueToken, pageSize } from '../shared/http/queryValues';
import { parseClusterResourceId } from '../shared/kubernetes/clusterIdentity';
import { type AlertFilters, type AlertPosition, queryAlerts } from '../shared/store/alertStore';

export const DEFAULT_ALERTS_PAGE_SIZE = 50;
export const MAX_ALERTS_PAGE_SIZE = 200;

const SEVERITIES: readonly Severity[] = Object.values(Severity);
const STATUSES: readonly AlertStatus[] = Object.values(AlertStatus);
/** 2: the position is (timeGeneratedUtc, id); tokens of version 1 held a startTimeUtc and are refused. */
const CONTINUATION_VERSION = 2;

/** One value or comma-separated values of an enum, matched case-insensitively, returned in the enum's spelling, each once. */
function enumList<T extends string>(values: readonly T[]) {
  const byLowerCase = new Map(values.map((v) => [v.toLowerCase(), v]));
  const message = `must be one or more of ${values.join(', ')}, separated by commas`;
  return z
    .string()
    .transform((text, ctx) => {
      const chosen = new Set<T>();
      for (const part of text.split(',')) {
        const value = byLowerCase.get(part.trim().toLowerCase());
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', message });
          return z.NEVER;
        }
        chosen.add(value);
      }
      return [...chosen];
    });
}

/** An RFC 3339 time with a zone, as the stored form (ISO 8601 UTC with milliseconds) so that it compares as text. */
const rfc3339 = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 time with a zone, e.g. 2026-11-02T10:00:00Z' })
  .transform((text) => new Date(text).toISOString());

/** The continuation token: base64url of `{"v":2,"g":timeGeneratedUtc,"i":id}`, the last alert of the page. */
const continuationPayload = z.strictObject({
  v: z.literal(CONTINUATION_VERSION),
  g: z.iso.datetime(),
  i: z.string().min(1).max(255),
});

const continuation = opaqueToken(
  continuationPayload.transform((payload): AlertPosition => ({ timeGeneratedUtc: payload.g, id: payload.i })),
  'is not a valid continuation token; use the nextLink of the previous page',
);

export function encodeAlertContinuation(position: AlertPosition): string {
  return encodeOpaqueToken({ v: CONTINUATION_VERSION, g: position.timeGeneratedUtc, i: position.id });
}

const listAlertsQuery = z
  .object({
    status: enumList(STATUSES).optional(),
    severity: enumList(SEVERITIES).optional(),
    alertType: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be an alert type such as K8S_PrivilegedContainer')
      .optional(),
    cluster: z
      .string()
      .min(1, 'must be a cluster name or a cluster resource id')
      .max(512, 'must be a cluster name or a cluster resource id')
      .optional(),
    from: rfc3339.optional(),
    to: rfc3339.optional(),
    isSimulated: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    top: pageSize(MAX_ALERTS_PAGE_SIZE).optional(),
    continuation: continuation.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.cluster !== undefined && !isClusterNameOrResourceId(query.cluster)) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'must be a cluster name or an AKS or Arc cluster resource id' });
    }
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be later than to' });
    }
  });

/**
 * `GET /api/subscriptions/{subscriptionId}/alerts`: the subscription's alerts, newest (most recently
 * raised) first, filtered and paged (`top`, then the `nextLink` of each page). SecurityReader or higher.
 */
export async function listAlerts(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, listAlertsQuery);
  if (query.kind === 'rejected') return query.response;
  const { status, severity, alertType, cluster, from, to, isSimulated, top = DEFAULT_ALERTS_PAGE_SIZE, continuation: after } = query.value;

  const filters: AlertFilters = {
    ...(status === undefined ? {} : { statuses: status }),
    ...(severity === undefined ? {} : { severities: severity }),
    ...(alertType === undefined ? {} : { alertType }),
    ...clusterFilter(cluster),
    ...(from === undefined ? {} : { fromUtc: from }),
    ...(to === undefined ? {} : { toUtc: to }),
    ...(isSimulated === undefined ? {} : { isSimulated: isSimulated === 'true' }),
  };
  const page = await queryAlerts(services.database, subscriptionId, filters, { top, ...(after === undefined ? {} : { after }) });
  context.log(`listAlerts: ${page.alerts.length} alerts for subscription ${subscriptionId}${page.next ? ' (more)' : ''}`);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { value: page.alerts, ...(page.next === undefined ? {} : { nextLink: nextLink(request.url, page.next) }) },
  };
}

function isClusterNameOrResourceId(cluster: string): boolean {
  return cluster.includes('/') ? parseClusterResourceId(cluster) !== undefined : /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/.test(cluster);
}

/** Alerts store cluster names and resource ids in canonical (lower-case) form, so the filter is too. */
function clusterFilter(cluster: string | undefined): Pick<AlertFilters, 'clusterName' | 'clusterResourceId'> {
  if (cluster === undefined) return {};
  const identity = cluster.includes('/') ? parseClusterResourceId(cluster) : undefined;
  return identity === undefined ? { clusterName: cluster.toLowerCase() } : { clusterResourceId: identity.resourceId };
}

/** The same request (path and every other parameter) with the next page's continuation. */
function nextLink(requestUrl: string, next: AlertPosition): string {
  const url = new URL(requestUrl);
  url.searchParams.set('continuation', encodeAlertContinuation(next));
  return url.toString();
}

export const listAlertsFunction = defineHttpFunction('listAlerts', {
  route: 'subscriptions/{subscriptionId}/alerts',
  methods: ['GET'],
  handler: listAlerts,
});
