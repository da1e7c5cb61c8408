import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { type Alert } from '../shared/alerts/alert';
import { type Incident } from '../shared/alerts/incident';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { entityTag } from '../shared/http/entityTags';
import { errorResponse } from '../shared/http/errorResponse';
import { incidentIdProblem } from '../shared/http/incidentRoute';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getAlert } from '../shared/store/alertStore';
import { getIncident as readIncident } from '../shared/store/incidentStore';

/** How many of an incident's alerts are read at once. */
const ALERT_READ_CONCURRENCY = 16;

/** An incident as `GET .../incidents/{incidentId}` shows it: with its alerts, and the ids of those no longer stored. */
export interface IncidentWithAlerts extends Incident {
  /** The incident's alerts that are still stored, in the incident's (kill-chain) order. */
  alerts: Alert[];
  /** Alerts the incident names that are no longer stored (expired by their TTL): listed, not an error. */
  missingAlertIds: string[];
}

/**
 * `GET /api/subscriptions/{subscriptionId}/incidents/{incidentId}`: one incident (in any correlation state)
 * with its alerts, read by id; an alert gone is listed in `missingAlertIds`. Its version is in `ETag` (send it
 * back in `If-Match` when changing the status). SecurityReader or higher; 404 for a caller without a role.
 */
export async function getIncident(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const incidentId = request.params.incidentId ?? '';
  const problem = incidentIdProblem(incidentId);
  if (problem !== undefined) return problem;

  const stored = await readIncident(services.database, subscriptionId, incidentId);
  if (stored === undefined) return errorResponse(404, 'NotFound', 'The incident was not found.');
  const { incident } = stored;
  const alerts: Alert[] = [];
  const missingAlertIds: string[] = [];
  for (let start = 0; start < incident.alertIds.length; start += ALERT_READ_CONCURRENCY) {
    const ids = incident.alertIds.slice(start, start + ALERT_READ_CONCURRENCY);
    const found = await Promise.all(ids.map((alertId) => getAlert(services.database, subscriptionId, alertId)));
    found.forEach((entry, index) => {
      if (entry === undefined) missingAlertIds.push(ids[index] ?? '');
      else alerts.push(entry.alert);
    });
  }
  const body: IncidentWithAlerts = { ...incident, alerts, missingAlertIds };
  return { status: 200, headers: { 'cache-control': 'no-store', etag: entityTag(stored.etag) }, jsonBody: body };
}

export const getIncidentFunction = defineHttpFunction('getIncident', {
  route: 'subscriptions/{subscriptionId}/incidents/{incidentId}',
  methods: ['GET'],
  handler: getIncident,
});
