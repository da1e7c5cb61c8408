import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { refreshAssessments } from '../shared/assessments/refreshAssessments';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { type AssessmentRefreshRun, AssessmentRefreshStatus, saveAssessmentRefreshRun } from '../shared/store/assessmentRefreshStore';
import { getPlan } from '../shared/store/planStore';

/**
 * `POST /api/subscriptions/{subscriptionId}/assessments/refresh` (SecurityAdmin or higher): re-reads the
 * subscription's clusters and re-evaluates every check now. 202 with the run and its `Location`
 * (`GET .../assessments/refresh/{refreshId}`). The refresh runs within the request, not after the response: the
 * Functions host may freeze or recycle an instance once the response is sent, so background work is not guaranteed to
 * finish, while one subscription's refresh is short (200 clusters: see the README) and bounded by the function
 * timeout. The run is recorded first, so a refresh cut off by the timeout stays visible as `Running`.
 */
export async function startAssessmentRefresh(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { subscriptionId, services, principal } = authorization;

  if ((await getPlan(services.database, subscriptionId))?.enabled !== true) {
    return errorResponse(409, 'PlanNotEnabled', 'The plan of this subscription is not enabled, so its clusters are not assessed: enable it first (PUT .../plan).');
  }
  const run: AssessmentRefreshRun = {
    id: randomUUID(),
    subscriptionId,
    status: AssessmentRefreshStatus.Running,
    requestedBy: { principalId: principal.objectId, principalName: principal.displayName },
    requestedAtUtc: new Date().toISOString(),
  };
  await saveAssessmentRefreshRun(services.database, run);
  let finished: AssessmentRefreshRun;
  try {
    const result = await refreshAssessments({
      subscriptionIds: [subscriptionId],
      clusterSource: services.clusterSource,
      database: services.database,
      now: new Date().toISOString(),
      argusAuditHub: { eventHubName: services.config.auditStream.eventHubName },
    });
    const refreshed = result.subscriptions[0];
    finished = {
      ...run,
      status: AssessmentRefreshStatus.Succeeded,
      completedAtUtc: new Date().toISOString(),
      clusters: refreshed?.clusters ?? 0,
      written: refreshed?.written ?? 0,
      deleted: refreshed?.deleted ?? 0,
      unchanged: refreshed?.unchanged ?? 0,
      problems: refreshed?.problems ?? [],
    };
  } catch (error) {
    context.error(`assessment refresh ${run.id} of subscription ${subscriptionId} failed: ${error instanceof Error ? error.message : String(error)}`);
    finished = { ...run, status: AssessmentRefreshStatus.Failed, completedAtUtc: new Date().toISOString(), problems: ['The refresh failed; try again later.'] };
  }
  await saveAssessmentRefreshRun(services.database, finished);
  context.log(`assessment refresh ${run.id} of subscription ${subscriptionId} by principal ${principal.objectId}: ${finished.status}, ${finished.clusters ?? 0} clusters, ${finished.written ?? 0} written`);
  const location = new URL(`/api/subscriptions/${subscriptionId}/assessments/refresh/${run.id}`, request.url).toString();
  return { status: 202, headers: { 'cache-control': 'no-store', location }, jsonBody: finished };
}

export const startAssessmentRefreshFunction = defineHttpFunction('startAssessmentRefresh', {
  route: 'subscriptions/{subscriptionId}/assessments/refresh',
  methods: ['POST'],
  handler: startAssessmentRefresh,
});
