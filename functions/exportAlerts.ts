import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { EXPORT_FORMATS, ExportFormat, formatMetadata, toExportRecord } from '../shared/alerts/export/exportFormat';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { encodeOpaqueToken, opaqueToken, pageSize } from '../shared/http/queryValues';
import { type AlertChangePosition, BEFORE_FIRST_CHANGE, queryAlertChanges } from '../shared/store/alertStore';
import { getAppVersion } from '../shared/version';

export const DEFAULT_EXPORT_PAGE_SIZE = 100;
export const MAX_EXPORT_PAGE_SIZE = 1000;
/** Response headers of the CEF text export, which has no body to carry them. */
export const CURSOR_HEADER = 'x-argus-cursor';
export const HAS_MORE_HEADER = 'x-argus-has-more';

const CURSOR_VERSION = 1;

/** The cursor: base64url of `{"v":1,"m":lastModifiedUtc,"i":id}`, the last change the consumer has. */
const cursorPayload = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  m: z.union([z.literal(''), z.iso.datetime()]),
  i: z.string().max(255),
});

const cursor = opaqueToken(
  cursorPayload
    .refine((payload) => (payload.m === '') === (payload.i === ''))
    .transform((payload): AlertChangePosition => ({ lastModifiedUtc: payload.m, id: payload.i })),
  'is not a valid export cursor; use the cursor of the previous response, or none to start from the beginning',
);

export function encodeExportCursor(position: AlertChangePosition): string {
  return encodeOpaqueToken({ v: CURSOR_VERSION, m: position.lastModifiedUtc, i: position.id });
}

const exportQuery = z.object({
  format: z.enum(ExportFormat, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default(ExportFormat.json),
  cursor: cursor.optional(),
  top: pageSize(MAX_EXPORT_PAGE_SIZE).optional(),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/export/alerts?format=json|cef|ocsf&cursor=...&top=...`: the
 * SIEM's incremental pull. Alerts created or changed after the cursor, oldest change first, each at its
 * current version; the response's cursor is where the next call continues (in the body for json and
 * ocsf, in the `x-argus-cursor` header for cef). At least once: an alert that changes again comes again
 * with a higher `version`, so a consumer keeps the highest version per alert id. Changes are served once
 * they are EXPORT_SETTLE_SECONDS old, so no change is ever behind a cursor already handed out.
 * SecurityReader or higher (users and service principals alike).
 */
export async function exportAlerts(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, exportQuery);
  if (query.kind === 'rejected') return query.response;
  const { format, cursor: after = BEFORE_FIRST_CHANGE, top = DEFAULT_EXPORT_PAGE_SIZE } = query.value;

  const settledThroughUtc = new Date(Date.now() - services.config.export.settleInMs).toISOString();
  const page = await queryAlertChanges(services.database, subscriptionId, { after, settledThroughUtc, top });
  const nextCursor = encodeExportCursor(page.next);
  const productVersion = getAppVersion();
  const records = page.alerts.map((alert) => toExportRecord(format, alert, { productVersion }));
  context.log(`exportAlerts: ${records.length} ${format} records for subscription ${subscriptionId}${page.hasMore ? ' (more)' : ''}`);

  const headers = { 'cache-control': 'no-store', [CURSOR_HEADER]: nextCursor, [HAS_MORE_HEADER]: String(page.hasMore) };
  if (format === ExportFormat.cef) {
    const lines = records.map((record) => (record.kind === 'text' ? record.line : JSON.stringify(record.value)));
    return { status: 200, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: lines.map((line) => `${line}\n`).join('') };
  }
  return {
    status: 200,
    headers,
    jsonBody: {
      format,
      ...formatMetadata(format),
      value: records.map((record) => (record.kind === 'json' ? record.value : record.line)),
      cursor: nextCursor,
      hasMore: page.hasMore,
    },
  };
}

export const exportAlertsFunction = defineHttpFunction('exportAlerts', {
  route: 'subscriptions/{subscriptionId}/export/alerts',
  methods: ['GET'],
  handler: exportAlerts,
});
