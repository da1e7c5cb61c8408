import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { ArgusEnvironment } from '../shared/config';
import { applyExportSettings, parseExportSettingsBody, toExportSettingsView } from '../shared/export/exportTargets';
import { generateWebhookSecret } from '../shared/export/webhookSignature';
import { sealWebhookSecrets } from '../shared/export/webhookSecrets';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getExportSettings, saveExportSettings } from '../shared/store/exportSettingsStore';

/**
 * `PUT /api/subscriptions/{subscriptionId}/exportSettings` with `{ "targets": [...] }`: replaces the
 * push-export targets (SecurityAdmin or higher). A new webhook target (or one with `rotateSecret`) gets
 * a signing secret, returned in this response only and stored sealed under the key-encryption key. Webhook URLs that point at loopback, private,
 * link-local or metadata addresses are refused (SSRF), except in local mode; Event Hub targets must be
 * Event Hubs namespaces, because the app presents its managed identity there.
 */
export async function putExportSettings(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { subscriptionId, services, principal } = authorization;
  const local = services.config.environment === ArgusEnvironment.local;
  const body = await parseJsonBody(request, (json) => parseExportSettingsBody(json, { local }), {
    example: '{"targets":[{"name":"soar","kind":"webhook","format":"json","url":"https://soar.example.com/hooks/argus"}]}',
  });
  if (body.kind === 'rejected') return body.response;

  const current = await getExportSettings(services.database, subscriptionId);
  const applied = applyExportSettings(subscriptionId, current, body.value, {
    by: { principalId: principal.objectId, principalName: principal.displayName },
    now: new Date(),
    generateSecret: generateWebhookSecret,
  });
  // Every webhook secret is stored sealed: the new ones, and any a document from before encryption held in plaintext.
  const saved = await saveExportSettings(services.database, await sealWebhookSecrets(applied.settings, services.secrets));
  context.log(
    `export settings of subscription ${subscriptionId} set by principal ${principal.objectId}: ${saved.targets.length} targets, ${applied.newSecrets.size} new secrets`,
  );
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toExportSettingsView(subscriptionId, saved, applied.newSecrets) };
}

export const putExportSettingsFunction = defineHttpFunction('putExportSettings', {
  route: 'subscriptions/{subscriptionId}/exportSettings',
  methods: ['PUT'],
  handler: putExportSettings,
});
