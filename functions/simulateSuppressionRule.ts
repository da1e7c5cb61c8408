import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { type Alert } from '../shared/alerts/alert';
import { ALL_ALERT_TYPES, matchesSuppressionRule, parseSuppressionRuleName, SuppressionRuleState } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseEmptyBody } from '../shared/http/parseJsonBody';
import { listActiveAlerts } from '../shared/store/alertStore';
import { getSuppressionRule } from '../shared/store/suppressionRuleStore';

/** Alerts listed at most; `count` still counts them all. */
export const MAX_SIMULATED_ALERTS = 200;

/**
 * `POST /api/subscriptions/{subscriptionId}/suppressionRules/{name}/simulate`: the subscription's Active
 * alerts the stored rule would dismiss, newest first, without changing them (SecurityAdmin+). A Disabled
 * rule is tried as if it were enabled, so a draft can be checked before it is switched on; an expired
 * rule dismisses nothing. No body (nothing or `{}`).
 */
export async function simulateSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseSuppressionRuleName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const body = await parseEmptyBody(request);
  if (body.kind === 'rejected') return body.response;

  const { subscriptionId, services, resourceId: name } = authorization;
  const rule = await getSuppressionRule(services.database, subscriptionId, name);
  if (rule === undefined) return errorResponse(404, 'NotFound', 'The suppression rule was not found.');

  const now = new Date();
  const asEnabled = { ...rule, state: SuppressionRuleState.Enabled };
  const matching: Alert[] = [];
  let count = 0;
  for await (const alert of listActiveAlerts(services.database, subscriptionId, rule.alertType === ALL_ALERT_TYPES ? {} : { alertType: rule.alertType })) {
    if (!matchesSuppressionRule(asEnabled, alert, now)) continue;
    count++;
    if (matching.length < MAX_SIMULATED_ALERTS) matching.push(alert);
  }
  const notes = [
    ...(rule.state === SuppressionRuleState.Disabled ? ['The rule is Disabled: it dismisses these alerts once it is enabled.'] : []),
    ...(count > matching.length ? [`Only the newest ${MAX_SIMULATED_ALERTS} of ${count} matching alerts are listed.`] : []),
  ];
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { value: matching, count, truncated: count > matching.length, ...(notes.length === 0 ? {} : { note: notes.join(' ') }) },
  };
}

export const simulateSuppressionRuleFunction = defineHttpFunction('simulateSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}/simulate',
  methods: ['POST'],
  handler: simulateSuppressionRule,
});
