import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { changePlan, describeOnboarding, getPlan as readPlan, upsertPlan } from '../shared/store/planStore';

const bodySchema = z.strictObject({
  enabled: z.boolean({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false') }),
});

/**
 * `PUT /api/subscriptions/{subscriptionId}/plan` with `{ "enabled": true|false }`: switches Argus on or
 * off for the subscription (Owner). Turning it on stamps `enabledAtUtc`: alerts are raised only for
 * activity from then on. Returns the plan with the onboarding instructions, as GET does.
 */
export async function updatePlan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'Owner', target: 'collection' });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, z.object({}));
  if (query.kind === 'rejected') return query.response;
  const body = await readBody(request);
  if (body.kind === 'rejected') return body.response;

  const { principal, services, subscriptionId } = access;
  const current = await readPlan(services.database, subscriptionId);
  const next = changePlan(subscriptionId, current, {
    enabled: body.value.enabled,
    by: { principalId: principal.objectId, principalName: principal.displayName },
    now: new Date(),
  });
  const { id: _id, ...fields } = await upsertPlan(services.database, next);
  if (current?.enabled !== next.enabled) {
    context.log(`plan ${next.enabled ? 'enabled' : 'disabled'} for subscription ${subscriptionId} by ${principal.objectId}`);
  }
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { ...fields, onboarding: describeOnboarding(services.config.auditStream) },
  };
}

type BodyReading = { kind: 'parsed'; value: z.output<typeof bodySchema> } | { kind: 'rejected'; response: HttpResponseInit };

/** The JSON body against the schema; a 400 `InvalidRequestBody` names the first wrong or unknown field. */
async function readBody(request: HttpRequest): Promise<BodyReading> {
  let json: unknown;
  try {
    json = JSON.parse(await request.text());
  } catch {
    return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', 'body must be a JSON object such as {"enabled":true}.') };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', 'body must be a JSON object such as {"enabled":true}.') };
  }
  const parsed = bodySchema.safeParse(json);
  if (parsed.success) return { kind: 'parsed', value: parsed.data };
  const issue = parsed.error.issues[0];
  const message =
    issue?.code === 'unrecognized_keys'
      ? `${issue.keys.map((k) => k.slice(0, 64)).join(', ')} is not a known field; known: enabled.`
      : `${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}.`;
  return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', message) };
}

export const updatePlanFunction = defineHttpFunction('updatePlan', {
  route: 'subscriptions/{subscriptionId}/plan',
  methods: ['PUT'],
  handler: updatePlan,
});
