import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseSuppressionRuleBody, parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { getSuppressionRule, toSuppressionRuleView, upsertSuppressionRule, type Actor } from '../shared/store/suppressionRuleStore';

/**
 * `PUT /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: creates (201) or replaces (200) a
 * suppression rule (SecurityAdmin+). The body is the rule without its name; unknown fields are refused.
 */
export async function putSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseSuppressionRuleName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const { principal, subscriptionId, services, resourceId: name } = authorization;

  const now = new Date();
  const properties = await parseJsonBody(request, (json) => parseSuppressionRuleBody(json, now));
  if (properties.kind === 'rejected') return properties.response;

  const actor: Actor = { principalId: principal.objectId, principalName: principal.displayName };
  const existing = await getSuppressionRule(services.database, subscriptionId, name);
  const stored = await upsertSuppressionRule(services.database, {
    id: name,
    subscriptionId,
    name,
    ...properties.value,
    createdAtUtc: existing?.createdAtUtc ?? now.toISOString(),
    createdBy: existing?.createdBy ?? actor,
    updatedAtUtc: now.toISOString(),
    updatedBy: actor,
  });
  context.info(`suppression rule ${name} ${existing ? 'updated' : 'created'} in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: existing ? 200 : 201, headers: { 'cache-control': 'no-store' }, jsonBody: toSuppressionRuleView(stored) };
}

export const putSuppressionRuleFunction = defineHttpFunction('putSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['PUT'],
  handler: putSuppressionRule,
});
