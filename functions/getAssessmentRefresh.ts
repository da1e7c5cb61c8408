import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { getAssessmentRefreshRun } from '../shared/store/assessmentRefreshStore';

const refreshId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a refresh id (a GUID)');

/** `GET /api/subscriptions/{subscriptionId}/assessments/refresh/{refreshId}` (SecurityReader or higher): an on-demand refresh and what it did. */
export async function getAssessmentRefresh(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) =>
    parseRouteParameter('refreshId', refreshId, params.refreshId),
  );
  if (authorization.kind === 'rejected') return authorization.response;
  const { services, subscriptionId, resourceId: id } = authorization;
  const run = await getAssessmentRefreshRun(services.database, subscriptionId, id.toLowerCase());
  if (run === undefined) return errorResponse(404, 'NotFound', 'The assessment refresh was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: run };
}

export const getAssessmentRefreshFunction = defineHttpFunction('getAssessmentRefresh', {
  route: 'subscriptions/{subscriptionId}/assessments/refresh/{refreshId}',
  methods: ['GET'],
  handler: getAssessmentRefresh,
});
