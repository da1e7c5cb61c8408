import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { objectName, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, container, workloadEvent } from '../../exampleEvents';
import { imagesOf } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { isCreate, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A namespace that matches the `disallowedNamespaces` list was created. */
function isDisallowedNamespaceCreate(event: AuditEvent, context: DetectionContext): boolean {
  return isCreate(event) && isResource(event, 'namespaces') && succeeded(event) && context.lists.disallowedNamespaces.matches(objectName(event));
}

/**
 * A pod or pod controller was created in a namespace on the `disallowedNamespaces` list: pods whoever
 * creates them (the controllers' included), other workloads when a person or workload creates them.
 */
function isDisallowedWorkloadCreate(event: AuditEvent, context: DetectionContext): boolean {
  return isCreate(event) && isJudgedPodSpecWrite(event, context) && context.lists.disallowedNamespaces.matches(namespaceOf(event));
}

/** The namespace the alert is about: the one created, or the one the workload was created in. */
function disallowedNamespace(event: AuditEvent): string {
  return (isResource(event, 'namespaces') ? objectName(event) : namespaceOf(event)) ?? '';
}

const policy = { disallowedNamespaces: ['default', 'legacy-*'] };

export const disallowedNamespaceWorkload = defineRule({
  id: 'disallowed-namespace-workload',
  alertType: 'K8S_DisallowedNamespaceWorkload',
  displayName: 'Workload created in a disallowed namespace',
  description:
    'A pod or workload (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob) was created in a namespace on the ' +
    '`disallowedNamespaces` list, or such a namespace was itself created (a policy list, empty by default: the rule is silent ' +
    'until it is set). Teams keep `default` empty and freeze retired namespaces; a workload there bypasses the quotas, network ' +
    'policies and reviews of the namespaces that are meant to be used, and is a place attackers hide tools in. Pods are judged ' +
    'whoever creates them, so the pods of a workload created before the policy was set still alert, under the owning workload.',
  severity: Severity.Low,
  intent: Intent.Execution,
  techniques: ['T1610'],
  remediation: [
    'Find out from the creating identity why the workload is in that namespace; move it to the team\'s namespace or delete it.',
    'Refuse creates there at admission (a ResourceQuota of zero pods, an Azure Policy, Gatekeeper or Kyverno constraint) and remove RBAC that grants them.',
  ],
  falsePositives: [
    'Quick tests in `default` by administrators (`kubectl run`).',
    'Helm charts or operators that install into `default` unless told otherwise.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
    'https://kubernetes.io/docs/concepts/policy/resource-quotas/',
    'https://attack.mitre.org/techniques/T1610/',
  ],
  equivalents: {
    defender: [],
    falco: ['Create Disallowed Namespace'],
    guardDuty: [],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES, 'namespaces'],
  match: (event, context) => isDisallowedWorkloadCreate(event, context) || isDisallowedNamespaceCreate(event, context),
  entities: (event) => {
    if (isResource(event, 'namespaces')) {
      const entities = requestEntities(event);
      const name = objectName(event);
      const namespace: AlertEntity[] = name === undefined ? [] : [{ type: EntityType.namespace, name }];
      return [...entities, ...namespace];
    }
    return [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))];
  },
  details: (event, context) => {
    const namespace = disallowedNamespace(event);
    const details: Record<string, string> = {
      namespace,
      matchedEntry: context.lists.disallowedNamespaces.find(namespace) ?? '',
      created: isResource(event, 'namespaces') ? 'namespace' : `${event.objectRef?.resource ?? ''}/${objectName(event) ?? ''}`,
    };
    const images = imagesOf(workloadContainers(event));
    if (images.length > 0) details.images = images.join(', ');
    return details;
  },
  dedupKey: (event) => (isResource(event, 'namespaces') ? `${disallowedNamespace(event)}|namespace` : workloadDedupKey(event)),
  examples: [
    {
      name: 'a developer creates a deployment in default while default is disallowed',
      expect: 'alert',
      lists: policy,
      event: workloadEvent('deployments', { containers: [container()] }, { namespace: 'default', name: 'web' }),
    },
    {
      name: 'the job controller creates the pod of a CronJob in a frozen namespace',
      expect: 'alert',
      lists: policy,
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'legacy-billing',
        user: 'system:serviceaccount:kube-system:job-controller',
        requestObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: 'export-28830145-',
            namespace: 'legacy-billing',
            labels: { 'batch.kubernetes.io/job-name': 'export-28830145', 'job-name': 'export-28830145' },
            ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'export-28830145', controller: true, blockOwnerDeletion: true }],
          },
          spec: { restartPolicy: 'Never', containers: [container({ image: 'contoso.azurecr.io/billing/export:2.0.1' })] },
        },
      }),
    },
    {
      name: 'an administrator creates a namespace that matches the disallowed list',
      expect: 'alert',
      lists: policy,
      event: auditEvent({
        verb: 'create',
        resource: 'namespaces',
        name: 'legacy-reports',
        requestObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy-reports' } },
      }),
    },
    {
      name: 'a deployment in default with the default lists (no namespace policy set)',
      expect: 'none',
      event: workloadEvent('deployments', { containers: [container()] }, { namespace: 'default', name: 'web' }),
    },
    {
      name: 'a deployment in an allowed namespace',
      expect: 'none',
      lists: policy,
      event: workloadEvent('deployments', { containers: [container()] }, { namespace: 'shop', name: 'web' }),
    },
    {
      name: 'the deployment controller creates the ReplicaSet of a deployment in default (its pods are judged)',
      expect: 'none',
      lists: policy,
      event: workloadEvent(
        'replicasets',
        { containers: [container()] },
        { namespace: 'default', name: 'web-7d9f8c6b5', user: 'system:serviceaccount:kube-system:deployment-controller' },
      ),
    },
    {
      name: 'an existing deployment in default is scaled by a patch',
      expect: 'none',
      lists: policy,
      event: auditEvent({
        verb: 'patch',
        resource: 'deployments',
        apiGroup: 'apps',
        namespace: 'default',
        name: 'web',
        requestObject: { spec: { replicas: 3 } },
      }),
    },
    {
      name: 'a pod in default the API server refused',
      expect: 'none',
      lists: policy,
      event: workloadEvent('pods', { containers: [container()] }, { namespace: 'default', code: 403 }),
    },
  ],
});
