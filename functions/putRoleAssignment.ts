import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole, subscriptionRoles } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import {
  countRoleHolders,
  getRoleAssignment as readRoleAssignment,
  principalIdSchema,
  upsertRoleAssignment,
  type RoleAssignment,
} from '../shared/store/roleAssignmentStore';

const bodySchema = z.strictObject({
  role: z.enum(subscriptionRoles as [SubscriptionRole, ...SubscriptionRole[]], {
    error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${subscriptionRoles.join(', ')}`),
  }),
  principalName: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .optional(),
});

/**
 * `PUT /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}` with `{ "role", "principalName"? }`:
 * grants or changes a principal's role. Owners of the subscription, and operators (`Argus.Admin`) in any
 * subscription (the bootstrap of a new subscription's first Owner). 201 when created, 200 when updated.
 * Demoting the last Owner is refused with 409 `LastOwner`.
 */
export async function putRoleAssignment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeResourceRequest(request, context, { minimumRole: 'Owner', allowOperator: true }, (params) =>
    parseRouteParameter('principalId', principalIdSchema, params.principalId),
  );
  if (access.kind === 'rejected') return access.response;
  const body = await parseJsonBody(request, bodySchema, { example: '{"role":"SecurityReader"}' });
  if (body.kind === 'rejected') return body.response;

  const { principal, subscriptionId, services, resourceId: principalId } = access;
  const existing = await readRoleAssignment(services.database, subscriptionId, principalId);
  if (existing?.role === SubscriptionRole.Owner && body.value.role !== SubscriptionRole.Owner) {
    // Not atomic: two concurrent demotions of the last two Owners can both pass. An operator can always
    // grant a new Owner, so the rule guards against mistakes, not against a determined race.
    if ((await countRoleHolders(services.database, subscriptionId, SubscriptionRole.Owner)) <= 1) {
      return errorResponse(409, 'LastOwner', 'The principal is the last Owner of this subscription and cannot be demoted; grant another Owner first.');
    }
  }
  const now = new Date().toISOString();
  const principalName = body.value.principalName ?? existing?.principalName;
  const assignment: RoleAssignment = {
    id: principalId,
    subscriptionId,
    principalId: principalId,
    role: body.value.role,
    ...(principalName === undefined ? {} : { principalName }),
    createdAtUtc: existing?.createdAtUtc ?? now,
    createdBy: existing?.createdBy ?? { principalId: principal.objectId, principalName: principal.displayName },
    updatedAtUtc: now,
  };
  const saved = await upsertRoleAssignment(services.database, assignment);
  context.log(
    `role assignment ${existing ? 'updated' : 'created'}: ${saved.role} for principal ${saved.principalId} in subscription ${subscriptionId} by ${principal.objectId}`,
  );
  return { status: existing ? 200 : 201, headers: { 'cache-control': 'no-store' }, jsonBody: saved };
}

export const putRoleAssignmentFunction = defineHttpFunction('putRoleAssignment', {
  route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}',
  methods: ['PUT'],
  handler: putRoleAssignment,
});
