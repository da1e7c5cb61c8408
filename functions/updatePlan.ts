import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { runAssessmentRefresh } from '../shared/assessments/runAssessmentRefresh';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { AssessmentRefreshTrigger } from '../shared/store/assessmentRefreshStore';
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
 *
 * Switching the plan on also assesses the subscription's clusters at once (the same recorded refresh as
 * `POST .../assessments/refresh`, within the request for the reason given there), so the owner sees the posture, or
 * the missing Reader grant, without waiting for the timer: the run is in `assessmentRefresh`, with its `location`.
 * A refresh that fails does not undo the switch: the run says Failed and the timer tries again.
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
  const view = toPlanView(subscriptionId, saved, services.config.auditStream);
  if (current?.enabled === next.enabled) return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: view };

  context.log(`plan ${next.enabled ? 'enabled' : 'disabled'} for subscription ${subscriptionId} by ${principal.objectId}`);
  if (!next.enabled) return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: view };
  const run = await runAssessmentRefresh(services, context, {
    subscriptionId,
    trigger: AssessmentRefreshTrigger.PlanEnabled,
    requestedBy: { principalId: principal.objectId, principalName: principal.displayName },
  });
  const location = new URL(`/api/subscriptions/${subscriptionId}/assessments/refresh/${run.id}`, request.url).toString();
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { ...view, assessmentRefresh: { ...run, location } } };
}

export const updatePlanFunction = defineHttpFunction('updatePlan', {
  route: 'subscriptions/{subscriptionId}/plan',
  methods: ['PUT'],
  handler: updatePlan,
});
