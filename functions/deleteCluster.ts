import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { clusterNameSchema } from '../shared/clusters/clusterRegistration';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { deleteClusterRegistration } from '../shared/store/clusterStore';

/**
 * `DELETE /api/subscriptions/{subscriptionId}/clusters/{clusterName}`: revokes a cluster's registration
 * and with it every key it had, at once (Owner). 204 when deleted, 404 when there was none.
 */
export async function deleteCluster(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.Owner }, (params) =>
    parseRouteParameter('clusterName', clusterNameSchema, params.clusterName),
  );
  if (authorization.kind === 'rejected') return authorization.response;

  const { principal, subscriptionId, services, resourceId: clusterName } = authorization;
  if (!(await deleteClusterRegistration(services.database, subscriptionId, clusterName))) {
    return errorResponse(404, 'NotFound', 'The cluster registration was not found.');
  }
  context.info(`cluster ${clusterName} unregistered (ingestion keys revoked) in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteClusterFunction = defineHttpFunction('deleteCluster', {
  route: 'subscriptions/{subscriptionId}/clusters/{clusterName}',
  methods: ['DELETE'],
  handler: deleteCluster,
});
