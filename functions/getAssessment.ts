import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { assessmentClusterFilter, clusterQueryValue } from '../shared/assessments/assessmentClusterFilter';
import { exemptAssessments } from '../shared/assessments/exemptAssessments';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { CHECK_NAME_PATTERN } from '../shared/posture/assessmentExemption';
import { listAssessmentExemptions } from '../shared/store/assessmentExemptionStore';
import { listAssessments } from '../shared/store/assessmentStore';

const checkName = z.string().max(100).regex(CHECK_NAME_PATTERN, 'must be a check name such as api-server-access-restricted');

const getAssessmentQuery = z.object({
  cluster: z.string({ error: 'is required: a cluster name or an AKS cluster resource id' }).pipe(clusterQueryValue),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/assessments/{name}?cluster=<name or resource id>` (SecurityReader or
 * higher): one check's assessment of one cluster, with its exemption applied. A cluster name that two resource groups
 * share is 409 `AmbiguousCluster`: give the resource id.
 */
export async function getAssessment(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, getAssessmentQuery);
  if (query.kind === 'rejected') return query.response;
  const name = parseRouteParameter('name', checkName, request.params.name);
  if (!name.ok) return errorResponse(400, 'InvalidParameter', name.message);

  const [found, exemptions] = await Promise.all([
    listAssessments(services.database, subscriptionId, { name: name.value, ...assessmentClusterFilter(query.value.cluster) }),
    listAssessmentExemptions(services.database, subscriptionId),
  ]);
  if (found.length === 0) return errorResponse(404, 'NotFound', 'The assessment was not found.');
  if (found.length > 1) return errorResponse(409, 'AmbiguousCluster', 'Several clusters of this subscription have that name; give the cluster resource id.');
  const [assessment] = exemptAssessments(found, exemptions, new Date().toISOString());
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: assessment };
}

export const getAssessmentFunction = defineHttpFunction('getAssessment', {
  route: 'subscriptions/{subscriptionId}/assessments/{name}',
  methods: ['GET'],
  handler: getAssessment,
});
