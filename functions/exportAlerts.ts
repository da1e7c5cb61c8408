import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { toExportRecord } from '../shared/alerts/export/exportFormat';
import { servePullExport } from '../shared/export/pullExport';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { queryAlertChanges } from '../shared/store/alertStore';

export { CURSOR_HEADER, DEFAULT_EXPORT_PAGE_SIZE, encodeExportCursor, HAS_MORE_HEADER, MAX_EXPORT_PAGE_SIZE } from '../shared/export/pullExport';

/**
 * `GET /api/subscriptions/{subscriptionId}/export/alerts?format=json|cef|ocsf&cursor=...&top=...`: the
 * SIEM's incremental pull. Alerts created or changed after the cursor, oldest change first, each at its
 * current version; the response's cursor is where the next call continues (in the body for json and
 * ocsf, in the `x-argus-cursor` header for cef). At least once: an alert that changes again comes again
 * with a higher `version`, so a consumer keeps the highest version per alert id. Changes are served once
 * they are EXPORT_SETTLE_SECONDS old, so no change is ever behind a cursor already handed out.
 * SecurityReader or higher (users and service principals alike).
 */
export function exportAlerts(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return servePullExport(request, context, {
    name: 'exportAlerts',
    readChanges: async (database, subscriptionId, page) => {
      const changes = await queryAlertChanges(database, subscriptionId, page);
      return { items: changes.alerts, next: changes.next, hasMore: changes.hasMore };
    },
    toRecord: toExportRecord,
  });
}

export const exportAlertsFunction = defineHttpFunction('exportAlerts', {
  route: 'subscriptions/{subscriptionId}/export/alerts',
  methods: ['GET'],
  handler: exportAlerts,
});
