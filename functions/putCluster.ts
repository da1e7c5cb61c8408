import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { clusterNameSchema, clusterRegistrationBodySchema, resolveClusterIdentity } from '../shared/clusters/clusterRegistration';
import { generateIngestionKey } from '../shared/clusters/ingestionKey';
import { createIngestionKeyVerifier, currentKeyVerifierOf } from '../shared/clusters/ingestionKeyVerifier';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { getClusterRegistration, issueClusterKey, saveClusterRegistration, toClusterRegistrationView } from '../shared/store/clusterStore';
import { type Actor } from '../shared/store/suppressionRuleStore';

/**
 * `PUT /api/subscriptions/{subscriptionId}/clusters/{clusterName}`: registers a cluster for the audit
 * webhook (201) or rotates its key (200), Owner only. The answer is the only place the new
 * `ingestionKey` is ever shown; Argus keeps a keyed verifier of it (sealed under the key-encryption key). Body (optional): `resourceId` (the cluster's AKS
 * or Arc resource id in this subscription; absent keeps the current one, or names the cluster as an
 * Arc cluster in resource group argus-registered-clusters) and `previousKeyValidForMinutes` (how long
 * the replaced key keeps working; 0, the default, stops it at once).
 */
export async function putCluster(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.Owner }, (params) =>
    parseRouteParameter('clusterName', clusterNameSchema, params.clusterName),
  );
  if (authorization.kind === 'rejected') return authorization.response;
  const { principal, subscriptionId, services, resourceId: clusterName } = authorization;

  const body = await parseJsonBody(request, clusterRegistrationBodySchema, { allowEmpty: true, example: '{"previousKeyValidForMinutes":60}' });
  if (body.kind === 'rejected') return body.response;
  const current = await getClusterRegistration(services.database, subscriptionId, clusterName);
  const identity = resolveClusterIdentity(subscriptionId, clusterName, body.value?.resourceId ?? current?.registration.resourceId);
  if (!identity.ok) return errorResponse(400, 'InvalidRequestBody', identity.message);

  const now = new Date();
  const by: Actor = { principalId: principal.objectId, principalName: principal.displayName };
  const key = generateIngestionKey(subscriptionId, clusterName);
  const graceInMinutes = body.value?.previousKeyValidForMinutes ?? 0;
  const keyVerifier = await createIngestionKeyVerifier(services.secrets, subscriptionId, clusterName, key.keyHash);
  const currentKeyVerifier = current !== undefined && graceInMinutes > 0 ? await currentKeyVerifierOf(services.secrets, current.registration) : undefined;
  const next = issueClusterKey(current?.registration, {
    key,
    keyVerifier,
    ...(currentKeyVerifier === undefined ? {} : { currentKeyVerifier }),
    identity: identity.value,
    previousKeyValidForMinutes: graceInMinutes,
    by,
    now,
  });
  const saved = await saveClusterRegistration(services.database, next, current?.etag);
  if (saved.kind === 'conflict') {
    return errorResponse(409, 'Conflict', 'The cluster registration changed while the key was being issued; send the request again.');
  }

  const what = current === undefined ? 'registered' : `key rotated (previous key valid for ${graceInMinutes} minutes)`;
  context.info(`cluster ${clusterName} ${what} in subscription ${subscriptionId} by principal ${principal.objectId}; key id ${key.keyId}`);
  return {
    status: current === undefined ? 201 : 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { ...toClusterRegistrationView(saved.registration, now), ingestionKey: key.key, webhookUrl: webhookUrlFor(request) },
  };
}

/** The webhook's address on the host that served this request (the route prefix included), for the kubeconfig. */
function webhookUrlFor(request: HttpRequest): string {
  const url = new URL(request.url);
  const at = url.pathname.toLowerCase().indexOf('/subscriptions/');
  return `${url.origin}${at < 0 ? '/api' : url.pathname.slice(0, at)}/ingest/audit`;
}

export const putClusterFunction = defineHttpFunction('putCluster', {
  route: 'subscriptions/{subscriptionId}/clusters/{clusterName}',
  methods: ['PUT'],
  handler: putCluster,
});
