import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { deleteSuppressionRule as deleteRule } from '../shared/store/suppressionRuleStore';

/** `DELETE /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: 204 when deleted, 404 when there was none (SecurityAdmin+). */
export async function deleteSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseSuppressionRuleName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;

  const { principal, subscriptionId, services, resourceId: name } = authorization;
  if (!(await deleteRule(services.database, subscriptionId, name))) {
    return errorResponse(404, 'NotFound', 'The suppression rule was not found.');
  }
  context.info(`suppression rule ${name} deleted in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteSuppressionRuleFunction = defineHttpFunction('deleteSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['DELETE'],
  handler: deleteSuppressionRule,
});
