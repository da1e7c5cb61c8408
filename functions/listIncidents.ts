import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { AlertStatus } from '../shared/alerts/alert';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { encodeOpaqueToken, enumList, opaqueToken, pageSize } from '../shared/http/queryValues';
import { parseClusterResourceId } from '../shared/kubernetes/clusterIdentity';
import { type IncidentFilters, type IncidentPosition, queryIncidents } from '../shared/store/incidentStore';

export const DEFAULT_INCIDENTS_PAGE_SIZE = 50;
export const MAX_INCIDENTS_PAGE_SIZE = 200;

const STATUSES: readonly AlertStatus[] = Object.values(AlertStatus);
const CONTINUATION_VERSION = 1;

/** The continuation token: base64url of `{"v":1,"g":timeGeneratedUtc,"i":id}`, the last incident of the page. */
const continuationPayload = z.strictObject({
  v: z.literal(CONTINUATION_VERSION),
  g: z.iso.datetime(),
  i: z.string().regex(/^[0-9a-f]{32}$/),
});

const continuation = opaqueToken(
  continuationPayload.transform((payload): IncidentPosition => ({ timeGeneratedUtc: payload.g, id: payload.i })),
  'is not a valid continuation token; use the nextLink of the previous page',
);

export function encodeIncidentContinuation(position: IncidentPosition): string {
  return encodeOpaqueToken({ v: CONTINUATION_VERSION, g: position.timeGeneratedUtc, i: position.id });
}

const listIncidentsQuery = z
  .object({
    status: enumList(STATUSES).optional(),
    cluster: z
      .string()
      .min(1, 'must be a cluster name or a cluster resource id')
      .max(512, 'must be a cluster name or a cluster resource id')
      .optional(),
    top: pageSize(MAX_INCIDENTS_PAGE_SIZE).optional(),
    continuation: continuation.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.cluster !== undefined && !isClusterNameOrResourceId(query.cluster)) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'must be a cluster name or an AKS or Arc cluster resource id' });
    }
  });

/**
 * `GET /api/subscriptions/{subscriptionId}/incidents`: the subscription's current incidents (not those merged
 * into another or dissolved), most recently formed first, filtered by `status` and `cluster` and paged
 * (`top`, then the `nextLink` of each page). SecurityReader or higher.
 */
export async function listIncidents(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, listIncidentsQuery);
  if (query.kind === 'rejected') return query.response;
  const { status, cluster, top = DEFAULT_INCIDENTS_PAGE_SIZE, continuation: after } = query.value;

  const filters: IncidentFilters = { ...(status === undefined ? {} : { statuses: status }), ...clusterFilter(cluster) };
  const page = await queryIncidents(services.database, subscriptionId, filters, { top, ...(after === undefined ? {} : { after }) });
  context.log(`listIncidents: ${page.incidents.length} incidents for subscription ${subscriptionId}${page.next ? ' (more)' : ''}`);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { value: page.incidents, ...(page.next === undefined ? {} : { nextLink: nextLink(request.url, page.next) }) },
  };
}

function isClusterNameOrResourceId(cluster: string): boolean {
  return cluster.includes('/') ? parseClusterResourceId(cluster) !== undefined : /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/.test(cluster);
}

/** Incidents carry their anchor alert's canonical (lower-case) cluster name and resource id, so the filter does too. */
function clusterFilter(cluster: string | undefined): Pick<IncidentFilters, 'clusterName' | 'clusterResourceId'> {
  if (cluster === undefined) return {};
  const identity = cluster.includes('/') ? parseClusterResourceId(cluster) : undefined;
  return identity === undefined ? { clusterName: cluster.toLowerCase() } : { clusterResourceId: identity.resourceId };
}

/** The same request (path and every other parameter) with the next page's continuation. */
function nextLink(requestUrl: string, next: IncidentPosition): string {
  const url = new URL(requestUrl);
  url.searchParams.set('continuation', encodeIncidentContinuation(next));
  return url.toString();
}

export const listIncidentsFunction = defineHttpFunction('listIncidents', {
  route: 'subscriptions/{subscriptionId}/incidents',
  methods: ['GET'],
  handler: listIncidents,
});
