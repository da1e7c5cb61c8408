import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { bindingEvent, bindingPatchEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import {
  BINDING_RESOURCES,
  bindingDedupKey,
  bindingDetails,
  bindingEntities,
  bindingRoleRef,
  type BindingSubject,
  coversDefaultServiceAccount,
  isAllAuthenticatedSubject,
  isAnonymousSubject,
  isBindingResource,
  isClusterRoleBinding,
  isClusterRoleNamed,
  type RoleRef,
  writtenSubjects,
} from '../../predicates/rbacBindings';
import { isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

const KUBE_SYSTEM = 'kube-system';
const SYSTEM_MASTERS = 'system:masters';
const CONTROLLER_ROLE_PREFIX = 'system:controller:';

/** The built-in roles that give write access to (nearly) everything in the namespaces they are bound in. */
const NAMESPACE_ADMIN_ROLES: readonly string[] = ['admin', 'edit'];
/** Control-plane ClusterRoles besides the per-controller `system:controller:*` ones. */
const CONTROL_PLANE_ROLES: readonly string[] = ['system:kube-controller-manager', 'system:node'];

const Reason = {
  clusterWideAdmin: 'admin or edit bound cluster-wide',
  controlPlaneRole: 'control-plane role',
  systemMastersSubject: 'system:masters group as a subject',
} as const;
type Reason = (typeof Reason)[keyof typeof Reason];

/**
 * A role of the control plane: a `system:controller:*` or controller-manager or node ClusterRole, or one of the
 * `system:controller:*` Roles the API server keeps in kube-system (bootstrap signer, token cleaner).
 */
function isControlPlaneRole(roleRef: RoleRef | undefined, bindingNamespace: string | undefined): boolean {
  if (roleRef === undefined) return false;
  if (roleRef.kind === 'ClusterRole') return roleRef.name.startsWith(CONTROLLER_ROLE_PREFIX) || CONTROL_PLANE_ROLES.includes(roleRef.name);
  return roleRef.kind === 'Role' && bindingNamespace === KUBE_SYSTEM && roleRef.name.startsWith(CONTROLLER_ROLE_PREFIX);
}

function isSystemMasters(subject: BindingSubject): boolean {
  return subject.kind === 'Group' && subject.name === SYSTEM_MASTERS;
}

/**
 * The written subjects this rule reports: those that other rules do not already report for this role. Anonymous and
 * unauthenticated subjects (any role), and `system:authenticated` or a default service account with admin or edit, are
 * anonymous-subject-binding's and default-service-account-admin's.
 */
function reportedSubjects(event: AuditEvent): BindingSubject[] {
  const adminOrEdit = isClusterRoleNamed(bindingRoleRef(event), NAMESPACE_ADMIN_ROLES);
  return writtenSubjects(event).filter(
    (subject) => !isAnonymousSubject(subject) && !(adminOrEdit && (isAllAuthenticatedSubject(subject) || coversDefaultServiceAccount(subject))),
  );
}

/** Why the binding is reported, empty when it is not. Bindings of cluster-admin are cluster-admin-binding's. */
function reasonsOf(event: AuditEvent): Reason[] {
  const roleRef = bindingRoleRef(event);
  if (isClusterRoleNamed(roleRef, ['cluster-admin'])) return [];
  const subjects = reportedSubjects(event);
  if (subjects.length === 0) return [];
  const reasons: Reason[] = [];
  if (isClusterRoleBinding(event) && isClusterRoleNamed(roleRef, NAMESPACE_ADMIN_ROLES)) reasons.push(Reason.clusterWideAdmin);
  if (isControlPlaneRole(roleRef, namespaceOf(event))) reasons.push(Reason.controlPlaneRole);
  if (subjects.some(isSystemMasters)) reasons.push(Reason.systemMastersSubject);
  return reasons;
}

const clusterRole = (name: string): RoleRef => ({ kind: 'ClusterRole', name });
const mallory = { kind: 'User', name: 'mallory@contoso.com' };

export const privilegedBuiltInRoleBinding = defineRule({
  id: 'privileged-built-in-role-binding',
  alertType: 'K8S_PrivilegedBuiltInRoleBinding',
  displayName: 'Privileged built-in role bound',
  description:
    'A RoleBinding or ClusterRoleBinding was created or had subjects written to it that grants a privileged built-in role other ' +
    'than cluster-admin: admin or edit bound cluster-wide (write access to workloads and secrets in every namespace), a role of the ' +
    'control plane (`system:controller:*`, `system:kube-controller-manager`, `system:node`: the controllers\' and kubelets\' rights, ' +
    'such as reading every secret, minting tokens or deleting namespaces), or a binding with the `system:masters` group as a subject ' +
    '(the group bypasses RBAC entirely, so naming it is either a mistake or an attempt to make a binding look like a built-in one). ' +
    'Bindings of cluster-admin are reported by cluster-admin-binding; anonymous subjects and default service accounts by their own ' +
    'rules; bindings the API server reconciles at start-up are not reported.',
  // No Defender equivalent. Low for admin/edit cluster-wide and for system:masters (Defender rates even cluster-admin bindings
  // Informational); Medium for control-plane roles, which no person or application should hold (severityFor).
  severity: Severity.Low,
  severityFor: (event) => (reasonsOf(event).includes(Reason.controlPlaneRole) ? Severity.Medium : Severity.Low),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006'],
  remediation: [
    'Confirm with the person who wrote the binding that the subjects need the role; bind admin or edit per namespace with RoleBindings instead of cluster-wide.',
    'Never bind control-plane roles to people or applications: write a custom role with the few permissions needed.',
    'If the binding was not expected, delete it, review what its subjects did since, and rotate their credentials.',
  ],
  falsePositives: [
    'Platform teams granting a group edit rights in every namespace on purpose.',
    'Installers that bind a `system:controller:*` role to their own service account to reuse its permissions (for example a custom controller).',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#core-component-roles',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Rolebinding Modification'],
  },
  resources: [...BINDING_RESOURCES],
  match: (event, context) =>
    isWrite(event) && isBindingResource(event) && succeeded(event) && reasonsOf(event).length > 0 && !isSystemRequest(event, context),
  entities: (event) => bindingEntities(event, reportedSubjects(event)),
  details: (event) => ({ ...bindingDetails(event, reportedSubjects(event)), reasons: reasonsOf(event).join(', ') }),
  dedupKey: (event) => bindingDedupKey(event),
  examples: [
    {
      name: 'a ClusterRoleBinding gives a user edit in every namespace',
      expect: 'alert',
      event: bindingEvent({ name: 'mallory-edit', roleRef: clusterRole('edit'), subjects: [mallory] }),
    },
    {
      name: 'a service account is bound to the namespace controller\'s role',
      expect: 'alert',
      event: bindingEvent({
        name: 'ci-namespace-controller',
        roleRef: clusterRole('system:controller:namespace-controller'),
        subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
      }),
    },
    {
      name: 'a RoleBinding gives a user the node role in a namespace',
      expect: 'alert',
      event: bindingEvent({ name: 'node-like', namespace: 'shop', roleRef: clusterRole('system:node'), subjects: [mallory] }),
    },
    {
      name: 'a JSON patch adds a user to the kube-controller-manager binding',
      expect: 'alert',
      event: bindingPatchEvent(
        { name: 'system:kube-controller-manager', roleRef: clusterRole('system:kube-controller-manager'), subjects: [{ kind: 'User', name: 'system:kube-controller-manager' }, mallory] },
        [{ op: 'add', path: '/subjects/-', value: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory@contoso.com' } }],
      ),
    },
    {
      name: 'a binding names the system:masters group',
      expect: 'alert',
      event: bindingEvent({ name: 'masters-view', roleRef: clusterRole('view'), subjects: [{ kind: 'Group', name: SYSTEM_MASTERS }] }),
    },
    {
      name: 'a RoleBinding of edit in one namespace for a developer',
      expect: 'none',
      event: bindingEvent({ name: 'dana-edit', namespace: 'shop', roleRef: clusterRole('edit'), subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }),
    },
    {
      name: 'the API server reconciles a controller binding at start-up',
      expect: 'none',
      event: bindingEvent(
        {
          name: 'system:controller:namespace-controller',
          roleRef: clusterRole('system:controller:namespace-controller'),
          subjects: [{ kind: 'ServiceAccount', name: 'namespace-controller', namespace: KUBE_SYSTEM }],
        },
        { user: 'system:apiserver', userAgent: 'kube-apiserver/v1.30.5 (linux/amd64) kubernetes/74e84a9' },
      ),
    },
    {
      name: 'the API server reconciles the bootstrap signer Role binding in kube-system',
      expect: 'none',
      event: bindingEvent(
        {
          name: 'system:controller:bootstrap-signer',
          namespace: KUBE_SYSTEM,
          roleRef: { kind: 'Role', name: 'system:controller:bootstrap-signer' },
          subjects: [{ kind: 'ServiceAccount', name: 'bootstrap-signer', namespace: KUBE_SYSTEM }],
        },
        { user: 'system:apiserver' },
      ),
    },
    {
      name: 'the API server bootstraps the cluster-admin binding for system:masters (cluster-admin-binding\'s concern)',
      expect: 'none',
      event: bindingEvent({ name: 'cluster-admin', roleRef: clusterRole('cluster-admin'), subjects: [{ kind: 'Group', name: SYSTEM_MASTERS }] }),
    },
    {
      name: 'a ClusterRoleBinding of edit to system:anonymous (anonymous-subject-binding\'s concern)',
      expect: 'none',
      event: bindingEvent({ name: 'anon-edit', roleRef: clusterRole('edit'), subjects: [{ kind: 'User', name: 'system:anonymous' }] }),
    },
    {
      name: 'a label-only patch of a cluster-wide edit binding',
      expect: 'none',
      event: bindingPatchEvent({ name: 'ops-edit', roleRef: clusterRole('edit'), subjects: [{ kind: 'Group', name: 'ops' }] }, { metadata: { labels: { team: 'ops' } } }),
    },
    {
      name: 'a controller-role binding the API server refused',
      expect: 'none',
      event: bindingEvent({ name: 'x', roleRef: clusterRole('system:controller:clusterrole-aggregation-controller'), subjects: [mallory] }, { code: 403 }),
    },
  ],
});
