import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole, subscriptionRoles } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
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
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'Owner', target: 'single', allowOperator: true });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, z.object({}));
  if (query.kind === 'rejected') return query.response;
  const principalId = principalIdSchema.safeParse(request.params.principalId ?? '');
  if (!principalId.success) return errorResponse(400, 'InvalidParameter', `principalId ${principalId.error.issues[0]?.message ?? 'is invalid'}.`);
  const body = await readBody(request);
  if (body.kind === 'rejected') return body.response;

  const { principal, subscriptionId, services } = access;
  const existing = await readRoleAssignment(services.database, subscriptionId, principalId.data);
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
    id: principalId.data,
    subscriptionId,
    principalId: principalId.data,
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

type BodyReading = { kind: 'parsed'; value: z.output<typeof bodySchema> } | { kind: 'rejected'; response: HttpResponseInit };

/** The JSON body against the schema; a 400 `InvalidRequestBody` names the first wrong or unknown field. */
async function readBody(request: HttpRequest): Promise<BodyReading> {
  let json: unknown;
  try {
    json = JSON.parse(await request.text());
  } catch {
    return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', 'body must be a JSON object such as {"role":"SecurityReader"}.') };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', 'body must be a JSON object such as {"role":"SecurityReader"}.') };
  }
  const parsed = bodySchema.safeParse(json);
  if (parsed.success) return { kind: 'parsed', value: parsed.data };
  const issue = parsed.error.issues[0];
  const message =
    issue?.code === 'unrecognized_keys'
      ? `${issue.keys.map((k) => k.slice(0, 64)).join(', ')} is not a known field; known: ${Object.keys(bodySchema.shape).join(', ')}.`
      : `${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}.`;
  return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', message) };
}

export const putRoleAssignmentFunction = defineHttpFunction('putRoleAssignment', {
  route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}',
  methods: ['PUT'],
  handler: putRoleAssignment,
});
