import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { container, ephemeralContainerEvent, workloadEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { dangerousCapabilitiesOf, isInfrastructureWorkload } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { isResource, isWrite, succeeded } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Pod specs the pod-spec rules judge, and the ephemeral containers `kubectl debug --profile=...` adds to a running pod. */
function writesContainers(event: AuditEvent, context: DetectionContext): boolean {
  if (isJudgedPodSpecWrite(event, context)) return true;
  return isWrite(event) && isResource(event, 'pods', 'ephemeralcontainers') && succeeded(event) && !isSystemRequest(event, context);
}

function containersWithDangerousCapabilities(event: AuditEvent, context: DetectionContext) {
  return workloadContainers(event)
    .map((c) => ({ container: c, capabilities: dangerousCapabilitiesOf(c, context) }))
    .filter((entry) => entry.capabilities.length > 0);
}

const adding = (...add: string[]) => ({ securityContext: { capabilities: { add } } });

export const dangerousCapabilities = defineRule({
  id: 'dangerous-capabilities',
  alertType: 'K8S_DangerousCapabilities',
  displayName: 'Container with dangerous Linux capabilities detected',
  description:
    'A pod, workload or ephemeral container was written with a Linux capability that breaks container isolation: ' +
    'SYS_ADMIN (mount, namespaces: close to privileged), SYS_PTRACE (read other processes\' memory), SYS_MODULE (load kernel ' +
    'modules), NET_ADMIN (reconfigure networking, intercept traffic), BPF, DAC_READ_SEARCH (read any file, open_by_handle_at ' +
    'escapes) or ALL. A compromised container with these capabilities can reach the node.',
  // New alert type. Low, as for privileged containers here: the capability is a risk, not yet an attack.
  severity: Severity.Low,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1610'],
  remediation: [
    'Ask the workload owner which capability the container really needs and why.',
    'Drop ALL capabilities in `securityContext.capabilities.drop` and add back only narrow ones (such as NET_BIND_SERVICE).',
    'Enforce the Pod Security Standards (baseline refuses these capabilities; restricted allows only NET_BIND_SERVICE) on the namespace.',
  ],
  falsePositives: [
    'Service-mesh init containers (istio-init, linkerd-init) add NET_ADMIN and NET_RAW when the mesh CNI plugin is not used; they are usually injected by a webhook, after the audited request.',
    'VPN, CNI, eBPF-based monitoring and security agents installed outside the infrastructure namespaces.',
    'Debugging sessions (`kubectl debug --profile=sysadmin` or a custom profile) by cluster operators.',
  ],
  references: [
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://man7.org/linux/man-pages/man7/capabilities.7.html',
    'https://attack.mitre.org/techniques/T1611/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Container Created with Excessive Linux Capabilities'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    writesContainers(event, context) && containersWithDangerousCapabilities(event, context).length > 0 && !isInfrastructureWorkload(event, context),
  entities: (event, context) => [
    ...requestEntities(event),
    ...ownerEntities(event),
    ...containerEntities(containersWithDangerousCapabilities(event, context).map((entry) => entry.container)),
  ],
  details: (event, context) => ({
    capabilities: containersWithDangerousCapabilities(event, context)
      .map((entry) => `${entry.container.name}: ${entry.capabilities.join(', ')}`)
      .join('; '),
  }),
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a pod adds SYS_ADMIN',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [container(adding('SYS_ADMIN'))] }),
    },
    {
      name: 'a DaemonSet adds CAP_SYS_PTRACE and NET_ADMIN in lower case',
      expect: 'alert',
      event: workloadEvent(
        'daemonsets',
        { containers: [container({ name: 'tracer', ...adding('cap_sys_ptrace', 'net_admin') })] },
        { namespace: 'tools', name: 'tracer' },
      ),
    },
    {
      name: 'kubectl debug adds an ephemeral container with ALL capabilities',
      expect: 'alert',
      event: ephemeralContainerEvent(
        { namespace: 'shop', name: 'web-7d9f8c6b5-x2k4q' },
        { name: 'debugger-8kz2n', image: 'docker.io/library/busybox:1.36', targetContainerName: 'app', ...adding('ALL') },
      ),
    },
    {
      name: 'a pod adds only NET_BIND_SERVICE',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container({ securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } })] }),
    },
    {
      name: 'the replicaset controller creates a pod with NET_ADMIN (its Deployment written before the plan)',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [container(adding('NET_ADMIN'))] }, { namespace: 'shop', user: 'system:serviceaccount:kube-system:replicaset-controller' }),
    },
    {
      name: 'an operator applies the Azure CNI DaemonSet in kube-system',
      expect: 'none',
      event: workloadEvent(
        'daemonsets',
        { containers: [container({ name: 'cns', image: 'mcr.microsoft.com/containernetworking/azure-cns:v1.6.13', ...adding('NET_ADMIN') })] },
        { verb: 'update', namespace: 'kube-system', name: 'azure-cns' },
      ),
    },
    {
      name: 'a SYS_ADMIN pod the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container(adding('SYS_ADMIN'))] }, { code: 403 }),
    },
  ],
});
