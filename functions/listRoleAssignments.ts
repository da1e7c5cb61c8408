import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { listRoleAssignments as readRoleAssignments } from '../shared/store/roleAssignmentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/roleAssignments`: who holds which role in the subscription.
 * Owners of the subscription and operators (`Argus.Admin`); other roles may read only their own
 * assignment (GET .../roleAssignments/{their object id}). Not paged: a subscription has few assignments.
 */
export async function listRoleAssignments(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'Owner', target: 'collection', allowOperator: true });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const value = await readRoleAssignments(access.services.database, access.subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value } };
}

export const listRoleAssignmentsFunction = defineHttpFunction('listRoleAssignments', {
  route: 'subscriptions/{subscriptionId}/roleAssignments',
  methods: ['GET'],
  handler: listRoleAssignments,
});
