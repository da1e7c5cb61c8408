import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { exemptAssessments } from '../shared/assessments/exemptAssessments';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { secureScore, secureScoreByCluster } from '../shared/posture/secureScore';
import { listAssessmentExemptions } from '../shared/store/assessmentExemptionStore';
import { listAssessments } from '../shared/store/assessmentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/secureScore` (SecurityReader or higher): the secure score of the
 * subscription and of each cluster (healthy over applicable, weighted by severity; exempted and NotApplicable results
 * do not count), with the counts behind it. `score` is null when nothing is applicable.
 */
export async function getSecureScore(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { subscriptionId, services } = authorization;

  const [stored, exemptions] = await Promise.all([listAssessments(services.database, subscriptionId), listAssessmentExemptions(services.database, subscriptionId)]);
  const assessments = exemptAssessments(stored, exemptions, new Date().toISOString());
  const clusters = [...secureScoreByCluster(assessments)]
    .map(([clusterResourceId, score]) => ({ clusterResourceId, ...score }))
    .sort((a, b) => (a.clusterResourceId < b.clusterResourceId ? -1 : a.clusterResourceId > b.clusterResourceId ? 1 : 0));
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { subscriptionId, ...secureScore(assessments), clusters } };
}

export const getSecureScoreFunction = defineHttpFunction('getSecureScore', {
  route: 'subscriptions/{subscriptionId}/secureScore',
  methods: ['GET'],
  handler: getSecureScore,
});
