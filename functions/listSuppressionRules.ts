import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { listSuppressionRules as listRules, toSuppressionRuleView } from '../shared/store/suppressionRuleStore';

/** `GET /api/subscriptions/{subscriptionId}/suppressionRules`: the subscription's suppression rules, by name (SecurityReader+). */
export async function listSuppressionRules(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;

  const rules = await listRules(authorization.services.database, authorization.subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value: rules.map(toSuppressionRuleView) } };
}

export const listSuppressionRulesFunction = defineHttpFunction('listSuppressionRules', {
  route: 'subscriptions/{subscriptionId}/suppressionRules',
  methods: ['GET'],
  handler: listSuppressionRules,
});
