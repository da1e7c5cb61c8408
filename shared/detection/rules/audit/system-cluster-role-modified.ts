import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { objectName } from '../../../kubernetes/workloads';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { RBAC_API_GROUP } from '../../predicates/rbacBindings';
import { AUTOUPDATE_ANNOTATION, autoupdateAnnotation } from '../../predicates/rbacRoles';
import { apiGroupOf, isDelete, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const RBAC_OBJECT_RESOURCES: ReadonlySet<string> = new Set(['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']);
const MODIFY_VERBS: ReadonlySet<string> = new Set(['update', 'patch', 'delete']);

/** Built-in cluster roles (and the bindings of the same name) without the `system:` prefix. */
const BUILT_IN_CLUSTER_OBJECTS: readonly string[] = ['cluster-admin', 'admin', 'edit', 'view'];

/** Built-in namespaced Role/RoleBinding without the `system:` prefix (kube-system). */
const BUILT_IN_NAMESPACED_OBJECTS: readonly string[] = ['extension-apiserver-authentication-reader'];

/**
 * `system:` names that add-ons, not the API server, create and update (their installers run as people or
 * CI accounts): CoreDNS on kubeadm clusters, metrics-server, GKE's certificate controller.
 */
const ADD_ON_SYSTEM_OBJECTS: readonly string[] = [
  'system:coredns',
  'system:metrics-server',
  'system:aggregated-metrics-reader',
  'system:managed-certificate-controller',
];

function isBuiltInName(event: AuditEvent, name: string): boolean {
  if (name.startsWith('system:')) return !ADD_ON_SYSTEM_OBJECTS.includes(name);
  const clusterScoped = event.objectRef?.resource === 'clusterroles' || event.objectRef?.resource === 'clusterrolebindings';
  return clusterScoped ? BUILT_IN_CLUSTER_OBJECTS.includes(name) : BUILT_IN_NAMESPACED_OBJECTS.includes(name);
}

/** The built-in role or binding the request changed or deleted: by name, or by the API server's auto-update annotation. */
function isBuiltInRbacObject(event: AuditEvent): boolean {
  const name = objectName(event);
  if (name === undefined) return false;
  return isBuiltInName(event, name) || autoupdateAnnotation(event) === 'true';
}

/** The change turns off the API server's repair of the object at start-up: it will persist. */
function disablesAutoupdate(event: AuditEvent): boolean {
  return !isDelete(event) && autoupdateAnnotation(event) === 'false';
}

function kindOf(event: AuditEvent): string {
  switch (event.objectRef?.resource) {
    case 'clusterroles':
      return 'ClusterRole';
    case 'clusterrolebindings':
      return 'ClusterRoleBinding';
    case 'roles':
      return 'Role';
    default:
      return 'RoleBinding';
  }
}

export const systemClusterRoleModified = defineRule({
  id: 'system-cluster-role-modified',
  alertType: 'K8S_SystemClusterRoleModified',
  displayName: 'Built-in system cluster role modified or deleted',
  description:
    'A built-in RBAC object (a `system:` ClusterRole or ClusterRoleBinding, the default cluster-admin, admin, edit and view roles, ' +
    'or a built-in Role in kube-system) was changed or deleted by an account that is not part of the control plane. The cluster\'s ' +
    'own components and every authenticated user rely on these objects: adding rules to one grants them to everyone bound to it, ' +
    'adding subjects to a binding hands out its role, and deleting one breaks the components that need it.',
  // No Defender equivalent. Medium: changes to shared built-in permissions affect every bound identity and are rare outside upgrades;
  // High when the change also sets the auto-update annotation to "false", so the API server will not repair it at its next start.
  severity: Severity.Medium,
  severityFor: (event) => (disablesAutoupdate(event) ? Severity.High : Severity.Medium),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006'],
  remediation: [
    'Compare the object with its default (`kubectl get clusterrole <name> -o yaml`) and revert any added rules or subjects.',
    `Make sure the \`${AUTOUPDATE_ANNOTATION}\` annotation is "true"; the API server then restores missing built-in permissions and subjects when it restarts.`,
    'Recreate a deleted built-in object by restarting the API server (managed clusters: contact support) or from the Kubernetes default policy.',
    'Investigate the account that made the change and restrict who may write ClusterRoles and ClusterRoleBindings.',
  ],
  falsePositives: [
    'Cluster installers and upgrade tools (kubeadm, managed-cluster tooling running as an administrator) may update built-in roles.',
    'GitOps tools that manage `system:` objects of add-ons not listed as add-ons here; add their accounts to the system identities list.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#auto-reconciliation',
    'https://attack.mitre.org/techniques/T1098/006/',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
  ],
  equivalents: { defender: [], falco: ['System ClusterRole Modified/Deleted'], guardDuty: [], elastic: [] },
  resources: [...RBAC_OBJECT_RESOURCES],
  match: (event, context) =>
    MODIFY_VERBS.has(event.verb) &&
    isResource(event, RBAC_OBJECT_RESOURCES) &&
    apiGroupOf(event) === RBAC_API_GROUP &&
    succeeded(event) &&
    isBuiltInRbacObject(event) &&
    !isSystemRequest(event, context),
  entities: (event) => requestEntities(event),
  details: (event) => ({
    objectKind: kindOf(event),
    objectName: objectName(event) ?? '',
    action: event.verb,
    autoupdate: autoupdateAnnotation(event) ?? '',
  }),
  dedupKey: (event) => `${event.objectRef?.resource ?? ''}|${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a user patches system:basic-user to read secrets',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'system:basic-user',
        requestObject: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] },
      }),
    },
    {
      name: 'a user deletes the system:node ClusterRoleBinding',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: 'clusterrolebindings', apiGroup: RBAC_API_GROUP, name: 'system:node' }),
    },
    {
      name: 'the edit role is replaced with auto-update turned off',
      expect: 'alert',
      event: auditEvent({
        verb: 'update',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'edit',
        requestObject: {
          apiVersion: `${RBAC_API_GROUP}/v1`,
          kind: 'ClusterRole',
          metadata: { name: 'edit', annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } },
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
        },
      }),
    },
    {
      name: 'a subject is added to the built-in cluster-admin binding',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'clusterrolebindings',
        apiGroup: RBAC_API_GROUP,
        name: 'cluster-admin',
        requestObject: [{ op: 'add', path: '/subjects/-', value: { kind: 'User', apiGroup: RBAC_API_GROUP, name: 'mallory@contoso.com' } }],
      }),
    },
    {
      name: 'the API server reconciles system:discovery at start-up',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'system:discovery',
        user: { username: 'system:apiserver', groups: ['system:masters'] },
      }),
    },
    {
      name: 'a kubeadm upgrade updates the CoreDNS cluster role',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'clusterroles',
        apiGroup: RBAC_API_GROUP,
        name: 'system:coredns',
        user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      }),
    },
    {
      name: 'a user updates their own cluster role',
      expect: 'none',
      event: auditEvent({ verb: 'update', resource: 'clusterroles', apiGroup: RBAC_API_GROUP, name: 'shop-reader' }),
    },
    {
      name: 'a namespaced Role called admin belongs to its team',
      expect: 'none',
      event: auditEvent({ verb: 'patch', resource: 'roles', apiGroup: RBAC_API_GROUP, namespace: 'shop', name: 'admin' }),
    },
    {
      name: 'a refused delete of system:node',
      expect: 'none',
      event: auditEvent({ verb: 'delete', resource: 'clusterroles', apiGroup: RBAC_API_GROUP, name: 'system:node', code: 403 }),
    },
    {
      name: 'a user reads a system cluster role',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'clusterroles', apiGroup: RBAC_API_GROUP, name: 'system:node' }),
    },
  ],
});
