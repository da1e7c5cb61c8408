import { objectName } from '../../../kubernetes/workloads';
import { auditEvent, roleEvent, roleObject } from '../../exampleEvents';
import { RBAC_API_GROUP as RBAC_API } from '../../predicates/rbacBindings';
import { isTrustedRbacWriter } from '../../predicates/rbacWriters';
import { DangerousPermission, dangerousPermissions, dangerousPermissionsOfRule, describePolicyRule, isRoleResource, writtenRoleRules, ROLE_RESOURCES } from '../../predicates/rbacRoles';
import { isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const everything = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];

export const highPrivilegesRole = defineRule({
  id: 'high-privileges-role',
  alertType: 'K8S_HighPrivilegesRole',
  displayName: 'New high privileges role detected',
  description:
    'A Role or ClusterRole was created or changed so that it grants high privileges: wildcards (all verbs, all resources of an ' +
    'API group, all API groups with write verbs), the RBAC escalation verbs escalate, bind and impersonate, reading secrets, ' +
    'exec or attach into pods, or the kubelet API through nodes/proxy. Whoever is bound to the role gets these privileges; ' +
    'attackers create such roles to keep or widen their access.',
  // Defender's severity for K8S_HighPrivilegesRole; a role that grants everything (cluster-admin equivalent) is raised to Low.
  severity: Severity.Informational,
  severityFor: (event) =>
    dangerousPermissions(writtenRoleRules(event)).includes(DangerousPermission.clusterAdmin) ? Severity.Low : Severity.Informational,
  intent: Intent.Persistence,
  techniques: ['T1098.006'],
  remediation: [
    'Check with the author whether the role needs each reported permission; replace wildcards with the explicit resources and verbs needed.',
    'Review the RoleBindings and ClusterRoleBindings that reference the role and who they bind (`kubectl get rolebindings,clusterrolebindings -A -o wide`).',
    'Grant escalate, bind and impersonate only to cluster administrators, and limit them with resourceNames where possible.',
    'If the change was not expected, delete or revert the role and investigate the account that wrote it.',
  ],
  falsePositives: [
    'Operators and Helm charts installed by an administrator often ship ClusterRoles with wildcard verbs on their own custom resources, or with secrets read.',
    'Delegated-administration roles that allow bind, escalate or impersonate only on named objects (resourceNames), as the Kubernetes documentation recommends, are still reported: check the names.',
    'Updating an existing high-privilege role (for example `kubectl apply` of an unchanged manifest) raises the alert again: the audit log does not show the previous rules.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: {
    defender: ['K8S_HighPrivilegesRole'],
    falco: ['ClusterRole With Wildcard Created', 'ClusterRole With Pod Exec Created'],
    guardDuty: ['PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated'],
    elastic: ['Kubernetes Creation or Modification of Sensitive Role'],
  },
  resources: [...ROLE_RESOURCES],
  match: (event, context) =>
    isRoleResource(event) &&
    isWrite(event) &&
    succeeded(event) &&
    !isTrustedRbacWriter(event, context) &&
    dangerousPermissions(writtenRoleRules(event)).length > 0,
  entities: (event) => requestEntities(event),
  details: (event) => {
    const rules = writtenRoleRules(event);
    return {
      roleKind: event.objectRef?.resource === 'clusterroles' ? 'ClusterRole' : 'Role',
      dangerousPermissions: dangerousPermissions(rules).join(', '),
      dangerousRules: redactText(
        rules
          .filter((rule) => dangerousPermissionsOfRule(rule).length > 0)
          .map(describePolicyRule)
          .join('; '),
      ),
    };
  },
  dedupKey: (event) => `${event.objectRef?.resource ?? ''}|${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'Argo CD applies the kube-state-metrics ClusterRole, which lists secrets, from Git',
      expect: 'none',
      event: roleEvent(
        { name: 'kube-state-metrics', rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps', 'pods'], verbs: ['list', 'watch'] }] },
        { user: 'system:serviceaccount:argocd:argocd-application-controller', userAgent: 'argocd-application-controller/v2.13.1' },
      ),
    },
    {
      name: 'a user creates a ClusterRole with every verb on every resource',
      expect: 'alert',
      event: roleEvent({ name: 'ops-superuser', rules: everything }),
    },
    {
      name: 'a namespaced Role that reads secrets and execs into pods',
      expect: 'alert',
      event: roleEvent({
        name: 'debugger',
        namespace: 'shop',
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
          { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        ],
      }),
    },
    {
      name: 'a ClusterRole that may impersonate users and groups',
      expect: 'alert',
      event: roleEvent({ name: 'impersonator', rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }] }),
    },
    {
      name: 'a strategic-merge patch that gives a role nodes/proxy and bind',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterroles',
        apiGroup: RBAC_API,
        name: 'node-reader',
        requestObject: {
          rules: [
            { apiGroups: [''], resources: ['nodes', 'nodes/proxy'], verbs: ['get'] },
            { apiGroups: [RBAC_API], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] },
          ],
        },
      }),
    },
    {
      name: 'a JSON patch that adds the wildcard verb to an existing rule',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'roles',
        apiGroup: RBAC_API,
        namespace: 'shop',
        name: 'deployer',
        requestObject: [{ op: 'add', path: '/rules/0/verbs/-', value: '*' }],
        responseObject: roleObject('deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update', '*'] }], 'shop'),
      }),
    },
    {
      name: 'a read-only ClusterRole for monitoring',
      expect: 'none',
      event: roleEvent({
        name: 'metrics-reader',
        rules: [
          { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['metrics.k8s.io'], resources: ['*'], verbs: ['get', 'list'] },
        ],
      }),
    },
    {
      name: 'a Role that reads one named secret',
      expect: 'none',
      event: roleEvent({ name: 'web-config', namespace: 'shop', rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-tls'], verbs: ['get'] }] }),
    },
    {
      name: 'the aggregation controller fills the rules of the built-in admin role',
      expect: 'none',
      event: roleEvent(
        {
          name: 'admin',
          rules: [
            { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
            { apiGroups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['create', 'get'] },
          ],
        },
        { verb: 'update', user: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller' },
      ),
    },
    {
      name: 'the AKS add-on manager creates an add-on ClusterRole',
      expect: 'none',
      event: roleEvent(
        { name: 'system:azure-cloud-provider-secret-getter', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        { user: 'system:serviceaccount:kube-system:addon-manager' },
      ),
    },
    {
      name: 'a wildcard ClusterRole the API server refused',
      expect: 'none',
      event: roleEvent({ name: 'ops-superuser', rules: everything }, { code: 403 }),
    },
    {
      name: 'a label patch on a high-privilege role',
      expect: 'none',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterroles',
        apiGroup: RBAC_API,
        name: 'ops-superuser',
        requestObject: { metadata: { labels: { team: 'platform' } } },
      }),
    },
  ],
});
