import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { auditEvent, container, controllerPodEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { imageRepository, parseImageReference } from '../../predicates/imageReferences';
import { isJudgedPodSpecWrite, ownerEntities } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The namespaces whose images are profiled: the platform's own, where a new image is a new component. */
const PROFILED_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public']);

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

const COREDNS_IMAGE = 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-2';
const KUBE_PROXY_IMAGE = 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2';
const METRICS_SERVER_IMAGE = 'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2';

/**
 * The repositories (registry and path, no tag or digest) of the written containers, sorted, once each: each is
 * profiled on its own, so a pod that combines known images in a new way is known, and a tag change (an upgrade) is not
 * new either.
 */
function imageRepositoriesOf(event: AuditEvent): string[] {
  const repositories = new Set<string>();
  for (const { image } of workloadContainers(event)) {
    const reference = image === undefined ? undefined : parseImageReference(image);
    if (reference !== undefined) repositories.add(imageRepository(reference));
  }
  return [...repositories].sort();
}

function inProfiledNamespace(event: AuditEvent): boolean {
  const namespace = namespaceOf(event);
  return namespace !== undefined && PROFILED_NAMESPACES.has(namespace);
}

const controllerPod = (image: string, owner: { kind: 'ReplicaSet' | 'DaemonSet'; name: string }, name: string, time: string, auditID: string) =>
  controllerPodEvent({ containers: [container({ name, image })] }, { namespace: 'kube-system', owner, time, auditID, sourceIP: '10.224.0.4' });

/** What the cluster runs in kube-system during its learning week: CoreDNS, kube-proxy, metrics-server. */
const learningWeek = [
  controllerPod(COREDNS_IMAGE, { kind: 'ReplicaSet', name: 'coredns-6f9c8d7b5' }, 'coredns', '2026-11-02T08:12:44.512031Z', '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e01'),
  controllerPod(KUBE_PROXY_IMAGE, { kind: 'DaemonSet', name: 'kube-proxy' }, 'kube-proxy', '2026-11-03T02:40:09.118422Z', '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e02'),
  controllerPod(METRICS_SERVER_IMAGE, { kind: 'ReplicaSet', name: 'metrics-server-7b4c9d5f8' }, 'metrics-server', '2026-11-05T11:03:27.902115Z', '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e03'),
];

export const firstSeenImageInKubeSystem = defineRule({
  id: 'first-seen-image-in-kube-system',
  alertType: 'K8S_FirstSeenKubeSystemImage',
  displayName: 'Container image never seen before in kube-system or kube-public',
  description:
    'A pod or workload was written in kube-system or kube-public with a container image repository (registry and path, whatever the tag) ' +
    'that never ran in that namespace of the cluster since Argus started watching it. These namespaces run the platform\'s components, ' +
    'whose images change by tag on upgrades but rarely by repository; attackers hide backdoors there under names that look like system ' +
    'pods. This is the learned form of Defender\'s "new container in kube-system": silent while the cluster is learning (default 7 days).',
  // Low: a new repository in the platform's namespaces is rare and worth a look, but add-on installs cause it too.
  severity: Severity.Low,
  intent: Intent.Persistence,
  techniques: ['T1610', 'T1036.005'],
  remediation: [
    'Check with the platform team whether an add-on was installed or changed (AKS add-on, Helm release, operator) at that time.',
    'If not, delete the workload, then review the account that wrote it (the alert names it) and what the pod\'s service account did.',
    'Keep write access to kube-system to the platform team and its pipeline; refuse images from outside the platform registries there with Azure Policy or an admission policy.',
  ],
  falsePositives: [
    'An AKS add-on or extension enabled or upgraded to images under a new path (AKS moves images between repositories now and then): one alert per component.',
    'A platform engineer installing a new component in kube-system (a CSI driver, a monitoring agent).',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces',
    'https://attack.mitre.org/techniques/T1036/005/',
  ],
  equivalents: {
    defender: ['K8S_KubeSystemContainer'],
    falco: [],
    guardDuty: [],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES],
  // Every identity counts, controllers too: their pod creates carry the images that run, and the profile must learn them.
  match: (event, context) => inProfiledNamespace(event) && isJudgedPodSpecWrite(event, context) && !isDryRun(event) && imageRepositoriesOf(event).length > 0,
  stateful: {
    kind: 'firstSeen',
    subject: (event) => namespaceOf(event),
    value: imageRepositoriesOf,
    valueName: 'image repository',
  },
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({ imageRepositories: imageRepositoriesOf(event).join(' + ') }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${imageRepositoriesOf(event).join(' + ')}`,
  examples: [
    {
      name: 'one pod create alone says nothing of what ran before (first-seen rules alert over time)',
      expect: 'none',
      event: controllerPod(COREDNS_IMAGE, { kind: 'ReplicaSet', name: 'coredns-6f9c8d7b5' }, 'coredns', '2026-11-10T09:00:00.000000Z', '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e10'),
    },
    {
      name: 'kubectl rollout restart of coredns writes no containers',
      expect: 'none',
      event: workloadPatchEvent(
        'deployments',
        { namespace: 'kube-system', name: 'coredns' },
        { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-10T09:14:02Z' } } } } },
      ),
    },
  ],
  timelines: [
    {
      name: 'after a learning week of CoreDNS, kube-proxy and metrics-server, a user deploys a DaemonSet running a socat image into kube-system, and its pod follows',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('daemonsets', { hostNetwork: true, containers: [container({ name: 'proxy', image: 'docker.io/alpine/socat:1.8.0.0', args: ['TCP-LISTEN:10250,fork', 'TCP:127.0.0.1:10250'] })] }, {
          namespace: 'kube-system',
          name: 'kube-proxy-helper',
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          time: '2026-11-10T14:02:11.304881Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e11',
        }),
        controllerPodEvent({ hostNetwork: true, containers: [container({ name: 'proxy', image: 'docker.io/alpine/socat:1.8.0.0' })] }, {
          namespace: 'kube-system',
          owner: { kind: 'DaemonSet', name: 'kube-proxy-helper' },
          sourceIP: '10.224.0.4',
          time: '2026-11-10T14:02:11.583204Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e12',
        }),
      ],
    },
    {
      name: 'after the learning week, kubectl set image points CoreDNS at a registry never used in kube-system',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadPatchEvent(
          'deployments',
          { namespace: 'kube-system', name: 'coredns' },
          { spec: { template: { spec: { containers: [{ name: 'coredns', image: 'ghcr.io/dnsutils-dev/coredns:1.11.3' }] } } } },
          { user: 'mallory@contoso.com', sourceIP: '198.51.100.77', time: '2026-11-11T09:41:52.771930Z', auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e13' },
        ),
      ],
    },
    {
      name: 'kube-public is profiled on its own: the CoreDNS image known in kube-system is new there',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('pods', { containers: [container({ name: 'dns', image: COREDNS_IMAGE })] }, {
          namespace: 'kube-public',
          name: 'cluster-info-cache',
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          time: '2026-11-12T22:15:03.118204Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e14',
        }),
      ],
    },
    {
      name: 'a new image installed in kube-system during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('daemonsets', { containers: [container({ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' })] }, {
          namespace: 'kube-system',
          name: 'node-exporter',
          user: 'dana@contoso.com',
          userAgent: 'Helm/3.16.2',
          time: '2026-11-06T15:20:48.402117Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e15',
        }),
      ],
    },
    {
      name: 'after the learning week: a rollout restart, a server-side dry run, a refused create in kube-system and a new image in an application namespace',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadPatchEvent(
          'deployments',
          { namespace: 'kube-system', name: 'coredns' },
          { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-10T09:14:02Z' } } } } },
          { time: '2026-11-10T09:14:02.331207Z', auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e16' },
        ),
        workloadEvent('pods', { containers: [container({ name: 'debug', image: 'docker.io/library/busybox:1.36' })] }, {
          namespace: 'kube-system',
          name: 'debug',
          requestURI: '/api/v1/namespaces/kube-system/pods?dryRun=All&fieldManager=kubectl-run',
          time: '2026-11-10T09:20:15.004611Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e17',
        }),
        workloadEvent('pods', { containers: [container({ name: 'debug', image: 'docker.io/library/busybox:1.36' })] }, {
          namespace: 'kube-system',
          name: 'debug',
          user: 'erin@contoso.com',
          code: 403,
          time: '2026-11-10T09:22:40.912733Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e18',
        }),
        controllerPodEvent({ containers: [container({ name: 'web', image: 'contoso.azurecr.io/shop/web:1.5.0' })] }, {
          namespace: 'shop',
          owner: { kind: 'ReplicaSet', name: 'web-5d8c7f9b6' },
          sourceIP: '10.224.0.4',
          time: '2026-11-10T10:05:31.227409Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e19',
        }),
        auditEvent({
          verb: 'get',
          resource: 'pods',
          namespace: 'kube-system',
          name: 'coredns-6f9c8d7b5-q8w2e',
          time: '2026-11-10T10:06:02.551932Z',
          auditID: '3c0e8a51-6b1f-4d2a-9e07-5a1c2f3d4e1a',
        }),
      ],
    },
  ],
});
