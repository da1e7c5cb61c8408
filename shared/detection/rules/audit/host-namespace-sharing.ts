import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { podSpecOf, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { HostNamespace, isInfrastructureWorkload, sharedHostNamespaces } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

function sharedNamespaces(event: AuditEvent) {
  return sharedHostNamespaces(podSpecOf(event));
}

export const hostNamespaceSharing = defineRule({
  id: 'host-namespace-sharing',
  alertType: 'K8S_HostNamespaceSharing',
  displayName: 'Pod sharing the node\'s namespaces detected',
  description:
    'A pod or workload was written with hostPID, hostIPC or hostNetwork. With hostPID the containers see and signal every ' +
    'process of the node and read their environment and memory (with the right capabilities); with hostIPC they share the ' +
    'node\'s shared memory; with hostNetwork they use the node\'s network stack: its interfaces, its listening services and ' +
    'the cloud metadata endpoint, past network policies. Each weakens the isolation between the container and the node.',
  // New alert type. Low, as for privileged containers here; a pod that only shares the host network is Informational (see severityFor).
  severity: Severity.Low,
  severityFor: (event) =>
    sharedNamespaces(event).some((namespace) => namespace !== HostNamespace.hostNetwork) ? Severity.Low : Severity.Informational,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1610'],
  remediation: [
    'Ask the workload owner why the pod needs the node\'s process, IPC or network namespace; application pods do not.',
    'Remove hostPID, hostIPC and hostNetwork from the pod spec; expose ports with a Service instead of the host network.',
    'Enforce the Pod Security Standards (baseline or restricted) on the namespace, which refuse host namespaces.',
  ],
  falsePositives: [
    'Node agents (CNI plugins, kube-proxy replacements, monitoring and security agents) installed outside the infrastructure namespaces share host namespaces by design.',
    'Ingress controllers and load-balancer agents deployed with hostNetwork for performance.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://attack.mitre.org/techniques/T1611/',
  ],
  equivalents: {
    defender: [],
    falco: ['Create HostNetwork Pod', 'Create HostPid Pod', 'Create HostIPC Pod'],
    guardDuty: [],
    elastic: ['Kubernetes Pod Created With HostNetwork', 'Kubernetes Pod Created With HostPID', 'Kubernetes Pod Created With HostIPC'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && sharedNamespaces(event).length > 0 && !isInfrastructureWorkload(event, context),
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({ hostNamespaces: sharedNamespaces(event).join(', ') }),
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a pod shares the node PID namespace',
      expect: 'alert',
      event: workloadEvent('pods', { hostPID: true, containers: [container({ name: 'debug', image: 'docker.io/library/busybox:1.36' })] }, { name: 'debug' }),
    },
    {
      name: 'a deployment shares the node network',
      expect: 'alert',
      event: workloadEvent('deployments', { hostNetwork: true, containers: [container()] }, { namespace: 'shop', name: 'web' }),
    },
    {
      name: 'a merge patch turns on hostIPC in a StatefulSet',
      expect: 'alert',
      event: workloadPatchEvent('statefulsets', { namespace: 'data', name: 'cache' }, { spec: { template: { spec: { hostIPC: true } } } }),
    },
    {
      name: 'a pod that sets the host namespaces to false',
      expect: 'none',
      event: workloadEvent('pods', { hostNetwork: false, hostPID: false, hostIPC: false, containers: [container()] }),
    },
    {
      name: 'the daemon-set controller creates a host-network pod of a DaemonSet whose write was not seen',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        { hostNetwork: true, hostPID: true, containers: [container({ image: 'quay.io/prometheus/node-exporter:v1.8.2' })] },
        { namespace: 'monitoring', user: 'system:serviceaccount:kube-system:daemon-set-controller' },
      ),
    },
    {
      name: 'an operator applies the kube-proxy DaemonSet in kube-system',
      expect: 'none',
      event: workloadEvent(
        'daemonsets',
        { hostNetwork: true, containers: [container({ name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2' })] },
        { verb: 'update', namespace: 'kube-system', name: 'kube-proxy' },
      ),
    },
    {
      name: 'a hostPID pod the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { hostPID: true, containers: [container()] }, { code: 403 }),
    },
  ],
});
