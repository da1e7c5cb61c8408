import { bindingEvent, bindingPatchEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { bindingDedupKey, bindingDetails, bindingEntities, bindingRoleRef, isBindingResource, isClusterRoleNamed, writtenSubjects, BINDING_RESOURCES } from '../../predicates/rbacBindings';
import { isWrite, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

const clusterAdmin = { kind: 'ClusterRole', name: 'cluster-admin' };
const opsAdmins = { kind: 'Group', name: 'ops' };
const danaAdmin = { name: 'dana-admin', roleRef: clusterAdmin, subjects: [{ kind: 'User', name: 'mallory@contoso.com' }] };

export const clusterAdminBinding = defineRule({
  id: 'cluster-admin-binding',
  alertType: 'K8S_ClusterAdminBinding',
  displayName: 'Role binding to the cluster-admin role detected',
  description:
    'A ClusterRoleBinding or RoleBinding granting the cluster-admin ClusterRole was created or had subjects written to it. ' +
    'Bound cluster-wide, cluster-admin can do anything in the cluster; bound in a namespace, anything in that namespace. ' +
    'Attackers bind it to an account they control to keep administrator access.',
  severity: Severity.Informational,
  intent: Intent.Persistence,
  techniques: ['T1098.006'],
  remediation: [
    'Confirm with the person who wrote the binding that the subjects need administrator rights; most do not.',
    'Replace the binding with one to a narrower role (admin, edit, view or a custom role) scoped to a namespace.',
    'If the binding was not expected, delete it, review what its subjects did since, and rotate their credentials.',
  ],
  falsePositives: [
    'Cluster operators granting themselves or a break-glass group administrator rights.',
    'Installers (Helm charts, operators, CI pipelines) that bind cluster-admin to their own service account.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: {
    defender: ['K8S_ClusterAdminBinding'],
    falco: ['Attach to cluster-admin Role'],
    guardDuty: [],
    elastic: ['Kubernetes Rolebinding Modification'],
  },
  resources: [...BINDING_RESOURCES],
  match: (event, context) =>
    isWrite(event) &&
    isBindingResource(event) &&
    succeeded(event) &&
    isClusterRoleNamed(bindingRoleRef(event), ['cluster-admin']) &&
    writtenSubjects(event).length > 0 &&
    !isSystemRequest(event, context),
  entities: (event) => bindingEntities(event, writtenSubjects(event)),
  details: (event) => bindingDetails(event, writtenSubjects(event)),
  dedupKey: (event) => bindingDedupKey(event),
  examples: [
    {
      name: 'kubectl create clusterrolebinding to cluster-admin for a user',
      expect: 'alert',
      event: bindingEvent(danaAdmin),
    },
    {
      name: 'a RoleBinding gives a service account cluster-admin in its namespace',
      expect: 'alert',
      event: bindingEvent({ name: 'ci-admin', namespace: 'shop', roleRef: clusterAdmin, subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }] }),
    },
    {
      name: 'a JSON patch adds a subject to an existing cluster-admin binding',
      expect: 'alert',
      event: bindingPatchEvent(
        { name: 'ops-admins', roleRef: clusterAdmin, subjects: [opsAdmins, { kind: 'ServiceAccount', name: 'backdoor', namespace: 'default' }] },
        [{ op: 'add', path: '/subjects/-', value: { kind: 'ServiceAccount', name: 'backdoor', namespace: 'default' } }],
      ),
    },
    {
      name: 'a binding to the view role',
      expect: 'none',
      event: bindingEvent({ name: 'dana-view', roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }),
    },
    {
      name: 'a namespaced Role that happens to be called cluster-admin',
      expect: 'none',
      event: bindingEvent({ name: 'local', namespace: 'shop', roleRef: { kind: 'Role', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }),
    },
    {
      name: 'the API server bootstraps the built-in cluster-admin binding',
      expect: 'none',
      event: bindingEvent({ name: 'cluster-admin', roleRef: clusterAdmin, subjects: [{ kind: 'Group', name: 'system:masters' }] }, { user: 'system:apiserver' }),
    },
    {
      name: 'a label-only patch of a cluster-admin binding',
      expect: 'none',
      event: bindingPatchEvent({ name: 'ops-admins', roleRef: clusterAdmin, subjects: [opsAdmins] }, { metadata: { labels: { team: 'ops' } } }),
    },
    {
      name: 'a cluster-admin binding the API server refused',
      expect: 'none',
      event: bindingEvent({ ...danaAdmin, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }, { code: 403 }),
    },
  ],
});
