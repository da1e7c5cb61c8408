import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { listThreatIntelSets as listSets, toThreatIntelSetView } from '../shared/store/threatIntelSetStore';

/** `GET /api/subscriptions/{subscriptionId}/threatIntelSets`: the subscription's custom threat-intel sets, by name (SecurityReader+). */
export async function listThreatIntelSets(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;

  const sets = await listSets(authorization.services.database, authorization.subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value: sets.map(toThreatIntelSetView) } };
}

export const listThreatIntelSetsFunction = defineHttpFunction('listThreatIntelSets', {
  route: 'subscriptions/{subscriptionId}/threatIntelSets',
  methods: ['GET'],
  handler: listThreatIntelSets,
});
