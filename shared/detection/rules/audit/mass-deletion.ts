import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest, sourceIp } from '../../predicates/identities';
import { apiGroupOf, isMainResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * 10 objects in 5 minutes: `kubectl delete` sends one request per object, so emptying a namespace of its workloads or
 * deleting several namespaces crosses it in seconds, while deploying an application (`kubectl delete -f`, `helm
 * uninstall`, a rollback) deletes a handful of workloads and restarting pods by hand a few more. The window fits the
 * 15 minutes of lateness the state allows.
 */
const WINDOW_IN_MS = 5 * 60_000;
const DISTINCT_OBJECTS = 10;

/** Workloads, with their API groups, and namespaces: what an attacker deletes to stop a cluster's applications. */
const DELETED_RESOURCE_GROUPS: Readonly<Record<string, string>> = {
  pods: '',
  deployments: 'apps',
  statefulsets: 'apps',
  daemonsets: 'apps',
  replicasets: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
  namespaces: '',
};

/** A successful delete of one named workload or namespace (not a dry run, not a subresource). */
function isObjectDelete(event: AuditEvent): boolean {
  const resource = event.objectRef?.resource;
  if (event.verb !== 'delete' || resource === undefined || event.objectRef?.name === undefined || !isMainResource(event)) return false;
  return DELETED_RESOURCE_GROUPS[resource] === apiGroupOf(event) && succeeded(event) && !isDryRun(event);
}

/** Controllers (the garbage collector, the namespace, job and ReplicaSet controllers, the kubelet) delete on the cluster's behalf: listed system identities. */
function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  return isObjectDelete(event) && !isSystemRequest(event, context);
}

/** `<resource> <namespace>/<name>` of the object deleted (a namespace is its own name). */
function deletedObject(event: AuditEvent): string | undefined {
  const ref = event.objectRef;
  if (ref?.resource === undefined || ref.name === undefined) return undefined;
  return ref.resource === 'namespaces' ? `namespaces ${ref.name}` : `${ref.resource} ${namespaceOf(event) ?? ''}/${ref.name}`;
}

const INTRUDER = 'ops-breakglass@contoso.com';
const INTRUDER_IP = '185.220.101.47';

function deleteEvent(resource: string, namespace: string, name: string, auditID: string, time: string, user: string = INTRUDER, sourceIP = INTRUDER_IP): Record<string, unknown> {
  const apiGroup = DELETED_RESOURCE_GROUPS[resource] ?? '';
  return auditEvent({
    verb: 'delete',
    resource,
    ...(apiGroup === '' ? {} : { apiGroup }),
    namespace,
    name,
    user,
    sourceIP,
    ...(resource === 'namespaces' ? { requestURI: `/api/v1/namespaces/${name}` } : {}),
    auditID,
    time,
  });
}

/** What `kubectl delete deploy,sts,ds,cronjob --all -n <namespace>` sends: one delete per object, a fraction of a second apart. */
const wipe: readonly [string, string, string][] = [
  ['deployments', 'payments', 'api'],
  ['deployments', 'payments', 'ledger'],
  ['deployments', 'payments', 'notifier'],
  ['deployments', 'payments', 'webhooks'],
  ['statefulsets', 'payments', 'postgres'],
  ['statefulsets', 'payments', 'redis'],
  ['cronjobs', 'payments', 'nightly-settlement'],
  ['cronjobs', 'payments', 'reconcile'],
  ['daemonsets', 'monitoring', 'node-exporter'],
  ['namespaces', 'payments-staging', 'payments-staging'],
  ['namespaces', 'backups', 'backups'],
];

export const massDeletion = defineRule({
  id: 'mass-deletion',
  alertType: 'K8S_MassDeletion',
  displayName: 'Many workloads or namespaces deleted by one identity',
  description:
    'One identity deleted 10 or more different workloads (pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, ' +
    'CronJobs) or namespaces within 5 minutes. Attackers and disgruntled insiders destroy a cluster\'s applications and data this ' +
    'way (the Microsoft threat matrix\'s "Data destruction", Impact), and `kubectl delete --all` or a label-selector delete sends ' +
    'one request per object, which no single-event rule sees. Only successful deletes of named objects count, each object ' +
    'once; dry runs and listed system identities (the garbage collector, the namespace, job and ReplicaSet controllers, ' +
    'kubelets) are not counted. A collection delete (one request for a whole namespace) by a person is reported by ' +
    'destructive-delete-by-user.',
  // New alert type (Defender has none). Medium: the damage is done when the alert comes, but teardowns happen too.
  severity: Severity.Medium,
  intent: Intent.Impact,
  techniques: ['T1485', 'T1489'],
  remediation: [
    'Confirm with the owner of the identity and of the namespaces that the deletions were intended (a teardown, a migration).',
    'If not, disable the identity and revoke its credentials, then restore the workloads from their source (GitOps, pipelines, Helm) and the data from backups (Velero, volume snapshots).',
    'Limit `delete` on workloads and namespaces to pipelines and a few administrators, and protect production namespaces with an admission policy or a resource lock.',
  ],
  falsePositives: [
    'Tearing down an environment or uninstalling a large chart (`helm uninstall`, `kubectl delete -f` of a whole application) under a person or pipeline identity.',
    'GitOps controllers (Argo CD, Flux) pruning many objects after a repository change; their service accounts are not listed system identities.',
    'Restarting many pods by hand (`kubectl delete pods -l app=web` on a large Deployment).',
  ],
  references: [
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Data%20destruction/',
    'https://kubernetes.io/docs/concepts/architecture/garbage-collection/',
    'https://attack.mitre.org/techniques/T1485/',
    'https://attack.mitre.org/techniques/T1489/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  resources: Object.keys(DELETED_RESOURCE_GROUPS),
  match: isWatched,
  stateful: {
    kind: 'burst',
    key: (event) => event.user.username,
    value: deletedObject,
    windowInMs: WINDOW_IN_MS,
    distinct: DISTINCT_OBJECTS,
    valueName: 'deleted object',
  },
  entities: (event) => requestEntities(event),
  details: (event) => ({ deleted: deletedObject(event) ?? '', userAgent: event.userAgent ?? '' }),
  dedupKey: (event) => `${event.user.username}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'one Deployment deleted (a burst needs ten objects)',
      expect: 'none',
      event: deleteEvent('deployments', 'payments', 'api', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', '2026-11-02T23:05:01.402213Z'),
    },
    {
      name: 'the garbage collector deletes the ReplicaSet of a deleted Deployment',
      expect: 'none',
      event: deleteEvent('replicasets', 'payments', 'api-6b8d9c7f5', '1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e', '2026-11-02T23:05:01.902511Z', 'system:serviceaccount:kube-system:generic-garbage-collector', '10.224.0.4'),
    },
  ],
  timelines: [
    {
      name: 'a break-glass account signed in from a Tor exit deletes the payments workloads and two namespaces (11 objects in 40 seconds)',
      expect: 'alert',
      events: wipe.map(([resource, namespace, name], index) =>
        deleteEvent(resource, namespace, name, `2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e${String(index).padStart(2, '0')}`, `2026-11-02T23:05:${String(10 + index * 4).padStart(2, '0')}.208174Z`),
      ),
    },
    {
      name: 'the garbage collector and the namespace controller delete what the deleted namespaces held',
      expect: 'none',
      events: wipe.map(([resource, namespace, name], index) =>
        deleteEvent(
          resource === 'namespaces' ? 'pods' : resource === 'deployments' ? 'replicasets' : 'pods',
          namespace,
          `${name}-${index}x7k2p`,
          `3d4e5f6a-7b8c-4d9e-9fa0-2b3c4d5e6f${String(index).padStart(2, '0')}`,
          `2026-11-02T23:06:${String(10 + index * 3).padStart(2, '0')}.551980Z`,
          index % 2 === 0 ? 'system:serviceaccount:kube-system:generic-garbage-collector' : 'system:serviceaccount:kube-system:namespace-controller',
          '10.224.0.4',
        ),
      ),
    },
    {
      name: 'a developer uninstalls an application: 6 workloads and 3 pods',
      expect: 'none',
      events: wipe.slice(0, 6).map(([resource, , name], index) => deleteEvent(resource, 'review-pr-1423', name, `4e5f6a7b-8c9d-4eaf-a0b1-3c4d5e6f70${String(index).padStart(2, '0')}`, `2026-11-02T13:40:0${index}.117400Z`, 'dana@contoso.com', '203.0.113.24'))
        .concat(['web-7d9f8c6b5-x2k4q', 'web-7d9f8c6b5-m8p3z', 'web-7d9f8c6b5-q9w1c'].map((pod, index) => deleteEvent('pods', 'review-pr-1423', pod, `5f6a7b8c-9dae-4fb0-b1c2-4d5e6f7081${String(index).padStart(2, '0')}`, `2026-11-02T13:41:1${index}.880201Z`, 'dana@contoso.com', '203.0.113.24'))),
    },
    {
      name: 'the same pod deleted twelve times while a developer fights a crash loop (one object)',
      expect: 'none',
      events: Array.from({ length: 12 }, (_, index) =>
        deleteEvent('pods', 'shop', 'web-7d9f8c6b5-x2k4q', `6a7b8c9d-aebf-40c1-82d3-5e6f708192${String(index).padStart(2, '0')}`, `2026-11-02T14:1${Math.floor(index / 6)}:${String((index % 6) * 9).padStart(2, '0')}.330712Z`, 'dana@contoso.com', '203.0.113.24'),
      ),
    },
  ],
});
