import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseExemptionName } from '../shared/posture/assessmentExemption';
import { getAssessmentExemption as getExemption, toAssessmentExemptionView } from '../shared/store/assessmentExemptionStore';

/** `GET /api/subscriptions/{subscriptionId}/assessmentExemptions/{name}`: one exemption (SecurityReader or higher). */
export async function getAssessmentExemption(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) => parseExemptionName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const { services, subscriptionId, resourceId: name } = authorization;
  const exemption = await getExemption(services.database, subscriptionId, name);
  if (exemption === undefined) return errorResponse(404, 'NotFound', 'The assessment exemption was not found.');
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toAssessmentExemptionView(exemption) };
}

export const getAssessmentExemptionFunction = defineHttpFunction('getAssessmentExemption', {
  route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}',
  methods: ['GET'],
  handler: getAssessmentExemption,
});
