import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { type Principal } from '../auth/principal';
import { ADMIN_APP_ROLE, type SubscriptionRole } from '../auth/roles';
import { decideAccess } from '../auth/subscriptionAccess';
import { getServices, type Services } from '../services';
import { getRoleAssignment } from '../store/roleAssignmentStore';
import { authenticateRequest } from './authenticateRequest';
import { errorResponse } from './errorResponse';
import { enforceRateLimit, type RateLimitedOperation } from './rateLimits';

export interface AuthorizeSubscriptionOptions {
  minimumRole: SubscriptionRole;
  /**
   * `collection` routes refuse a caller without a role in the subscription with 403; `single` routes
   * (one alert, one rule) answer 404, so that another tenant's resource is never shown to exist.
   */
  target: 'collection' | 'single';
  /** Operators (`Argus.Admin` app role) may use the route in any subscription. */
  allowOperator?: boolean;
  /**
   * Limits the route's requests per principal (its tenant and object id): checked once the token is accepted and
   * before anything is read from the store, so a caller over the limit gets 429 and costs no store work.
   */
  rateLimit?: { operation: RateLimitedOperation; route: string };
}

export type SubscriptionAuthorization =
  | { kind: 'authorized'; principal: Principal; subscriptionId: string; role: SubscriptionRole | undefined; services: Services }
  | { kind: 'rejected'; response: HttpResponseInit };

const subscriptionIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a subscription id (a GUID)')
  .transform((id) => id.toLowerCase());

/**
 * The gate of every `/subscriptions/{subscriptionId}/...` route: the bearer token (401), the route's rate limit
 * per principal when it has one (429), the route's subscription id (400), and the caller's role in that
 * subscription (403, or 404 for single resources).
 * Deny by default: a caller passes only with a role at least `minimumRole`.
 */
export async function authorizeSubscriptionRequest(
  request: HttpRequest,
  context: InvocationContext,
  options: AuthorizeSubscriptionOptions,
): Promise<SubscriptionAuthorization> {
  const services = getServices();
  const authentication = await authenticateRequest(request, context, services.tokenValidator);
  if (authentication.kind === 'rejected') return authentication;
  const { principal } = authentication;
  if (options.rateLimit !== undefined) {
    const limit = enforceRateLimit(services.config.rateLimits, context, {
      ...options.rateLimit,
      caller: `${principal.tenantId}/${principal.objectId}`,
      callerForLog: `principal ${principal.objectId}`,
    });
    if (limit.kind === 'rejected') return limit;
  }

  const parsed = subscriptionIdSchema.safeParse(request.params.subscriptionId ?? '');
  if (!parsed.success) {
    return { kind: 'rejected', response: errorResponse(400, 'InvalidParameter', `subscriptionId ${parsed.error.issues[0]?.message ?? 'is invalid'}.`) };
  }
  const subscriptionId = parsed.data;
  const assignment = await getRoleAssignment(services.database, subscriptionId, principal.objectId);
  const decision = decideAccess({
    role: assignment?.role,
    isOperator: principal.appRoles.includes(ADMIN_APP_ROLE),
    minimumRole: options.minimumRole,
    allowOperator: options.allowOperator ?? false,
  });
  if (decision.kind === 'allowed') return { kind: 'authorized', principal, subscriptionId, role: assignment?.role, services };

  context.warn(`access refused: ${decision.kind} for principal ${principal.objectId} in subscription ${subscriptionId} (invocation ${context.invocationId})`);
  if (decision.kind === 'no-role' && options.target === 'single') {
    return { kind: 'rejected', response: errorResponse(404, 'NotFound', 'The resource was not found.') };
  }
  const message =
    decision.kind === 'no-role'
      ? 'The caller has no role in this subscription.'
      : `This operation requires the ${decision.required} role or higher in this subscription.`;
  return { kind: 'rejected', response: errorResponse(403, 'Forbidden', message) };
}
