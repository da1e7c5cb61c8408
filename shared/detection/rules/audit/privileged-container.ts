import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { auditEvent, container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isInfrastructureWorkload, isPrivileged } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const privileged = () => container({ securityContext: { privileged: true } });

export const privilegedContainer = defineRule({
  id: 'privileged-container',
  alertType: 'K8S_PrivilegedContainer',
  displayName: 'Privileged container detected',
  description:
    'A pod or workload was written with a privileged container. A privileged container has all the host\'s devices and capabilities; ' +
    'from it an attacker can take over the node and, from the node, the cluster.',
  severity: Severity.Informational,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1610'],
  remediation: [
    'Check with the workload owner whether the container needs to be privileged; most do not.',
    'Drop `securityContext.privileged` and grant only the capabilities the container needs.',
    'Enforce the Pod Security Standards (baseline or restricted) on the namespace to refuse privileged pods.',
  ],
  falsePositives: [
    'Node agents (CNI, CSI drivers, monitoring, security agents) installed by an operator run privileged by design.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S_PrivilegedContainer'],
    falco: ['Create Privileged Pod'],
    guardDuty: ['PrivilegeEscalation:Kubernetes/PrivilegedContainer'],
    elastic: ['Kubernetes Privileged Pod Created', 'Privileged Container Deployed'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && workloadContainers(event).some(isPrivileged) && !isInfrastructureWorkload(event, context),
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event).filter(isPrivileged))],
  details: (event) => ({
    privilegedContainers: workloadContainers(event)
      .filter(isPrivileged)
      .map((c) => c.name)
      .join(', '),
  }),
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a developer creates a privileged pod',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [privileged()] }),
    },
    {
      name: 'a deployment with a privileged init container',
      expect: 'alert',
      event: workloadEvent(
        'deployments',
        { initContainers: [container({ name: 'setup', securityContext: { privileged: true } })], containers: [container()] },
        { namespace: 'shop' },
      ),
    },
    {
      name: 'a JSON patch that makes a container privileged',
      expect: 'alert',
      event: workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { privileged: true } },
      ]),
    },
    {
      name: 'an ordinary pod',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container()] }),
    },
    {
      name: 'the daemon-set controller creates a privileged pod of a DaemonSet whose own write was not seen',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        { containers: [privileged()] },
        { namespace: 'monitoring', name: 'node-agent-x7k2p', user: 'system:serviceaccount:kube-system:daemon-set-controller' },
      ),
    },
    {
      name: 'the daemon-set controller creates a privileged kube-proxy pod in kube-system',
      expect: 'none',
      event: workloadEvent(
        'pods',
        { containers: [container({ name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2', securityContext: { privileged: true } })] },
        { namespace: 'kube-system', name: 'kube-proxy-7xk2p', user: 'system:serviceaccount:kube-system:daemon-set-controller' },
      ),
    },
    {
      name: 'the deployment controller writes the ReplicaSet of a privileged Deployment (its pods and the Deployment are judged)',
      expect: 'none',
      event: workloadEvent(
        'replicasets',
        { containers: [privileged()] },
        { namespace: 'shop', name: 'web-7d9f8c6b5', user: 'system:serviceaccount:kube-system:deployment-controller' },
      ),
    },
    {
      name: 'a privileged pod the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { containers: [privileged()] }, { code: 403 }),
    },
    {
      name: 'the request body was too big to log and the response is a Status',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        requestObject: 'skipped-too-big-size-object',
        responseObject: { kind: 'Status', status: 'Success' },
      }),
    },
  ],
});
