import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { apiGroupOf, isDelete, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Events live in the core group (v1 Event) and in events.k8s.io (the same objects, newer API). */
const EVENT_GROUPS: ReadonlySet<string> = new Set(['', 'events.k8s.io']);

function scopeOf(event: AuditEvent): string {
  const name = event.objectRef?.name;
  const namespace = namespaceOf(event);
  if (name !== undefined) return 'one event';
  return namespace === undefined ? 'all events of all namespaces' : 'all events of the namespace';
}

export const eventsDeleted = defineRule({
  id: 'events-deleted',
  alertType: 'K8S_DeleteEvents',
  displayName: 'Kubernetes events deleted',
  description:
    'A user or workload that is not part of the cluster deleted Kubernetes events. Events record what happened in the cluster ' +
    '(pods scheduled, images pulled, containers killed) and expire on their own after about an hour; deleting them earlier ' +
    'hides recent activity from whoever looks at the cluster, a way attackers cover their tracks.',
  severity: Severity.Low,
  intent: Intent.DefenseEvasion,
  techniques: ['T1070'],
  remediation: [
    'Ask the account owner why events were deleted; nothing in normal operation needs it.',
    'Look at the audit log around the deletion for what the events would have shown (pods created, exec requests, failures) in the namespace.',
    'Remove `delete` and `deletecollection` on events from roles that do not need them, and export events to a log store (Container Insights) so they outlive the cluster copy.',
  ],
  falsePositives: [
    'An administrator clearing old events while troubleshooting (`kubectl delete events --all`).',
    'Event clean-up tools or operators running under their own service account; add them to the systemIdentities list.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1070/',
  ],
  equivalents: {
    defender: ['K8S_DeleteEvents'],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Events Deleted'],
  },
  resources: ['events'],
  match: (event, context) =>
    isDelete(event) &&
    isResource(event, 'events') &&
    EVENT_GROUPS.has(apiGroupOf(event)) &&
    succeeded(event) &&
    !isSystemRequest(event, context),
  entities: (event) => requestEntities(event),
  details: (event) => ({ scope: scopeOf(event), verb: event.verb, apiGroup: apiGroupOf(event) || 'core' }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a developer deletes all events of a namespace',
      expect: 'alert',
      event: auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'shop' }),
    },
    {
      name: 'a workload deletes one event through events.k8s.io',
      expect: 'alert',
      event: auditEvent({
        verb: 'delete',
        resource: 'events',
        apiGroup: 'events.k8s.io',
        namespace: 'kube-system',
        name: 'coredns-789789675-8wm9t.17f4c2a1b3d5e6f7',
        user: 'system:serviceaccount:shop:web',
      }),
    },
    {
      name: 'the namespace controller deletes the events of a deleted namespace',
      expect: 'none',
      event: auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'old-shop', user: 'system:serviceaccount:kube-system:namespace-controller' }),
    },
    {
      name: 'a developer lists events',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'events', namespace: 'shop' }),
    },
    {
      name: 'an events deletion that RBAC refused',
      expect: 'none',
      event: auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'shop', code: 403 }),
    },
  ],
});
