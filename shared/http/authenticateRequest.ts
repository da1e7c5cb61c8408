import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/principal';
import type { TokenValidator } from '../auth/tokenValidator';
import { errorResponse } from './errorResponse';

export type RequestAuthentication = { kind: 'authenticated'; principal: Principal } | { kind: 'rejected'; response: HttpResponseInit };

/**
 * Establishes the caller from the bearer token, or produces the response that refuses it. Callers learn
 * only that the token was not accepted; the reason goes to the log with the invocation id.
 */
export async function authenticateRequest(
  request: HttpRequest,
  context: InvocationContext,
  validator: TokenValidator,
): Promise<RequestAuthentication> {
  const result = await validator.authenticate(request.headers.get('authorization'));
  if (result.kind === 'authenticated') return result;
  if (result.reason === 'key-set-unavailable') {
    context.error(`authentication unavailable: the signing key set could not be fetched (invocation ${context.invocationId})`);
    return {
      kind: 'rejected',
      response: errorResponse(503, 'AuthenticationUnavailable', 'The token could not be checked right now; retry later.', { 'retry-after': '5' }),
    };
  }
  context.warn(`request refused: ${result.reason} (invocation ${context.invocationId})`);
  return {
    kind: 'rejected',
    response: errorResponse(401, 'Unauthorized', 'A valid bearer token is required.', {
      'www-authenticate': result.reason === 'missing-token' ? 'Bearer' : 'Bearer error="invalid_token"',
    }),
  };
}
