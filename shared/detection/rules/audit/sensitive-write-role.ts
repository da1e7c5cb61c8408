import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { objectName } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, roleEvent, roleObject } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { RBAC_API_GROUP } from '../../predicates/rbacBindings';
import { dangerousPermissions, describePolicyRule, grants, isRoleResource, type PolicyRule, ROLE_RESOURCES, writtenRoleRules } from '../../predicates/rbacRoles';
import { isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Verbs that change objects; `*` is matched by {@link grants}. */
const CHANGE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

interface SensitiveResource {
  apiGroup: string;
  resource: string;
  category: string;
}

const sensitive = (category: string, apiGroup: string, resources: readonly string[]): SensitiveResource[] =>
  resources.map((resource) => ({ apiGroup, resource, category }));

/** What a write grant gives away: code execution (pods and their controllers), credentials (secrets) and permissions (RBAC). */
const SENSITIVE_RESOURCES: readonly SensitiveResource[] = [
  ...sensitive('pods', '', ['pods', 'pods/exec', 'pods/attach', 'pods/ephemeralcontainers']),
  ...sensitive('workloads', '', ['replicationcontrollers']),
  ...sensitive('workloads', 'apps', ['deployments', 'daemonsets', 'statefulsets', 'replicasets']),
  ...sensitive('workloads', 'batch', ['jobs', 'cronjobs']),
  ...sensitive('secrets', '', ['secrets']),
  ...sensitive('RBAC', RBAC_API_GROUP, ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']),
];

/**
 * The sensitive resources a rule lets its holder change. A rule limited to named objects (resourceNames) is the
 * least-privilege way to let a pipeline update its own deployment or an operator its own secret: not reported.
 */
function sensitiveWritesOf(rule: PolicyRule): SensitiveResource[] {
  if (rule.resourceNames.length > 0) return [];
  return SENSITIVE_RESOURCES.filter((target) => grants(rule, target.apiGroup, target.resource, CHANGE_VERBS));
}

function sensitiveRules(event: AuditEvent): PolicyRule[] {
  return writtenRoleRules(event).filter((rule) => sensitiveWritesOf(rule).length > 0);
}

function categoriesOf(event: AuditEvent): string[] {
  return [...new Set(sensitiveRules(event).flatMap((rule) => sensitiveWritesOf(rule).map((target) => target.category)))];
}

function isTrustedWriter(event: AuditEvent, context: DetectionContext): boolean {
  return isSystemRequest(event, context) || context.lists.rbacManagers.matches(event.user.username);
}

const deployer = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['get', 'list', 'create', 'update'] },
];

export const sensitiveWriteRole = defineRule({
  id: 'sensitive-write-role',
  alertType: 'K8S_SensitiveWriteRole',
  displayName: 'Role granting write access to workloads, secrets or RBAC',
  description:
    'A Role or ClusterRole was created or changed so that it lets its holders create, change or delete pods (including exec, attach ' +
    'and ephemeral containers), pod controllers (Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs, CronJobs, ' +
    'ReplicationControllers), Secrets, or roles and bindings. Writing a pod or its template runs code under any service account of ' +
    'the namespace, writing Secrets replaces credentials, and writing RBAC hands out permissions: whoever is bound to the role gets ' +
    'these. This is the quieter companion of high-privileges-role: it does not fire when that rule does for the same request ' +
    '(wildcards, escalate, bind, impersonate, secrets read, exec, nodes/proxy), and rules limited to named objects (resourceNames) ' +
    'are not reported. The API server\'s own roles, the ClusterRole aggregation controller and the listed RBAC managers (GitOps ' +
    'controllers) are not reported.',
  // No Defender equivalent (Falco's rule is a NOTICE). Low: deployment pipelines and operators need such roles; the alert records who
  // can change workloads, secrets and permissions, for review.
  severity: Severity.Low,
  intent: Intent.Persistence,
  techniques: ['T1098.006'],
  remediation: [
    'Check with the author that the role needs each write permission reported, and that it is bound only to the accounts that need it.',
    'Limit write grants with resourceNames to the objects the holder manages, and keep RBAC writes to cluster administrators and GitOps controllers.',
    'If the change was not expected, revert the role and investigate the account that wrote it and the subjects bound to the role.',
  ],
  falsePositives: [
    'Deployment pipelines and operators installed by an administrator (Helm charts ship such roles for their own service accounts).',
    'Namespace owners writing a deployer role for their CI account.',
    'Updating an existing role without changing it (`kubectl apply` of the same manifest) raises the alert again: the audit log does not show the previous rules.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: {
    defender: [],
    falco: ['ClusterRole With Write Privileges Created'],
    guardDuty: [],
    elastic: [],
  },
  resources: [...ROLE_RESOURCES],
  match: (event, context) =>
    isRoleResource(event) &&
    isWrite(event) &&
    succeeded(event) &&
    !isTrustedWriter(event, context) &&
    sensitiveRules(event).length > 0 &&
    dangerousPermissions(writtenRoleRules(event)).length === 0,
  entities: (event) => requestEntities(event),
  details: (event) => ({
    roleKind: event.objectRef?.resource === 'clusterroles' ? 'ClusterRole' : 'Role',
    writableResources: categoriesOf(event).join(', '),
    writeRules: redactText(sensitiveRules(event).map(describePolicyRule).join('; ')),
  }),
  dedupKey: (event) => `${event.objectRef?.resource ?? ''}|${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a user creates a deployer Role that writes Deployments',
      expect: 'alert',
      event: roleEvent({ name: 'deployer', namespace: 'shop', rules: deployer }),
    },
    {
      name: 'a ClusterRole that creates pods and jobs in every namespace it is bound in',
      expect: 'alert',
      event: roleEvent({
        name: 'job-runner',
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
          { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
        ],
      }),
    },
    {
      name: 'a Role that creates and updates secrets (without reading them)',
      expect: 'alert',
      event: roleEvent({ name: 'secret-writer', namespace: 'payments', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'patch'] }] }),
    },
    {
      name: 'a JSON patch lets a role create RoleBindings',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'roles',
        apiGroup: RBAC_API_GROUP,
        namespace: 'shop',
        name: 'team-lead',
        requestObject: [{ op: 'add', path: '/rules/-', value: { apiGroups: [RBAC_API_GROUP], resources: ['rolebindings'], verbs: ['create'] } }],
        responseObject: roleObject(
          'team-lead',
          [
            { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
            { apiGroups: [RBAC_API_GROUP], resources: ['rolebindings'], verbs: ['create'] },
          ],
          'shop',
        ),
      }),
    },
    {
      name: 'a read-only Role',
      expect: 'none',
      event: roleEvent({ name: 'viewer', namespace: 'shop', rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], verbs: ['get', 'list', 'watch'] }] }),
    },
    {
      name: 'a Role that updates one named Deployment',
      expect: 'none',
      event: roleEvent({ name: 'web-deployer', namespace: 'shop', rules: [{ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get', 'patch'] }] }),
    },
    {
      name: 'a role with wildcard verbs (high-privileges-role reports it)',
      expect: 'none',
      event: roleEvent({ name: 'ops', namespace: 'shop', rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }] }),
    },
    {
      name: 'the API server reconciles the aggregated edit role at start-up',
      expect: 'none',
      event: roleEvent(
        {
          name: 'system:aggregate-to-edit',
          rules: [
            { apiGroups: [''], resources: ['pods', 'secrets', 'replicationcontrollers'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
            { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'statefulsets', 'replicasets'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
          ],
        },
        { user: 'system:apiserver', userAgent: 'kube-apiserver/v1.30.5 (linux/amd64) kubernetes/74e84a9' },
      ),
    },
    {
      name: 'the aggregation controller fills the edit role',
      expect: 'none',
      event: roleEvent(
        { name: 'edit', rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'patch', 'update'] }] },
        { verb: 'update', user: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller' },
      ),
    },
    {
      name: 'Argo CD syncs a deployer Role (a listed RBAC manager)',
      expect: 'none',
      event: roleEvent({ name: 'deployer', namespace: 'shop', rules: deployer }, { user: 'system:serviceaccount:argocd:argocd-application-controller', userAgent: 'argocd-application-controller/v2.12.3' }),
    },
    {
      name: 'a deployer Role the API server refused',
      expect: 'none',
      event: roleEvent({ name: 'deployer', namespace: 'shop', rules: deployer }, { code: 403 }),
    },
    {
      name: 'a label patch of a deployer Role',
      expect: 'none',
      event: auditEvent({ verb: 'patch', resource: 'roles', apiGroup: RBAC_API_GROUP, namespace: 'shop', name: 'deployer', requestObject: { metadata: { labels: { team: 'shop' } } } }),
    },
  ],
});
