import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { changePlan, getPlan as readPlan, toPlanView, upsertPlan } from '../shared/store/planStore';

const bodySchema = z.strictObject({
  enabled: z.boolean({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false') }),
  scheduledSimulation: z.boolean({ error: 'must be true or false' }).optional(),
});

/**
 * `PUT /api/subscriptions/{subscriptionId}/plan` with `{ "enabled": true|false, "scheduledSimulation"?: true|false }`:
 * switches Argus on or off for the subscription (Owner). Turning it on stamps `enabledAtUtc`: alerts are
 * raised only for activity from then on. `scheduledSimulation` opts in to (or out of) the scheduled
 * attack simulation that checks the pipeline end to end; left out, it stays as it was. Returns the plan
 * with the onboarding instructions, as GET does.
 */
export async function updatePlan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'Owner', target: 'collection' });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const body = await parseJsonBody(request, bodySchema, { example: '{"enabled":true}' });
  if (body.kind === 'rejected') return body.response;

  const { principal, services, subscriptionId } = access;
  const current = await readPlan(services.database, subscriptionId);
  const next = changePlan(subscriptionId, current, {
    enabled: body.value.enabled,
    ...(body.value.scheduledSimulation === undefined ? {} : { scheduledSimulation: body.value.scheduledSimulation }),
    by: { principalId: principal.objectId, principalName: principal.displayName },
    now: new Date(),
  });
  const saved = await upsertPlan(services.database, next);
  if (current?.enabled !== next.enabled) {
    context.log(`plan ${next.enabled ? 'enabled' : 'disabled'} for subscription ${subscriptionId} by ${principal.objectId}`);
  }
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toPlanView(subscriptionId, saved, services.config.auditStream) };
}

export const updatePlanFunction = defineHttpFunction('updatePlan', {
  route: 'subscriptions/{subscriptionId}/plan',
  methods: ['PUT'],
  handler: updatePlan,
});
