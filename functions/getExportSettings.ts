import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { toExportSettingsView } from '../shared/export/exportTargets';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getExportSettings as readExportSettings } from '../shared/store/exportSettingsStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/exportSettings`: the push-export targets (SecurityAdmin or
 * higher: they name where alerts go). Webhook secrets are never shown again after the PUT that made them.
 */
export async function getExportSettings(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { subscriptionId, services } = authorization;
  const settings = await readExportSettings(services.database, subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toExportSettingsView(subscriptionId, settings) };
}

export const getExportSettingsFunction = defineHttpFunction('getExportSettings', {
  route: 'subscriptions/{subscriptionId}/exportSettings',
  methods: ['GET'],
  handler: getExportSettings,
});
