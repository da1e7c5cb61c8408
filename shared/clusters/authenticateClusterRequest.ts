import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { errorResponse } from '../http/errorResponse';
import type { Services } from '../services';
import { type ClusterRegistration, getClusterRegistration } from '../store/clusterStore';
import { SecretAccessError } from '../secrets/secretProtector';
import { ingestionKeyIdOf, parseIngestionKey } from './ingestionKey';
import { verifyIngestionKeyWithVerifiers } from './ingestionKeyVerifier';

export type ClusterAuthentication =
  /** `keyId`: the id of the key presented (the current one, or the previous one during a rotation's grace). */
  | { kind: 'authenticated'; registration: ClusterRegistration; keyId: string }
  | { kind: 'rejected'; response: HttpResponseInit };

/**
 * Establishes which registered cluster calls, from `Authorization: Bearer <ingestion key>`: the key
 * names its registration, read by point read on every request (no cache, so a deleted registration or
 * a rotated-out key stops working at once), then the key is checked against the registration's keyed verifiers
 * (HMAC, constant-time comparison; the data keys are cached per instance). Every refusal is the same 401; the
 * reason goes to the log with the invocation id, never the key. A verifier that cannot be read (sealed under a
 * key version that is gone, or altered) is a 503 and an error naming the registration; an unreachable key vault
 * throws, like an unreachable store.
 */
export async function authenticateClusterRequest(request: HttpRequest, context: InvocationContext, services: Services, now: Date): Promise<ClusterAuthentication> {
  const header = request.headers.get('authorization');
  const token = header === null ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (token === undefined) return refused(context, header === null ? 'no bearer token' : 'not a bearer token');
  const key = parseIngestionKey(token);
  if (key === undefined) return refused(context, 'malformed ingestion key');
  const stored = await getClusterRegistration(services.database, key.subscriptionId, key.clusterName);
  if (stored === undefined) return refused(context, `no registration for cluster ${key.clusterName} in subscription ${key.subscriptionId}`);
  let verified: boolean;
  try {
    verified = await verifyIngestionKeyWithVerifiers(services.secrets, key, stored.registration, now);
  } catch (error) {
    if (!(error instanceof SecretAccessError)) throw error;
    context.error(`cluster ingestion refused: ${error.message} (invocation ${context.invocationId}); issue the cluster a new key`);
    return {
      kind: 'rejected',
      response: errorResponse(503, 'ServiceUnavailable', 'The cluster ingestion key cannot be checked now.', { 'retry-after': '60' }),
    };
  }
  if (!verified) {
    return refused(context, `key not current for cluster ${key.clusterName} in subscription ${key.subscriptionId}`);
  }
  return { kind: 'authenticated', registration: stored.registration, keyId: ingestionKeyIdOf(key) };
}

function refused(context: InvocationContext, reason: string): ClusterAuthentication {
  context.warn(`cluster ingestion refused: ${reason} (invocation ${context.invocationId})`);
  return {
    kind: 'rejected',
    response: errorResponse(401, 'Unauthorized', 'A valid cluster ingestion key is required.', { 'www-authenticate': 'Bearer' }),
  };
}
