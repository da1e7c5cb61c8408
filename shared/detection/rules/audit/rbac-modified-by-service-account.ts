import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { objectName } from '../../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, bindingEvent, bindingPatchEvent, roleEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { serviceAccountOf } from '../../predicates/identities';
import {
  ADMIN_CLUSTER_ROLES,
  bindingDetails,
  bindingEntities,
  bindingRoleRef,
  isBindingResource,
  isClusterRoleNamed,
  RBAC_API_GROUP,
  writtenSubjects,
} from '../../predicates/rbacBindings';
import { DangerousPermission, dangerousPermissions, isRoleResource, writtenRoleRules } from '../../predicates/rbacRoles';
import { isTrustedRbacWriter } from '../../predicates/rbacWriters';
import { isDelete, isMainResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const RBAC_RESOURCES: readonly string[] = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

/** Permissions that make a role written by a workload an immediate escalation. */
const ESCALATING: ReadonlySet<DangerousPermission> = new Set([
  DangerousPermission.clusterAdmin,
  DangerousPermission.wildcardVerbs,
  DangerousPermission.escalate,
  DangerousPermission.bind,
  DangerousPermission.impersonate,
]);

function isRbacObjectRequest(event: AuditEvent): boolean {
  return (isWrite(event) || isDelete(event)) && isMainResource(event) && (isBindingResource(event) || isRoleResource(event));
}

/** The identity the request acted as is a service account (a workload's token, or a person impersonating one). */
function actingServiceAccount(event: AuditEvent): { namespace: string; name: string } | undefined {
  return serviceAccountOf((event.impersonatedUser ?? event.user).username);
}

function kindOf(event: AuditEvent): string {
  switch (event.objectRef?.resource) {
    case 'clusterroles':
      return 'ClusterRole';
    case 'roles':
      return 'Role';
    case 'clusterrolebindings':
      return 'ClusterRoleBinding';
    default:
      return 'RoleBinding';
  }
}

/** The write grants administrator rights at once: a binding to cluster-admin/admin/edit, or a role with escalating rules. */
function grantsEscalation(event: AuditEvent): boolean {
  if (isDelete(event)) return false;
  if (isBindingResource(event)) return writtenSubjects(event).length > 0 && isClusterRoleNamed(bindingRoleRef(event), ADMIN_CLUSTER_ROLES);
  return dangerousPermissions(writtenRoleRules(event)).some((permission) => ESCALATING.has(permission));
}

const operatorWrites = { user: 'system:serviceaccount:ci-tools:runner', userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' };

export const rbacModifiedByServiceAccount = defineRule({
  id: 'rbac-modified-by-service-account',
  alertType: 'K8S_RbacModifiedByServiceAccount',
  displayName: 'RBAC object modified by a service account',
  description:
    'A service account created, changed or deleted a Role, ClusterRole, RoleBinding or ClusterRoleBinding. Workloads seldom ' +
    'need to manage permissions; when a workload\'s token writes RBAC, it is usually either an operator doing its job or an ' +
    'attacker with a stolen token granting themselves more rights (or binding an account they control). The cluster\'s own ' +
    'controllers (the ClusterRole aggregation controller among them) and the listed RBAC managers (rbacManagers: GitOps ' +
    'controllers, operator lifecycle managers) are not reported.',
  // New alert type. Medium; High when the write grants administrator rights at once (binding to cluster-admin/admin/edit, wildcard, escalate, bind or impersonate rules).
  severity: Severity.Medium,
  severityFor: (event) => (grantsEscalation(event) ? Severity.High : Severity.Medium),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006'],
  remediation: [
    'Identify the workload that runs as the service account and confirm it is an operator meant to manage RBAC; if so, add the account to the rbacManagers list.',
    'If not, delete or revert the written object, find out how the token was obtained (pods running as the account, token requests, secrets), and rotate it.',
    'Remove create/update/patch/delete on RBAC objects, and the escalate/bind verbs, from the service account\'s roles.',
  ],
  falsePositives: [
    'Operators that manage RBAC for what they deploy (Prometheus, Crossplane, Kubeflow profile controller, Kyverno generate policies) and are not yet in the rbacManagers list.',
    'CI/CD pipelines that install Helm charts with their own RBAC under a service-account token.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping',
    'https://github.com/elastic/detection-rules/blob/main/rules/integrations/kubernetes/privilege_escalation_service_account_rbac_write_operation.toml',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['Kubernetes Service Account Modified RBAC Objects'] },
  resources: RBAC_RESOURCES,
  match: (event, context) =>
    isRbacObjectRequest(event) && succeeded(event) && !isDryRun(event) && actingServiceAccount(event) !== undefined && !isTrustedRbacWriter(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = isBindingResource(event) && !isDelete(event) ? bindingEntities(event, writtenSubjects(event)) : requestEntities(event);
    const account = actingServiceAccount(event);
    if (account !== undefined) entities.push({ type: EntityType.serviceAccount, name: account.name, namespace: account.namespace });
    return entities;
  },
  details: (event) => {
    const details: Record<string, string> = {
      kind: kindOf(event),
      object: `${namespaceOf(event) === undefined ? '' : `${namespaceOf(event) ?? ''}/`}${objectName(event) ?? ''}`,
      verb: event.verb,
    };
    if (isDelete(event)) return details;
    if (isBindingResource(event)) return { ...details, ...bindingDetails(event, writtenSubjects(event)) };
    const permissions = dangerousPermissions(writtenRoleRules(event));
    if (permissions.length > 0) details.dangerousPermissions = permissions.join(', ');
    return details;
  },
  dedupKey: (event) => `${event.objectRef?.resource ?? ''}|${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${(event.impersonatedUser ?? event.user).username}`,
  examples: [
    {
      name: 'a workload token binds cluster-admin to a service account',
      expect: 'alert',
      event: bindingEvent(
        { name: 'metrics-reader', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
        { user: 'system:serviceaccount:shop:web', userAgent: 'python-requests/2.32.3' },
      ),
    },
    {
      name: 'a CI service account creates a namespaced Role',
      expect: 'alert',
      event: roleEvent({ name: 'configmap-editor', namespace: 'shop', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'] }] }, operatorWrites),
    },
    {
      name: 'a service account patches a ClusterRole with wildcard rules',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'view',
        user: 'system:serviceaccount:shop:web',
        requestObject: [{ op: 'add', path: '/rules/-', value: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] } }],
      }),
    },
    {
      name: 'a service account deletes a RoleBinding',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: 'rolebindings', apiGroup: RBAC_API_GROUP, namespace: 'gatekeeper-system', name: 'gatekeeper-manager-rolebinding', user: 'system:serviceaccount:shop:web' }),
    },
    {
      name: 'the ClusterRole aggregation controller applies the admin role',
      expect: 'none',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'admin',
        user: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
        requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin?fieldManager=clusterrole-aggregation-controller&force=true',
        requestObject: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'admin' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      }),
    },
    {
      name: 'Argo CD applies a RoleBinding from Git',
      expect: 'none',
      event: bindingEvent(
        { name: 'shop-deployers', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'shop-developers' }] },
        { user: 'system:serviceaccount:argocd:argocd-application-controller', userAgent: 'argocd-controller/v2.13.1+af54ef8 (linux/amd64) kubernetes/$Format' },
      ),
    },
    {
      name: 'Flux applies a tenant Role impersonating the tenant service account',
      expect: 'none',
      event: roleEvent(
        { name: 'app-config-reader', namespace: 'team-a', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] },
        {
          verb: 'patch',
          user: 'system:serviceaccount:flux-system:kustomize-controller',
          impersonatedUser: { username: 'system:serviceaccount:team-a:flux-reconciler', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] },
          userAgent: 'kustomize-controller/v1.4.0',
        },
      ),
    },
    {
      name: 'a person impersonates a workload service account to bind a role',
      expect: 'alert',
      event: bindingEvent(
        { name: 'web-secrets', namespace: 'payments', roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'mallory@contoso.com' }] },
        { impersonatedUser: { username: 'system:serviceaccount:payments:api', groups: ['system:serviceaccounts', 'system:serviceaccounts:payments', 'system:authenticated'] } },
      ),
    },
    {
      name: 'a person creates a RoleBinding',
      expect: 'none',
      event: bindingEvent({ name: 'dana-view', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }),
    },
    {
      name: 'the namespace controller deletes the RoleBindings of a deleted namespace',
      expect: 'none',
      event: auditEvent({ verb: 'deletecollection', resource: 'rolebindings', apiGroup: RBAC_API_GROUP, namespace: 'review-pr-1423', user: 'system:serviceaccount:kube-system:namespace-controller' }),
    },
    {
      name: 'a service account reads RoleBindings',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'rolebindings', apiGroup: RBAC_API_GROUP, namespace: 'shop', user: 'system:serviceaccount:shop:web' }),
    },
    {
      name: 'a service account binding that RBAC refused',
      expect: 'none',
      event: bindingPatchEvent(
        { name: 'ops-admins', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
        [{ op: 'add', path: '/subjects/-', value: { kind: 'ServiceAccount', name: 'web', namespace: 'shop' } }],
        { user: 'system:serviceaccount:shop:web', code: 403 },
      ),
    },
  ],
});
