import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { bindingEvent, type BindingExample } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { ADMIN_CLUSTER_ROLES, bindingDedupKey, bindingDetails, bindingEntities, bindingRoleRef, type BindingSubject, isAllAuthenticatedSubject, isAnonymousSubject, isBindingResource, isClusterRoleNamed, type RoleRef, writtenSubjects, BINDING_RESOURCES } from '../../predicates/rbacBindings';
import { isWrite, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

/** Roles the cluster itself grants to unauthenticated callers: version and health info, kubeadm's cluster-info. */
const BENIGN_ANONYMOUS_ROLES: readonly RoleRef[] = [
  { kind: 'ClusterRole', name: 'system:public-info-viewer' },
  { kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
];

/**
 * Subjects that open the role to callers nobody vouched for: `system:anonymous` and `system:unauthenticated`
 * with any role; `system:authenticated` (anyone the identity provider knows) only with an admin role.
 */
function unvettedSubjects(event: AuditEvent): BindingSubject[] {
  const roleRef = bindingRoleRef(event);
  if (BENIGN_ANONYMOUS_ROLES.some((benign) => benign.kind === roleRef?.kind && benign.name === roleRef.name)) return [];
  const adminRole = isClusterRoleNamed(roleRef, ADMIN_CLUSTER_ROLES);
  return writtenSubjects(event).filter((subject) => isAnonymousSubject(subject) || (adminRole && isAllAuthenticatedSubject(subject)));
}

const unauthenticated = { kind: 'Group', name: 'system:unauthenticated' };
const allAuthenticated = { kind: 'Group', name: 'system:authenticated' };
const anonymousAdmin: BindingExample = {
  name: 'anon-admin',
  roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'User', name: 'system:anonymous' }],
};

export const anonymousSubjectBinding = defineRule({
  id: 'anonymous-subject-binding',
  alertType: 'K8S_AnonymousAccessGranted',
  displayName: 'Role granted to anonymous or unauthenticated users',
  description:
    'A binding granted a role to `system:anonymous` or `system:unauthenticated`, so anyone who can reach the API server gets ' +
    'its permissions without credentials; or granted cluster-admin, admin or edit to `system:authenticated`, every identity ' +
    'the cluster\'s identity provider accepts. Attackers do this to keep access that needs no credentials.',
  // New alert type (GuardDuty rates AnonymousAccessGranted High): the permissions go to anyone who reaches the API endpoint.
  severity: Severity.High,
  intent: Intent.Persistence,
  techniques: ['T1098.006'],
  remediation: [
    'Delete the binding or remove the anonymous, unauthenticated or all-authenticated subject from it.',
    'Review the audit log for requests by `system:anonymous` since the binding was written.',
    'Restrict the API server endpoint (authorized IP ranges or a private cluster) and consider `--anonymous-auth=false`.',
  ],
  falsePositives: [
    'Deliberately public read endpoints (for example a health or version role) on clusters that serve them to anyone.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Policy:Kubernetes/AnonymousAccessGranted'],
    elastic: [],
  },
  resources: [...BINDING_RESOURCES],
  match: (event, context) =>
    isWrite(event) && isBindingResource(event) && succeeded(event) && unvettedSubjects(event).length > 0 && !isSystemRequest(event, context),
  entities: (event) => bindingEntities(event, unvettedSubjects(event)),
  details: (event) => bindingDetails(event, unvettedSubjects(event)),
  dedupKey: (event) => bindingDedupKey(event),
  examples: [
    {
      name: 'kubectl create clusterrolebinding gives system:anonymous cluster-admin',
      expect: 'alert',
      event: bindingEvent(anonymousAdmin),
    },
    {
      name: 'a RoleBinding lets unauthenticated callers read secrets in a namespace',
      expect: 'alert',
      event: bindingEvent({ name: 'public-secrets', namespace: 'shop', roleRef: { kind: 'Role', name: 'secret-reader' }, subjects: [unauthenticated] }),
    },
    {
      name: 'every authenticated identity gets edit cluster-wide',
      expect: 'alert',
      event: bindingEvent({ name: 'everyone-edit', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [allAuthenticated] }),
    },
    {
      name: 'the built-in public-info-viewer binding is re-applied',
      expect: 'none',
      event: bindingEvent(
        {
          name: 'system:public-info-viewer',
          roleRef: { kind: 'ClusterRole', name: 'system:public-info-viewer' },
          subjects: [allAuthenticated, unauthenticated],
        },
        { verb: 'update' },
      ),
    },
    {
      name: 'every authenticated identity gets read-only view',
      expect: 'none',
      event: bindingEvent({ name: 'everyone-view', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [allAuthenticated] }),
    },
    {
      name: 'the API server writes its bootstrap binding for unauthenticated discovery',
      expect: 'none',
      event: bindingEvent(
        { name: 'system:discovery', roleRef: { kind: 'ClusterRole', name: 'system:discovery' }, subjects: [unauthenticated] },
        { user: 'system:apiserver' },
      ),
    },
    {
      name: 'a refused binding for system:anonymous',
      expect: 'none',
      event: bindingEvent(anonymousAdmin, { code: 403 }),
    },
  ],
});
