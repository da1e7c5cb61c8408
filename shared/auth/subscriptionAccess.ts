import { type SubscriptionRole } from './roles';

/** How strong each role is: a role grants everything a weaker one does. */
const roleRank: Record<SubscriptionRole, number> = { SecurityReader: 1, SecurityAdmin: 2, Owner: 3 };

/** True when `role` is at least `minimum` (Owner > SecurityAdmin > SecurityReader). */
export function hasAtLeast(role: SubscriptionRole | undefined, minimum: SubscriptionRole): boolean {
  return role !== undefined && roleRank[role] >= roleRank[minimum];
}

/** Whether the caller may use a route of a subscription, and how to refuse when not. Pure: the edge maps it to HTTP. */
export type AccessDecision =
  | { kind: 'allowed' }
  /** No role at all in the subscription: a collection answers 403, a single resource 404 (its existence is not revealed). */
  | { kind: 'no-role' }
  /** A role, but too weak for the operation. */
  | { kind: 'role-too-low'; required: SubscriptionRole };

export interface AccessRequest {
  /** The caller's role in the subscription, if any. */
  role: SubscriptionRole | undefined;
  /** The caller holds the `Argus.Admin` app role. */
  isOperator: boolean;
  minimumRole: SubscriptionRole;
  /** Operators (Argus.Admin) may use the route in any subscription (role assignments: the bootstrap). */
  allowOperator: boolean;
}

/** Deny by default: allowed only with a strong enough role, or as an operator where the route says so. */
export function decideAccess(request: AccessRequest): AccessDecision {
  if (request.allowOperator && request.isOperator) return { kind: 'allowed' };
  if (request.role === undefined) return { kind: 'no-role' };
  return hasAtLeast(request.role, request.minimumRole) ? { kind: 'allowed' } : { kind: 'role-too-low', required: request.minimumRole };
}
