import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { parseSuppressionRuleBody, parseSuppressionRuleName } from '../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { getSuppressionRule, toSuppressionRuleView, upsertSuppressionRule, type Actor } from '../shared/store/suppressionRuleStore';

/** This route takes no query parameters: any is refused with 400. */
const noQueryParameters = z.object({});

/** A rule is a few KiB at most (20 conditions of 50 values of 256 characters would be more than anyone needs). */
const MAX_BODY_IN_BYTES = 64 * 1024;

/**
 * `PUT /api/subscriptions/{subscriptionId}/suppressionRules/{name}`: creates (201) or replaces (200) a
 * suppression rule (SecurityAdmin+). The body is the rule without its name; unknown fields are refused.
 */
export async function putSuppressionRule(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const name = parseSuppressionRuleName(request.params.name);
  if (!name.ok) return errorResponse(400, 'InvalidParameter', name.message);

  const text = await request.text();
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_IN_BYTES) {
    return errorResponse(413, 'RequestBodyTooLarge', `body must be at most ${MAX_BODY_IN_BYTES} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return errorResponse(400, 'InvalidRequestBody', 'body must be a JSON object.');
  }
  const now = new Date();
  const properties = parseSuppressionRuleBody(json, now);
  if (!properties.ok) return errorResponse(400, 'InvalidRequestBody', properties.message);

  const { principal, subscriptionId, services } = authorization;
  const actor: Actor = { principalId: principal.objectId, principalName: principal.displayName };
  const existing = await getSuppressionRule(services.database, subscriptionId, name.value);
  const stored = await upsertSuppressionRule(services.database, {
    id: name.value,
    subscriptionId,
    name: name.value,
    ...properties.value,
    createdAtUtc: existing?.createdAtUtc ?? now.toISOString(),
    createdBy: existing?.createdBy ?? actor,
    updatedAtUtc: now.toISOString(),
    updatedBy: actor,
  });
  context.info(`suppression rule ${name.value} ${existing ? 'updated' : 'created'} in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: existing ? 200 : 201, headers: { 'cache-control': 'no-store' }, jsonBody: toSuppressionRuleView(stored) };
}

export const putSuppressionRuleFunction = defineHttpFunction('putSuppressionRule', {
  route: 'subscriptions/{subscriptionId}/suppressionRules/{name}',
  methods: ['PUT'],
  handler: putSuppressionRule,
});
