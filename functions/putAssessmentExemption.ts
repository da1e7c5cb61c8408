import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { clusterChecks } from '../shared/posture/checks/cluster';
import { workloadControls } from '../shared/posture/checks/workload';
import { type AssessmentExemption, parseAssessmentExemptionBody, parseExemptionName } from '../shared/posture/assessmentExemption';
import { type BodyValidation } from '../shared/http/parseJsonBody';
import { getAssessmentExemption, toAssessmentExemptionView, upsertAssessmentExemption } from '../shared/store/assessmentExemptionStore';

// Cluster checks and workload controls: both give assessments an owner may exempt.
const CHECK_NAMES = new Set([...clusterChecks.map((check) => check.name), ...workloadControls.map((control) => control.name)]);

/**
 * `PUT /api/subscriptions/{subscriptionId}/assessmentExemptions/{name}` (SecurityAdmin or higher): creates (201) or
 * replaces (200) an exemption of one check on one cluster (`scope`: its resource id) or on every cluster of the
 * subscription (`scope`: `/subscriptions/<id>`), as a `waiver` or `mitigated`, with a reason and an optional expiry.
 * Exempted assessments keep their status, name the exemption and leave the secure score.
 */
export async function putAssessmentExemption(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseExemptionName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const { principal, subscriptionId, services, resourceId: name } = authorization;

  const existing = await getAssessmentExemption(services.database, subscriptionId, name);
  const now = new Date().toISOString();
  const body = await parseJsonBody(request, (json): BodyValidation<AssessmentExemption> => {
    const parsed = parseAssessmentExemptionBody(json, { name, subscriptionId, createdBy: principal.objectId, now });
    if (!parsed.ok) return parsed;
    if (!CHECK_NAMES.has(parsed.value.checkName)) return { ok: false, message: `checkName ${parsed.value.checkName} is not a cluster check or workload control; see GET .../assessments for the names.` };
    return parsed;
  }, { example: '{"checkName":"private-cluster","scope":"/subscriptions/<id>","category":"mitigated","reason":"..."}' });
  if (body.kind === 'rejected') return body.response;

  const stored = await upsertAssessmentExemption(services.database, {
    ...body.value,
    ...(existing === undefined ? {} : { createdBy: existing.createdBy, createdUtc: existing.createdUtc }),
  });
  context.info(`assessment exemption ${name} ${existing ? 'updated' : 'created'} in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: existing ? 200 : 201, headers: { 'cache-control': 'no-store' }, jsonBody: toAssessmentExemptionView(stored) };
}

export const putAssessmentExemptionFunction = defineHttpFunction('putAssessmentExemption', {
  route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}',
  methods: ['PUT'],
  handler: putAssessmentExemption,
});
