import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { bindingEvent, bindingPatchEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import {
  ADMIN_CLUSTER_ROLES,
  type BindingSubject,
  bindingDedupKey,
  bindingDetails,
  bindingEntities,
  bindingRoleRef,
  isBindingResource,
  isClusterRoleNamed,
  subjectLabel,
  writtenSubjects,
} from '../../predicates/rbacBindings';
import { isTrustedRbacWriter } from '../../predicates/rbacWriters';
import { isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):[^:]+$/;
const SERVICE_ACCOUNTS_OF_NAMESPACE = /^system:serviceaccounts:([^:]+)$/;

/**
 * The namespace of the service accounts a subject stands for, when it is not the binding's own: a ServiceAccount subject of
 * another namespace, the username of one as a User, the group of another namespace's service accounts, or the group of all
 * service accounts (`*`). Undefined for people, groups of people and the binding namespace's own accounts.
 */
function foreignServiceAccountNamespace(subject: BindingSubject, bindingNamespace: string): string | undefined {
  let namespace: string | undefined;
  switch (subject.kind) {
    case 'ServiceAccount':
      namespace = subject.namespace;
      break;
    case 'User':
      namespace = SERVICE_ACCOUNT_USER.exec(subject.name)?.[1];
      break;
    case 'Group':
      namespace = subject.name === 'system:serviceaccounts' ? '*' : SERVICE_ACCOUNTS_OF_NAMESPACE.exec(subject.name)?.[1];
      break;
    default:
      return undefined;
  }
  return namespace !== undefined && namespace !== '' && namespace !== bindingNamespace ? namespace : undefined;
}

/** The subjects the request wrote that are service accounts of another namespace than the RoleBinding's. */
function foreignServiceAccountSubjects(event: AuditEvent): BindingSubject[] {
  const bindingNamespace = namespaceOf(event);
  if (bindingNamespace === undefined) return [];
  return writtenSubjects(event).filter((subject) => foreignServiceAccountNamespace(subject, bindingNamespace) !== undefined);
}

const webOfShop = { kind: 'ServiceAccount', name: 'web', namespace: 'shop' };

export const crossNamespaceServiceAccountBinding = defineRule({
  id: 'cross-namespace-service-account-binding',
  alertType: 'K8S_CrossNamespaceServiceAccountBinding',
  displayName: 'RoleBinding grants a role to a service account of another namespace',
  description:
    'A RoleBinding in one namespace was created, or had subjects written to it, that grants its role to a service account of ' +
    'another namespace (a ServiceAccount subject with another namespace, that account\'s username, the group of another ' +
    'namespace\'s service accounts, or of all service accounts). Namespaces are the usual boundary between teams and ' +
    'applications: such a binding lets whatever runs as that account, or steals its token, act inside this namespace. ' +
    'Attackers use it to reach a namespace from a workload they already control. Bindings written by the cluster\'s own ' +
    'controllers or the listed RBAC managers (GitOps) are not reported.',
  // New alert type. Low: monitoring and CI accounts are legitimately granted access to other namespaces; Medium when the role is cluster-admin, admin or edit.
  severity: Severity.Low,
  severityFor: (event) => (isClusterRoleNamed(bindingRoleRef(event), ADMIN_CLUSTER_ROLES) ? Severity.Medium : Severity.Low),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006'],
  remediation: [
    'Confirm with the owners of both namespaces that the service account needs the role in this namespace.',
    'If not, remove the subject (or the binding) and review what the service account did in the namespace since.',
    'Prefer a service account in the namespace itself, and deploy cross-namespace grants through reviewed GitOps changes.',
  ],
  falsePositives: [
    'Monitoring stacks (Prometheus) granted read access to the namespaces they scrape.',
    'CI/CD or backup service accounts that deploy to or read from several namespaces, bound by hand.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  resources: ['rolebindings'],
  match: (event, context) =>
    isWrite(event) &&
    isResource(event, 'rolebindings') &&
    isBindingResource(event) &&
    succeeded(event) &&
    !isDryRun(event) &&
    foreignServiceAccountSubjects(event).length > 0 &&
    !isTrustedRbacWriter(event, context),
  entities: (event) => bindingEntities(event, foreignServiceAccountSubjects(event)),
  details: (event) => {
    const foreign = foreignServiceAccountSubjects(event);
    const bindingNamespace = namespaceOf(event) ?? '';
    return {
      ...bindingDetails(event, writtenSubjects(event)),
      foreignSubjects: foreign.map((subject) => subjectLabel(subject, bindingNamespace)).join(', '),
      foreignNamespaces: [...new Set(foreign.map((subject) => foreignServiceAccountNamespace(subject, bindingNamespace) ?? ''))].join(', '),
    };
  },
  dedupKey: (event) => bindingDedupKey(event),
  examples: [
    {
      name: 'a RoleBinding in payments grants edit to a service account of shop',
      expect: 'alert',
      event: bindingEvent({ name: 'shop-web-edit', namespace: 'payments', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [webOfShop] }),
    },
    {
      name: 'a JSON patch adds another namespace\'s service-account group to a RoleBinding',
      expect: 'alert',
      event: bindingPatchEvent(
        { name: 'secret-reader', namespace: 'payments', roleRef: { kind: 'Role', name: 'secret-reader' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:shop' }] },
        [{ op: 'add', path: '/subjects/-', value: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:serviceaccounts:shop' } }],
        { user: 'system:serviceaccount:shop:web' },
      ),
    },
    {
      name: 'a RoleBinding names another namespace\'s service account by its username',
      expect: 'alert',
      event: bindingEvent({
        name: 'debug',
        namespace: 'kube-system',
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'system:serviceaccount:shop:web' }],
      }),
    },
    {
      name: 'a RoleBinding to a service account of its own namespace',
      expect: 'none',
      event: bindingEvent({ name: 'web-config', namespace: 'shop', roleRef: { kind: 'Role', name: 'config-reader' }, subjects: [webOfShop] }),
    },
    {
      name: 'a ClusterRoleBinding to a service account',
      expect: 'none',
      event: bindingEvent({ name: 'web-view', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [webOfShop] }),
    },
    {
      name: 'Flux applies a RoleBinding for Prometheus from Git',
      expect: 'none',
      event: bindingEvent(
        { name: 'prometheus-k8s', namespace: 'shop', roleRef: { kind: 'Role', name: 'prometheus-k8s' }, subjects: [{ kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' }] },
        { user: 'system:serviceaccount:flux-system:kustomize-controller', verb: 'patch', userAgent: 'kustomize-controller/v1.4.0' },
      ),
    },
    {
      name: 'a label-only patch of a cross-namespace RoleBinding',
      expect: 'none',
      event: bindingPatchEvent({ name: 'shop-web-edit', namespace: 'payments', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [webOfShop] }, { metadata: { labels: { team: 'payments' } } }),
    },
    {
      name: 'a cross-namespace RoleBinding that RBAC refused',
      expect: 'none',
      event: bindingEvent({ name: 'shop-web-edit', namespace: 'payments', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [webOfShop] }, { code: 403 }),
    },
  ],
});
