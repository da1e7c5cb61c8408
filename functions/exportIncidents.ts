import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { toIncidentExportRecord } from '../shared/alerts/export/incidentExportFormat';
import { servePullExport } from '../shared/export/pullExport';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { queryIncidentChanges } from '../shared/store/incidentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/export/incidents?format=json|cef|ocsf&cursor=...&top=...`: the incident feed
 * of the incremental pull, with the contract of `export/alerts`. Incidents formed or changed (alerts joining, severity,
 * merge, dissolution, status) after the cursor, oldest change first, each at its current `version`: json as stored
 * (`kind: "incident"`), ocsf as Incident Findings (class 2005), cef with Signature ID `incident:K8S_SecurityIncident`.
 * SecurityReader or higher.
 */
export function exportIncidents(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return servePullExport(request, context, {
    name: 'exportIncidents',
    readChanges: async (database, subscriptionId, page) => {
      const changes = await queryIncidentChanges(database, subscriptionId, page);
      return { items: changes.incidents, next: changes.next, hasMore: changes.hasMore };
    },
    toRecord: toIncidentExportRecord,
  });
}

export const exportIncidentsFunction = defineHttpFunction('exportIncidents', {
  route: 'subscriptions/{subscriptionId}/export/incidents',
  methods: ['GET'],
  handler: exportIncidents,
});
