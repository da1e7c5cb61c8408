import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isNodeIdentity, isServiceAccount, isSystemRequest } from '../../predicates/identities';
import { apiGroupOf, isMainResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Workload resources whose collection delete empties a namespace of running software, with their API groups. */
const WORKLOAD_GROUPS: Readonly<Record<string, string>> = {
  pods: '',
  deployments: 'apps',
  statefulsets: 'apps',
  daemonsets: 'apps',
  replicasets: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
};

const DeletionKind = {
  namespace: 'namespace deleted',
  namespaces: 'namespaces deleted (collection)',
  workloads: 'workload collection deleted',
} as const;
type DeletionKind = (typeof DeletionKind)[keyof typeof DeletionKind];

function deletionKind(event: AuditEvent): DeletionKind | undefined {
  const resource = event.objectRef?.resource;
  if (resource === undefined || !isMainResource(event)) return undefined;
  if (resource === 'namespaces' && apiGroupOf(event) === '') {
    if (event.verb === 'delete' && event.objectRef?.name !== undefined) return DeletionKind.namespace;
    if (event.verb === 'deletecollection') return DeletionKind.namespaces;
    return undefined;
  }
  const group = WORKLOAD_GROUPS[resource];
  return event.verb === 'deletecollection' && group !== undefined && apiGroupOf(event) === group ? DeletionKind.workloads : undefined;
}

/**
 * A person made the request: the authenticated user is not a service account, a node, a `system:` identity or a listed system
 * identity. A person impersonating someone (a service account included) is still a person deleting.
 */
function isHumanRequest(event: AuditEvent, context: DetectionContext): boolean {
  const username = event.user.username;
  if (isSystemRequest(event, context) || context.lists.systemIdentities.matches(username)) return false;
  return !isServiceAccount(username) && !isNodeIdentity(username) && !username.startsWith('system:');
}

/** The namespace the request emptied or deleted (undefined for a cluster-wide collection delete). */
function targetNamespace(event: AuditEvent): string | undefined {
  return event.objectRef?.resource === 'namespaces' ? event.objectRef.name : namespaceOf(event);
}

function scopeOf(event: AuditEvent, kind: DeletionKind): string {
  if (kind === DeletionKind.namespaces) return 'every namespace matching the request';
  const namespace = targetNamespace(event);
  if (kind === DeletionKind.namespace) return `namespace ${namespace ?? ''}`;
  return namespace === undefined ? `all ${event.objectRef?.resource ?? ''} of all namespaces` : `all ${event.objectRef?.resource ?? ''} of namespace ${namespace}`;
}

export const destructiveDeleteByUser = defineRule({
  id: 'destructive-delete-by-user',
  alertType: 'K8S_DestructiveDeleteByUser',
  displayName: 'Namespace or workloads mass-deleted by a user',
  description:
    'A person (not a service account, node or system component) deleted a namespace, with everything in it, or deleted a whole ' +
    'collection of workloads (pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs or CronJobs) of a namespace in one ' +
    'request. Attackers and disgruntled insiders with a stolen or unrevoked account destroy applications and their data this ' +
    'way. `kubectl delete --all` and label-selector deletes send one delete per object and are not seen here (that needs a ' +
    'count over time); the collection delete comes from API clients and scripts. The namespace controller emptying a deleted ' +
    'namespace, pipelines deleting review environments under a service account, and single-object deletes are not reported.',
  // New alert type. Low: people delete namespaces in development clusters; Medium for platform namespaces or a cluster-wide collection delete.
  severity: Severity.Low,
  severityFor: (event, context) => {
    const namespace = targetNamespace(event);
    if (deletionKind(event) === DeletionKind.namespaces || namespace === undefined) return Severity.Medium;
    return context.lists.infrastructureNamespaces.matches(namespace) ? Severity.Medium : Severity.Low;
  },
  intent: Intent.Impact,
  techniques: ['T1485', 'T1489'],
  remediation: [
    'Confirm with the account owner and the namespace owners that the deletion was intended.',
    'If not, restore the namespace or workloads from their source (GitOps, pipeline, Helm) and the data from backups (Velero, volume snapshots), and disable the account and revoke its credentials.',
    'Limit delete on namespaces and deletecollection on workloads to administrators and pipelines, and protect production namespaces with an admission policy.',
  ],
  falsePositives: [
    'Developers tearing down their own development or test namespaces.',
    'Pipelines or scripts that authenticate as a person or an Entra ID application rather than a service account.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
    'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#deletecollection-delete-collection-of-deployment',
    'https://attack.mitre.org/techniques/T1485/',
    'https://attack.mitre.org/techniques/T1489/',
  ],
  equivalents: { defender: [], falco: ['K8s Namespace Deleted'], guardDuty: [], elastic: [] },
  resources: ['namespaces', ...Object.keys(WORKLOAD_GROUPS)],
  match: (event, context) => deletionKind(event) !== undefined && succeeded(event) && !isDryRun(event) && isHumanRequest(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = requestEntities(event);
    const namespace = targetNamespace(event);
    // The API server reports a namespace as both the name and the namespace of its own request; older records only name it.
    if (event.objectRef?.resource === 'namespaces' && namespaceOf(event) === undefined && namespace !== undefined) entities.push({ type: EntityType.namespace, name: namespace });
    return entities;
  },
  details: (event) => {
    const kind = deletionKind(event) ?? DeletionKind.workloads;
    return { deletion: kind, scope: scopeOf(event, kind), verb: event.verb, resource: event.objectRef?.resource ?? '' };
  },
  dedupKey: (event) => `${targetNamespace(event) ?? '*'}|${event.objectRef?.resource ?? ''}|${(event.impersonatedUser ?? event.user).username}`,
  examples: [
    {
      name: 'a developer deletes the production namespace',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: 'namespaces', name: 'shop', namespace: 'shop', requestURI: '/api/v1/namespaces/shop', responseObject: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'shop' }, status: { phase: 'Terminating' } } }),
    },
    {
      name: 'a script deletes every Deployment of a namespace with one collection delete',
      expect: 'alert',
      event: auditEvent({ verb: 'deletecollection', resource: 'deployments', apiGroup: 'apps', namespace: 'payments', userAgent: 'python-requests/2.32.3', sourceIP: '198.51.100.77' }),
    },
    {
      name: 'an administrator deletes the Gatekeeper namespace',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: 'namespaces', name: 'gatekeeper-system', requestURI: '/api/v1/namespaces/gatekeeper-system', user: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] } }),
    },
    {
      name: 'a person impersonating a service account deletes the pods of a namespace',
      expect: 'alert',
      event: auditEvent({
        verb: 'deletecollection',
        resource: 'pods',
        namespace: 'payments',
        impersonatedUser: { username: 'system:serviceaccount:payments:api', groups: ['system:serviceaccounts', 'system:serviceaccounts:payments', 'system:authenticated'] },
      }),
    },
    {
      name: 'the namespace controller empties a deleted namespace',
      expect: 'none',
      event: auditEvent({ verb: 'deletecollection', resource: 'pods', namespace: 'review-pr-1423', user: 'system:serviceaccount:kube-system:namespace-controller' }),
    },
    {
      name: 'a CI service account deletes a review namespace',
      expect: 'none',
      event: auditEvent({ verb: 'delete', resource: 'namespaces', name: 'review-pr-1423', namespace: 'review-pr-1423', requestURI: '/api/v1/namespaces/review-pr-1423', user: 'system:serviceaccount:cicd:deployer' }),
    },
    {
      name: 'a developer deletes one pod',
      expect: 'none',
      event: auditEvent({ verb: 'delete', resource: 'pods', namespace: 'shop', name: 'web-6f7d9c8b5-x2k4q' }),
    },
    {
      name: 'a developer deletes the ConfigMaps of a namespace',
      expect: 'none',
      event: auditEvent({ verb: 'deletecollection', resource: 'configmaps', namespace: 'shop' }),
    },
    {
      name: 'a server-side dry run of a namespace delete',
      expect: 'none',
      event: auditEvent({ verb: 'delete', resource: 'namespaces', name: 'shop', namespace: 'shop', requestURI: '/api/v1/namespaces/shop?dryRun=All' }),
    },
    {
      name: 'a namespace delete that RBAC refused',
      expect: 'none',
      event: auditEvent({ verb: 'delete', resource: 'namespaces', name: 'shop', namespace: 'shop', requestURI: '/api/v1/namespaces/shop', code: 403 }),
    },
  ],
});
