import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { clusterNameSchema } from '../shared/clusters/clusterRegistration';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { getClusterRegistration, toClusterRegistrationView } from '../shared/store/clusterStore';

/** `GET /api/subscriptions/{subscriptionId}/clusters/{clusterName}`: one cluster registration (SecurityReader+); never a key or hash. */
export async function getCluster(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) =>
    parseRouteParameter('clusterName', clusterNameSchema, params.clusterName),
  );
  if (authorization.kind === 'rejected') return authorization.response;

  const { services, subscriptionId, resourceId: clusterName } = authorization;
  const stored = await getClusterRegistration(services.database, subscriptionId, clusterName);
  if (stored === undefined) return errorResponse(404, 'NotFound', 'The cluster registration was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toClusterRegistrationView(stored.registration, new Date()) };
}

export const getClusterFunction = defineHttpFunction('getCluster', {
  route: 'subscriptions/{subscriptionId}/clusters/{clusterName}',
  methods: ['GET'],
  handler: getCluster,
});
