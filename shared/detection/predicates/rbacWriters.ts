import { type AuditEvent } from '../../kubernetes/auditEvent';
import { type DetectionContext } from '../detectionContext';
import { isServiceAccount, isSystemRequest } from './identities';

/**
 * The request that writes RBAC comes from the cluster's own controllers (the ClusterRole aggregation controller, the namespace
 * controller and garbage collector, AKS add-ons), or from a listed RBAC manager (`rbacManagers`: GitOps controllers, operator
 * lifecycle managers) under its own identity or impersonating a service account, as Flux and Argo CD do to apply a tenant's
 * manifests with the tenant's rights. A manager impersonating a person or a system identity is not trusted by this.
 */
export function isTrustedRbacWriter(event: AuditEvent, context: DetectionContext): boolean {
  if (isSystemRequest(event, context)) return true;
  const managers = context.lists.rbacManagers;
  if (!managers.matches(event.user.username)) return false;
  const impersonated = event.impersonatedUser;
  if (impersonated === undefined || managers.matches(impersonated.username)) return true;
  return isServiceAccount(impersonated.username) && !context.lists.systemIdentities.matches(impersonated.username);
}
