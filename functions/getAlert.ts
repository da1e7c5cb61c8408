import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { entityTag } from '../shared/http/entityTags';
import { errorResponse } from '../shared/http/errorResponse';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getAlert as readAlert } from '../shared/store/alertStore';
import { alertIdProblem } from '../shared/http/alertRoute';

/**
 * `GET /api/subscriptions/{subscriptionId}/alerts/{alertId}`: one alert, with its version in `ETag`
 * (send it back in `If-Match` when changing the status). SecurityReader or higher; 404 for a caller
 * without a role, so that another tenant's alert is never shown to exist.
 */
export async function getAlert(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const alertId = request.params.alertId ?? '';
  const problem = alertIdProblem(alertId);
  if (problem !== undefined) return problem;

  const stored = await readAlert(services.database, subscriptionId, alertId);
  if (stored === undefined) return errorResponse(404, 'NotFound', 'The alert was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store', etag: entityTag(stored.etag) }, jsonBody: stored.alert };
}

export const getAlertFunction = defineHttpFunction('getAlert', {
  route: 'subscriptions/{subscriptionId}/alerts/{alertId}',
  methods: ['GET'],
  handler: getAlert,
});
