import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { imagesOf, isInfrastructureWorkload } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The namespaces of the cluster itself, where users have no business running containers. */
const KUBE_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

function inKubeNamespace(event: AuditEvent): boolean {
  const namespace = namespaceOf(event);
  return namespace !== undefined && KUBE_NAMESPACES.has(namespace);
}

export const kubeSystemContainer = defineRule({
  id: 'kube-system-container',
  alertType: 'K8S_KubeSystemContainer',
  displayName: 'New container in the kube-system namespace detected',
  description:
    'A pod or workload with containers was created or changed in kube-system, kube-public or kube-node-lease by an identity that ' +
    'is not one of the cluster\'s own (control plane, controllers, AKS add-on manager), or a controller created a pod there that ' +
    'does not run only platform images (its owner\'s write may not have been logged). These namespaces hold the platform\'s components and ' +
    'their powerful service accounts; attackers hide backdoors there under names that look like system pods. Defender learns ' +
    'which containers normally run in kube-system; without that history this rule looks at who wrote the container instead, ' +
    'and does not trust an image because it comes from a platform registry (an attacker can run those images too).',
  severity: Severity.Informational,
  // Defender's severity is Informational; a container whose image is not a listed platform image is raised to Low.
  severityFor: (event, context) =>
    workloadContainers(event).every((c) => context.lists.infrastructureImages.matches(c.image)) ? Severity.Informational : Severity.Low,
  intent: Intent.Persistence,
  techniques: ['T1610', 'T1036.005'],
  remediation: [
    'Confirm with the platform team that the change was expected (an add-on installed or upgraded by hand, a Helm release).',
    'If not, delete the workload, review the account that wrote it, and check the service account the pod ran as and what it did.',
    'Keep write access to kube-system for the platform team only; deploy add-ons through a GitOps or pipeline identity listed as a system identity.',
  ],
  falsePositives: [
    'Platform engineers installing or upgrading add-ons in kube-system by hand or with Helm.',
    'GitOps controllers (Flux, Argo CD) or pipelines that deploy into kube-system and are not in the system identity list.',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces',
    'https://attack.mitre.org/techniques/T1036/005/',
  ],
  equivalents: {
    defender: ['K8S_KubeSystemContainer'],
    falco: ['Pod Created in Kube Namespace'],
    guardDuty: [],
    elastic: ['Creation Of Pod In System Namespace'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    inKubeNamespace(event) &&
    isJudgedPodSpecWrite(event, context) &&
    workloadContainers(event).length > 0 &&
    // A person's write is judged whatever the image; a controller's pod create says nothing of who wrote its
    // owner, so there the workload itself decides: platform images in the platform's namespace are expected.
    (!isSystemRequest(event, context) || !isInfrastructureWorkload(event, context)),
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({
    containers: workloadContainers(event)
      .map((c) => c.name)
      .join(', '),
    images: imagesOf(workloadContainers(event)).join(', '),
  }),
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a user creates a pod named like a system pod in kube-system',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        { containers: [container({ name: 'proxy', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'sleep infinity'] })] },
        { namespace: 'kube-system', name: 'kube-proxy-x7k2p' },
      ),
    },
    {
      name: 'a user deploys a DaemonSet with a Microsoft image into kube-system',
      expect: 'alert',
      event: workloadEvent(
        'daemonsets',
        { containers: [container({ name: 'agent', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2', command: ['/bin/sh', '-c', 'sleep infinity'] })] },
        { namespace: 'kube-system', name: 'node-helper' },
      ),
    },
    {
      name: 'kubectl set image on coredns',
      expect: 'alert',
      event: workloadPatchEvent(
        'deployments',
        { namespace: 'kube-system', name: 'coredns' },
        { spec: { template: { spec: { containers: [{ name: 'coredns', image: 'ghcr.io/example/coredns:1.11' }] } } } },
      ),
    },
    {
      name: 'a CronJob created in kube-public',
      expect: 'alert',
      event: workloadEvent(
        'cronjobs',
        { restartPolicy: 'OnFailure', containers: [container({ name: 'sync' })] },
        { namespace: 'kube-public', name: 'sync', schedule: '*/5 * * * *' },
      ),
    },
    {
      name: 'kubectl rollout restart of coredns (no containers written)',
      expect: 'none',
      event: workloadPatchEvent(
        'deployments',
        { namespace: 'kube-system', name: 'coredns' },
        { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-02T10:15:30Z' } } } } },
      ),
    },
    {
      name: 'the AKS add-on manager updates a kube-system deployment',
      expect: 'none',
      event: workloadEvent(
        'deployments',
        { containers: [container({ name: 'metrics-server', image: 'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2' })] },
        { verb: 'update', namespace: 'kube-system', name: 'metrics-server', user: 'system:serviceaccount:kube-system:addon-manager' },
      ),
    },
    {
      name: 'the replicaset controller creates a coredns pod',
      expect: 'none',
      event: workloadEvent(
        'pods',
        { containers: [container({ name: 'coredns', image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3' })] },
        { namespace: 'kube-system', name: 'coredns-6f9c8d7b5-q8w2e', user: 'system:serviceaccount:kube-system:replicaset-controller' },
      ),
    },
    {
      name: 'a pod created in kube-node-lease',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [container({ name: 'lease', image: 'docker.io/library/busybox:1.36' })] }, { namespace: 'kube-node-lease', name: 'lease-helper' }),
    },
    {
      name: 'the replicaset controller creates a kube-system pod with an image from outside the platform registries',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        { containers: [container({ name: 'agent', image: 'ghcr.io/example/agent:1.0' })] },
        { namespace: 'kube-system', name: 'agent-6f9c8d7b5-q8w2e', user: 'system:serviceaccount:kube-system:replicaset-controller' },
      ),
    },
    {
      name: 'a user creates a pod in an application namespace',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container()] }, { namespace: 'shop', name: 'web-1' }),
    },
    {
      name: 'a pod in kube-system the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container()] }, { namespace: 'kube-system', name: 'x', code: 403 }),
    },
  ],
});
