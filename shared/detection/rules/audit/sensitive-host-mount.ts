import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { podSpecOf, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { hostPathVolumes, isInfrastructureWorkload, mountedVolumeNames, sensitiveHostPathPattern } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

interface SensitiveVolume {
  volumeName: string;
  path: string;
  pattern: string;
}

/**
 * The written pod spec's hostPath volumes that fall under a listed sensitive path. The volume being defined
 * is enough: a patch may add the volume and its mount in separate requests, and a hostPath volume is
 * rarely defined to stay unmounted.
 */
function sensitiveVolumes(event: AuditEvent, context: DetectionContext): SensitiveVolume[] {
  const out: SensitiveVolume[] = [];
  for (const volume of hostPathVolumes(podSpecOf(event))) {
    const pattern = sensitiveHostPathPattern(volume.path, context);
    if (pattern !== undefined) out.push({ ...volume, pattern });
  }
  return out;
}

/** The containers that mount one of the volumes; all written containers when no mount is visible. */
function mountingContainers(event: AuditEvent, volumes: readonly SensitiveVolume[]) {
  const names = new Set(volumes.map((volume) => volume.volumeName));
  const containers = workloadContainers(event);
  const mounting = containers.filter((c) => mountedVolumeNames(c).some((name) => names.has(name)));
  return mounting.length > 0 ? mounting : containers;
}

export const sensitiveHostMount = defineRule({
  id: 'sensitive-host-mount',
  alertType: 'K8S_SensitiveMount',
  displayName: 'Container with a sensitive volume mount detected',
  description:
    'A pod or workload was written with a hostPath volume on a sensitive node path: the node\'s root file system, /etc, /proc, ' +
    '/root, the kubelet\'s or the container runtime\'s state, or a container runtime socket. From such a mount a compromised ' +
    'container reads node credentials (kubelet client certificates, cloud provider configuration), starts containers through ' +
    'the runtime socket or writes to the node, and so takes over the node. The alert is raised when the volume is defined, ' +
    'whether or not the logged request also shows the container mount.',
  severity: Severity.Informational,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1610'],
  remediation: [
    'Ask the workload owner why the container needs this node path; most applications need none.',
    'Replace the hostPath volume with a ConfigMap, Secret, emptyDir or persistent volume; if a node path is unavoidable, mount the narrowest file read-only.',
    'Enforce the Pod Security Standards (baseline or restricted) on the namespace, which refuse hostPath volumes, or an admission policy that allows only listed paths.',
    'If the workload is unexpected, delete it and review what the account that created it has done since.',
  ],
  falsePositives: [
    'Node agents (log shippers, monitoring, security agents, CSI drivers) installed by an operator outside the infrastructure namespaces mount /proc, /var/lib/kubelet or the runtime socket by design.',
    'CI runners that build images through the node\'s Docker socket (an unsafe practice, but a common one).',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1611/',
  ],
  equivalents: {
    defender: ['K8S_SensitiveMount'],
    falco: ['Create Sensitive Mount Pod'],
    guardDuty: ['Persistence:Kubernetes/ContainerWithSensitiveMount', 'PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount'],
    elastic: ['Kubernetes Pod created with a Sensitive hostPath Volume', 'Container With A hostPath Mount Created'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && sensitiveVolumes(event, context).length > 0 && !isInfrastructureWorkload(event, context),
  entities: (event, context) => {
    const volumes = sensitiveVolumes(event, context);
    const paths = [...new Set(volumes.map((volume) => volume.path))];
    return [
      ...requestEntities(event),
      ...ownerEntities(event),
      ...containerEntities(mountingContainers(event, volumes)),
      ...paths.map((path): AlertEntity => ({ type: EntityType.file, name: path })),
    ];
  },
  details: (event, context) => {
    const volumes = sensitiveVolumes(event, context);
    const containers = mountingContainers(event, volumes).map((c) => c.name);
    return {
      hostPaths: volumes.map((volume) => `${volume.path} (volume ${volume.volumeName})`).join(', '),
      matchedPatterns: [...new Set(volumes.map((volume) => volume.pattern))].join(', '),
      ...(containers.length > 0 ? { containers: containers.join(', ') } : {}),
    };
  },
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a pod mounts the node root file system',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        {
          containers: [container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sleep', 'infinity'], volumeMounts: [{ name: 'host', mountPath: '/host' }] })],
          volumes: [{ name: 'host', hostPath: { path: '/' } }],
        },
        { name: 'node-shell' },
      ),
    },
    {
      name: 'a DaemonSet mounts the containerd socket',
      expect: 'alert',
      event: workloadEvent(
        'daemonsets',
        {
          containers: [container({ name: 'agent', image: 'ghcr.io/example/node-agent:2.1', volumeMounts: [{ name: 'runtime', mountPath: '/run/containerd/containerd.sock' }] })],
          volumes: [{ name: 'runtime', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } }],
        },
        { namespace: 'tools', name: 'node-agent' },
      ),
    },
    {
      name: 'a CronJob mounts /etc/kubernetes with a trailing slash',
      expect: 'alert',
      event: workloadEvent(
        'cronjobs',
        {
          restartPolicy: 'OnFailure',
          containers: [container({ name: 'backup', volumeMounts: [{ name: 'k8s', mountPath: '/k8s', readOnly: true }] })],
          volumes: [{ name: 'k8s', hostPath: { path: '/etc/kubernetes/' } }],
        },
        { namespace: 'ops', name: 'config-backup' },
      ),
    },
    {
      name: 'a JSON patch adds a kubelet hostPath volume to a deployment',
      expect: 'alert',
      event: workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [
        { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'kubelet', hostPath: { path: '/var/lib/kubelet/pki' } } },
      ]),
    },
    {
      name: 'a pod mounts the node log directory',
      expect: 'none',
      event: workloadEvent(
        'pods',
        {
          containers: [container({ name: 'shipper', volumeMounts: [{ name: 'logs', mountPath: '/var/log', readOnly: true }] })],
          volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }],
        },
        { namespace: 'logging' },
      ),
    },
    {
      name: 'a pod mounts the node CA bundle under /etc/ssl',
      expect: 'none',
      event: workloadEvent('pods', {
        containers: [container({ volumeMounts: [{ name: 'certs', mountPath: '/etc/ssl/certs', readOnly: true }] })],
        volumes: [{ name: 'certs', hostPath: { path: '/etc/ssl/certs' } }],
      }),
    },
    {
      name: 'the daemon-set controller creates a pod that mounts /proc (the DaemonSet write was not seen)',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        {
          containers: [container({ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' })],
          volumes: [{ name: 'proc', hostPath: { path: '/proc' } }],
        },
        { namespace: 'monitoring', user: 'system:serviceaccount:kube-system:daemon-set-controller' },
      ),
    },
    {
      name: 'an operator updates the Azure Disk CSI node DaemonSet in kube-system',
      expect: 'none',
      event: workloadEvent(
        'daemonsets',
        {
          containers: [container({ name: 'azuredisk', image: 'mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.30.3' })],
          volumes: [{ name: 'kubelet-dir', hostPath: { path: '/var/lib/kubelet', type: 'DirectoryOrCreate' } }],
        },
        { verb: 'update', namespace: 'kube-system', name: 'csi-azuredisk-node' },
      ),
    },
    {
      name: 'a pod mounting the Docker socket that the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container()], volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }, { code: 403 }),
    },
  ],
});
