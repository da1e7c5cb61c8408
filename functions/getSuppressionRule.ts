import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { getSuppressionRule as getRule, toSuppressionRuleView } from '../shared/store/suppressionRuleStore';

/** This route takes no query parameters: any is refused with 400. */
const noQueryParameters = z.object({});

/** `GET /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: one suppression rule (SecurityReader+). */
export async function getSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const name = parseSuppressionRuleName(request.params.name);
  if (!name.ok) return errorResponse(400, 'InvalidParameter', name.message);

  const rule = await getRule(authorization.services.database, authorization.subscriptionId, name.value);
  if (rule === undefined) return errorResponse(404, 'NotFound', 'The suppression rule was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toSuppressionRuleView(rule) };
}

export const getSuppressionRuleFunction = defineHttpFunction('getSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['GET'],
  handler: getSuppressionRule,
});
