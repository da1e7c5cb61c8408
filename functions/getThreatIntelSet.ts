import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseThreatIntelSetName } from '../shared/intel/threatIntelSet';
import { getThreatIntelSet as getSet, toThreatIntelSetView } from '../shared/store/threatIntelSetStore';

/** `GET /api/subscriptions/{subscriptionId}/threatIntelSets/{name}`: one custom threat-intel set with its entries (SecurityReader+). */
export async function getThreatIntelSet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) => parseThreatIntelSetName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;

  const { services, subscriptionId, resourceId: name } = authorization;
  const set = await getSet(services.database, subscriptionId, name);
  if (set === undefined) return errorResponse(404, 'NotFound', 'The threat-intel set was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toThreatIntelSetView(set) };
}

export const getThreatIntelSetFunction = defineHttpFunction('getThreatIntelSet', {
  route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}',
  methods: ['GET'],
  handler: getThreatIntelSet,
});
