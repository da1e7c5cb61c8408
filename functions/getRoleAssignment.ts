import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ADMIN_APP_ROLE, SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { getRoleAssignment as readRoleAssignment, principalIdSchema } from '../shared/store/roleAssignmentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}`: one principal's role.
 * Owners and operators (`Argus.Admin`) may read any assignment; any other role holder only their own
 * (403 for someone else's, decided before the store is read, so it says nothing about that principal).
 * A caller without a role in the subscription gets 404.
 */
export async function getRoleAssignment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeResourceRequest(request, context, { minimumRole: 'SecurityReader', allowOperator: true }, (params) =>
    parseRouteParameter('principalId', principalIdSchema, params.principalId),
  );
  if (access.kind === 'rejected') return access.response;

  const { principal, role, subscriptionId, services, resourceId: principalId } = access;
  const mayReadAny = role === SubscriptionRole.Owner || principal.appRoles.includes(ADMIN_APP_ROLE);
  if (!mayReadAny && principalId !== principal.objectId.toLowerCase()) {
    return errorResponse(403, 'Forbidden', 'Reading another principal\'s role assignment requires the Owner role in this subscription.');
  }
  const assignment = await readRoleAssignment(services.database, subscriptionId, principalId);
  if (!assignment) return errorResponse(404, 'NotFound', 'The role assignment was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: assignment };
}

export const getRoleAssignmentFunction = defineHttpFunction('getRoleAssignment', {
  route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}',
  methods: ['GET'],
  handler: getRoleAssignment,
});
