import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseThreatIntelSetName } from '../shared/intel/threatIntelSet';
import { deleteThreatIntelSet as deleteSet } from '../shared/store/threatIntelSetStore';

/** `DELETE /api/subscriptions/{subscriptionId}/threatIntelSets/{name}`: 204 when deleted, 404 when there was none (SecurityAdmin+). */
export async function deleteThreatIntelSet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseThreatIntelSetName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;

  const { principal, subscriptionId, services, resourceId: name } = authorization;
  if (!(await deleteSet(services.database, subscriptionId, name))) return errorResponse(404, 'NotFound', 'The threat-intel set was not found.');
  context.info(`threat-intel set ${name} deleted in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteThreatIntelSetFunction = defineHttpFunction('deleteThreatIntelSet', {
  route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}',
  methods: ['DELETE'],
  handler: deleteThreatIntelSet,
});
