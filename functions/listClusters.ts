import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { listClusterRegistrations, toClusterRegistrationView } from '../shared/store/clusterStore';

/** `GET /api/subscriptions/{subscriptionId}/clusters`: the clusters registered for the audit webhook, by name (SecurityReader+); never a key or hash. */
export async function listClusters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;

  const now = new Date();
  const registrations = await listClusterRegistrations(authorization.services.database, authorization.subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value: registrations.map((r) => toClusterRegistrationView(r, now)) } };
}

export const listClustersFunction = defineHttpFunction('listClusters', {
  route: 'subscriptions/{subscriptionId}/clusters',
  methods: ['GET'],
  handler: listClusters,
});
