import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { runAssessmentRefresh } from '../shared/assessments/runAssessmentRefresh';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseEmptyBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { AssessmentRefreshTrigger } from '../shared/store/assessmentRefreshStore';
import { getPlan } from '../shared/store/planStore';

/**
 * `POST /api/subscriptions/{subscriptionId}/assessments/refresh` (SecurityAdmin or higher): re-reads the
 * subscription's clusters and re-evaluates every check now. 202 with the run and its `Location`
 * (`GET .../assessments/refresh/{refreshId}`); no body (nothing or `{}`). The refresh runs within the request, not after the response: the
 * Functions host may freeze or recycle an instance once the response is sent, so background work is not guaranteed to
 * finish, while one subscription's refresh is short (200 clusters: see the README) and bounded by the function
 * timeout. The run is recorded first, so a refresh cut off by the timeout stays visible as `Running`.
 */
export async function startAssessmentRefresh(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const body = await parseEmptyBody(request);
  if (body.kind === 'rejected') return body.response;
  const { subscriptionId, services, principal } = authorization;

  if ((await getPlan(services.database, subscriptionId))?.enabled !== true) {
    return errorResponse(409, 'PlanNotEnabled', 'The plan of this subscription is not enabled, so its clusters are not assessed: enable it first (PUT .../plan).');
  }
  const finished = await runAssessmentRefresh(services, context, {
    subscriptionId,
    trigger: AssessmentRefreshTrigger.OnDemand,
    requestedBy: { principalId: principal.objectId, principalName: principal.displayName },
  });
  const location = new URL(`/api/subscriptions/${subscriptionId}/assessments/refresh/${finished.id}`, request.url).toString();
  return { status: 202, headers: { 'cache-control': 'no-store', location }, jsonBody: finished };
}

export const startAssessmentRefreshFunction = defineHttpFunction('startAssessmentRefresh', {
  route: 'subscriptions/{subscriptionId}/assessments/refresh',
  methods: ['POST'],
  handler: startAssessmentRefresh,
});
