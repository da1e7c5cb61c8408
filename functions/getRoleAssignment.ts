import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { ADMIN_APP_ROLE, SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { getRoleAssignment as readRoleAssignment, principalIdSchema } from '../shared/store/roleAssignmentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}`: one principal's role.
 * Owners and operators (`Argus.Admin`) may read any assignment; any other role holder only their own
 * (403 for someone else's, decided before the store is read, so it says nothing about that principal).
 * A caller without a role in the subscription gets 404.
 */
export async function getRoleAssignment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'SecurityReader', target: 'single', allowOperator: true });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, z.object({}));
  if (query.kind === 'rejected') return query.response;
  const principalId = principalIdSchema.safeParse(request.params.principalId ?? '');
  if (!principalId.success) return errorResponse(400, 'InvalidParameter', `principalId ${principalId.error.issues[0]?.message ?? 'is invalid'}.`);

  const { principal, role, subscriptionId, services } = access;
  const mayReadAny = role === SubscriptionRole.Owner || principal.appRoles.includes(ADMIN_APP_ROLE);
  if (!mayReadAny && principalId.data !== principal.objectId.toLowerCase()) {
    return errorResponse(403, 'Forbidden', 'Reading another principal\'s role assignment requires the Owner role in this subscription.');
  }
  const assignment = await readRoleAssignment(services.database, subscriptionId, principalId.data);
  if (!assignment) return errorResponse(404, 'NotFound', 'The role assignment was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: assignment };
}

export const getRoleAssignmentFunction = defineHttpFunction('getRoleAssignment', {
  route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}',
  methods: ['GET'],
  handler: getRoleAssignment,
});
