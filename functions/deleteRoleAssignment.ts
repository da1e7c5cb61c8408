import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import {
  countRoleHolders,
  deleteRoleAssignment as removeRoleAssignment,
  getRoleAssignment as readRoleAssignment,
  principalIdSchema,
} from '../shared/store/roleAssignmentStore';

/**
 * `DELETE /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}`: revokes a principal's role.
 * Owners of the subscription and operators (`Argus.Admin`). 204 when removed, 404 when there was none,
 * 409 `LastOwner` when it is the subscription's last Owner.
 */
export async function deleteRoleAssignment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeResourceRequest(request, context, { minimumRole: 'Owner', allowOperator: true }, (params) =>
    parseRouteParameter('principalId', principalIdSchema, params.principalId),
  );
  if (access.kind === 'rejected') return access.response;

  const { principal, subscriptionId, services, resourceId: principalId } = access;
  const existing = await readRoleAssignment(services.database, subscriptionId, principalId);
  if (!existing) return errorResponse(404, 'NotFound', 'The role assignment was not found.');
  // Not atomic: two concurrent removals of the last two Owners can both pass (an operator can grant a new Owner).
  if (existing.role === SubscriptionRole.Owner && (await countRoleHolders(services.database, subscriptionId, SubscriptionRole.Owner)) <= 1) {
    return errorResponse(409, 'LastOwner', 'The principal is the last Owner of this subscription and cannot be removed; grant another Owner first.');
  }
  if (!(await removeRoleAssignment(services.database, subscriptionId, principalId))) {
    return errorResponse(404, 'NotFound', 'The role assignment was not found.');
  }
  context.log(`role assignment deleted: ${existing.role} of principal ${existing.principalId} in subscription ${subscriptionId} by ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteRoleAssignmentFunction = defineHttpFunction('deleteRoleAssignment', {
  route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}',
  methods: ['DELETE'],
  handler: deleteRoleAssignment,
});
