import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { deleteSuppressionRule as deleteRule } from '../shared/store/suppressionRuleStore';

/** This route takes no query parameters: any is refused with 400. */
const noQueryParameters = z.object({});

/** `DELETE /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: 204 when deleted, 404 when there was none (SecurityAdmin+). */
export async function deleteSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const name = parseSuppressionRuleName(request.params.name);
  if (!name.ok) return errorResponse(400, 'InvalidParameter', name.message);

  const { principal, subscriptionId, services } = authorization;
  if (!(await deleteRule(services.database, subscriptionId, name.value))) {
    return errorResponse(404, 'NotFound', 'The suppression rule was not found.');
  }
  context.info(`suppression rule ${name.value} deleted in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteSuppressionRuleFunction = defineHttpFunction('deleteSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['DELETE'],
  handler: deleteSuppressionRule,
});
