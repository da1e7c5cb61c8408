import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseExemptionName } from '../shared/posture/assessmentExemption';
import { deleteAssessmentExemption as deleteExemption } from '../shared/store/assessmentExemptionStore';

/** `DELETE /api/subscriptions/{subscriptionId}/assessmentExemptions/{name}`: 204 when deleted, 404 when there was none (SecurityAdmin or higher). */
export async function deleteAssessmentExemption(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseExemptionName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const { principal, subscriptionId, services, resourceId: name } = authorization;
  if (!(await deleteExemption(services.database, subscriptionId, name))) return errorResponse(404, 'NotFound', 'The assessment exemption was not found.');
  context.info(`assessment exemption ${name} deleted in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

export const deleteAssessmentExemptionFunction = defineHttpFunction('deleteAssessmentExemption', {
  route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}',
  methods: ['DELETE'],
  handler: deleteAssessmentExemption,
});
