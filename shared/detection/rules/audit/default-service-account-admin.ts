import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { bindingEvent, bindingPatchEvent, type BindingExample } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { ADMIN_CLUSTER_ROLES, bindingDedupKey, bindingDetails, bindingEntities, bindingRoleRef, coversDefaultServiceAccount, isBindingResource, isClusterRoleNamed, RBAC_API_GROUP, writtenSubjects, BINDING_RESOURCES } from '../../predicates/rbacBindings';
import { isWrite, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

const defaultAccountSubjects = (event: AuditEvent) => writtenSubjects(event).filter(coversDefaultServiceAccount);

const shopDefaultAccount = { kind: 'ServiceAccount', name: 'default', namespace: 'shop' };
const defaultAdmin: BindingExample = { name: 'default-admin', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [shopDefaultAccount] };

export const defaultServiceAccountAdmin = defineRule({
  id: 'default-service-account-admin',
  alertType: 'K8S_AdminAccessToDefaultServiceAccount',
  displayName: 'Admin rights granted to a default service account',
  description:
    'A binding granted cluster-admin, admin or edit to a namespace\'s `default` service account, or to a group holding every ' +
    'service account. Every pod that does not name a service account runs as `default`, so any compromised pod in the ' +
    'namespace, however unprivileged its owner meant it to be, gets these rights.',
  // New alert type (GuardDuty rates the same finding High): Medium for admin/edit, High for cluster-admin (severityFor).
  severity: Severity.Medium,
  severityFor: (event) => (isClusterRoleNamed(bindingRoleRef(event), ['cluster-admin']) ? Severity.High : Severity.Medium),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006', 'T1078.001'],
  remediation: [
    'Remove the subject from the binding (or delete the binding) unless a documented need exists.',
    'Give the workload that needs these rights its own service account with the narrowest role, and set `serviceAccountName` on it.',
    'Set `automountServiceAccountToken: false` on default service accounts so pods do not receive their token unless they ask.',
  ],
  falsePositives: [
    'Quick-start guides and demo charts that bind `default` to an admin role for convenience (still worth fixing).',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#service-account-permissions',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Policy:Kubernetes/AdminAccessToDefaultServiceAccount'],
    elastic: [],
  },
  resources: [...BINDING_RESOURCES],
  match: (event, context) =>
    isWrite(event) &&
    isBindingResource(event) &&
    succeeded(event) &&
    isClusterRoleNamed(bindingRoleRef(event), ADMIN_CLUSTER_ROLES) &&
    defaultAccountSubjects(event).length > 0 &&
    !isSystemRequest(event, context),
  entities: (event) => bindingEntities(event, defaultAccountSubjects(event)),
  details: (event) => bindingDetails(event, defaultAccountSubjects(event)),
  dedupKey: (event) => bindingDedupKey(event),
  examples: [
    {
      name: 'a RoleBinding gives the default service account admin in its namespace',
      expect: 'alert',
      event: bindingEvent(defaultAdmin),
    },
    {
      name: 'a ClusterRoleBinding gives every service account cluster-admin',
      expect: 'alert',
      event: bindingEvent({
        name: 'permissive-binding',
        roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }],
      }),
    },
    {
      name: 'a merge patch binds the default account by its username to edit',
      expect: 'alert',
      event: bindingPatchEvent(
        { name: 'editors', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'system:serviceaccount:shop:default' }] },
        { subjects: [{ apiGroup: RBAC_API_GROUP, kind: 'User', name: 'system:serviceaccount:shop:default' }] },
      ),
    },
    {
      name: 'the default service account gets read-only view',
      expect: 'none',
      event: bindingEvent({ ...defaultAdmin, name: 'default-view', roleRef: { kind: 'ClusterRole', name: 'view' } }),
    },
    {
      name: 'a dedicated service account gets edit',
      expect: 'none',
      event: bindingEvent({
        name: 'deployer-edit',
        namespace: 'shop',
        roleRef: { kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'shop' }],
      }),
    },
    {
      name: 'an AKS system identity writes the binding',
      expect: 'none',
      event: bindingEvent(defaultAdmin, { user: 'aksService' }),
    },
    {
      name: 'a refused binding of the default account to cluster-admin',
      expect: 'none',
      event: bindingEvent({ name: 'default-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [shopDefaultAccount] }, { code: 403 }),
    },
  ],
});
