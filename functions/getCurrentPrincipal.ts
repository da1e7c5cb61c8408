import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authenticateRequest } from '../shared/http/authenticateRequest';
import { getServices } from '../shared/services';

/**
 * `GET /api/me`: who the bearer token says the caller is. The first protected route: it lets a user or
 * an integration check its token before calling anything else, and shows nothing but its own identity.
 */
export async function getCurrentPrincipal(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authentication = await authenticateRequest(request, context, getServices().tokenValidator);
  if (authentication.kind === 'rejected') return authentication.response;
  const { objectId, tenantId, displayName, kind, appRoles } = authentication.principal;
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { objectId, tenantId, displayName, kind, appRoles },
  };
}

export const getCurrentPrincipalFunction = defineHttpFunction('getCurrentPrincipal', {
  route: 'me',
  methods: ['GET'],
  handler: getCurrentPrincipal,
});
