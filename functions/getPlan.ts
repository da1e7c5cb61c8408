import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getPlan as readPlan, toPlanView } from '../shared/store/planStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/plan`: whether Argus raises alerts for the subscription, since
 * when and who changed it, and how to stream the clusters' audit logs. Every role may read it. A caller
 * without a role gets 403 (as for a collection): every subscription has a plan, so its existence says nothing.
 */
export async function getPlan(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const access = await authorizeSubscriptionRequest(request, context, { minimumRole: 'SecurityReader', target: 'collection' });
  if (access.kind === 'rejected') return access.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { services, subscriptionId } = access;
  const plan = await readPlan(services.database, subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toPlanView(subscriptionId, plan, services.config.auditStream) };
}

export const getPlanFunction = defineHttpFunction('getPlan', {
  route: 'subscriptions/{subscriptionId}/plan',
  methods: ['GET'],
  handler: getPlan,
});
