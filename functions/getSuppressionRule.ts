import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { getSuppressionRule as getRule, toSuppressionRuleView } from '../shared/store/suppressionRuleStore';

/** `GET /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: one suppression rule (SecurityReader+). */
export async function getSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) => parseSuppressionRuleName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;

  const { services, subscriptionId, resourceId: name } = authorization;
  const rule = await getRule(services.database, subscriptionId, name);
  if (rule === undefined) return errorResponse(404, 'NotFound', 'The suppression rule was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toSuppressionRuleView(rule) };
}

export const getSuppressionRuleFunction = defineHttpFunction('getSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['GET'],
  handler: getSuppressionRule,
});
