import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { listAssessmentExemptions as listExemptions, toAssessmentExemptionView } from '../shared/store/assessmentExemptionStore';

/** `GET /api/subscriptions/{subscriptionId}/assessmentExemptions`: the subscription's exemptions (expired ones too), by name (SecurityReader or higher). */
export async function listAssessmentExemptions(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const exemptions = await listExemptions(authorization.services.database, authorization.subscriptionId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value: exemptions.map(toAssessmentExemptionView) } };
}

export const listAssessmentExemptionsFunction = defineHttpFunction('listAssessmentExemptions', {
  route: 'subscriptions/{subscriptionId}/assessmentExemptions',
  methods: ['GET'],
  handler: listAssessmentExemptions,
});
