import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { asString, getPath } from '../../../kubernetes/jsonValues';
import { podSpecOf, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { container, controllerPodEvent, execEvent, workloadEvent } from '../../exampleEvents';
import { execEntities, redactedExecCommand, streamContainerName } from '../../predicates/commandLines';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest } from '../../predicates/identities';
import { hostPathVolumes, isInfrastructureWorkload, isPrivileged, sensitiveHostPathPattern } from '../../predicates/podSecurity';
import { isCreate, isPodStreamRequest, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';
import { SequenceStep } from '../../stateful/sequence';

/** How long after its creation an exec into the pod still counts (issue 17, item 9). */
const WITHIN_IN_MS = 24 * 60 * 60_000;

/** A successful create of a pod (a bare one, or a controller's), not a dry run: the one request that carries the spec that runs. */
function isPodCreate(event: AuditEvent): boolean {
  return isCreate(event) && isResource(event, 'pods') && succeeded(event) && !isDryRun(event);
}

function isExecOrAttach(event: AuditEvent): boolean {
  return (isPodStreamRequest(event, 'exec') || isPodStreamRequest(event, 'attach')) && succeeded(event);
}

/** The created pod's hostPath volumes under a listed sensitive path (the sensitive-host-mount rule's list). */
function sensitiveHostPaths(event: AuditEvent, context: DetectionContext): string[] {
  return hostPathVolumes(podSpecOf(event))
    .filter((volume) => sensitiveHostPathPattern(volume.path, context) !== undefined)
    .map((volume) => volume.path);
}

/** The pod was created privileged or with a sensitive host mount, and is not a platform component (listed image in an infrastructure namespace). */
function isDangerousPodCreate(event: AuditEvent, context: DetectionContext): boolean {
  if (!isPodCreate(event)) return false;
  const dangerous = workloadContainers(event).some(isPrivileged) || sensitiveHostPaths(event, context).length > 0;
  return dangerous && !isInfrastructureWorkload(event, context);
}

/**
 * The pod's name: the object reference's (an exec, a named create), else the created pod's in the response (a controller
 * creates its pods with `generateName`, so only the server's answer names them), else the name the request asked for.
 */
function podNameOf(event: AuditEvent): string | undefined {
  const name = event.objectRef?.name ?? asString(getPath(event.responseObject, 'metadata', 'name')) ?? asString(getPath(event.requestObject, 'metadata', 'name'));
  return name === undefined || name === '' ? undefined : name;
}

/** Both steps' key: the pod, by namespace and name (the state is per cluster). */
function podKeyOf(event: AuditEvent): string | undefined {
  const namespace = namespaceOf(event);
  const name = podNameOf(event);
  return namespace === undefined || name === undefined ? undefined : `${namespace}/${name}`;
}

function entitiesOf(event: AuditEvent, context: DetectionContext): AlertEntity[] {
  if (isExecOrAttach(event)) return execEntities(event);
  const namespace = namespaceOf(event);
  const name = podNameOf(event);
  const containers = workloadContainers(event);
  const pod: AlertEntity[] = name === undefined || event.objectRef?.name !== undefined ? [] : [{ type: EntityType.pod, kind: 'pods', name, ...(namespace === undefined ? {} : { namespace }) }];
  return [
    ...requestEntities(event),
    ...pod,
    ...containerEntities(containers),
    ...sensitiveHostPaths(event, context).map((path): AlertEntity => ({ type: EntityType.file, name: path })),
  ];
}

function detailsOf(event: AuditEvent, context: DetectionContext): Record<string, string> {
  const pod = podKeyOf(event) ?? '';
  if (isExecOrAttach(event)) {
    const containerName = streamContainerName(event);
    const command = redactedExecCommand(event);
    return { step: event.objectRef?.subresource ?? 'exec', pod, ...(containerName === undefined ? {} : { container: containerName }), ...(command === undefined ? {} : { command }) };
  }
  const privileged = workloadContainers(event).filter(isPrivileged).map((c) => c.name);
  const paths = sensitiveHostPaths(event, context);
  return {
    step: 'pod created',
    pod,
    ...(privileged.length > 0 ? { privilegedContainers: privileged.join(', ') } : {}),
    ...(paths.length > 0 ? { sensitiveHostPaths: paths.join(', ') } : {}),
  };
}

// One test cluster's story: a developer's node shell, a log agent DaemonSet and kube-proxy.
const privilegedShell = {
  hostPID: true,
  hostNetwork: true,
  containers: [container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['nsenter', '--target', '1', '--mount', '--', 'sleep', 'infinity'], securityContext: { privileged: true } })],
};
const nodeShellCreate = workloadEvent('pods', privilegedShell, {
  namespace: 'default',
  name: 'node-shell-aks-nodepool1-vmss000001',
  user: 'mallory@contoso.com',
  sourceIP: '198.51.100.77',
  auditID: '2e7c4a91-6b3d-4f08-9d5e-a1c8b7f2e601',
  time: '2026-11-02T13:05:22.418305Z',
});
const logAgentSpec = {
  serviceAccountName: 'log-agent',
  containers: [container({ name: 'agent', image: 'docker.io/fluent/fluent-bit:3.1.9', volumeMounts: [{ name: 'docker-sock', mountPath: '/var/run/docker.sock' }] })],
  volumes: [{ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }],
};
const logAgentPodCreate = controllerPodEvent(logAgentSpec, {
  namespace: 'logging',
  owner: { kind: 'DaemonSet', name: 'log-agent' },
  podName: 'log-agent-7xk2p',
  sourceIP: '10.224.0.4',
  auditID: '8a3f6d20-4c1e-4b97-a6d3-f2e9b0c5d702',
  time: '2026-11-02T06:41:09.775120Z',
});

export const execIntoPrivilegedPod = defineRule({
  id: 'exec-into-privileged-pod',
  alertType: 'K8S_ExecIntoPrivilegedPod',
  displayName: 'Command run in a privileged or host-mounting pod',
  description:
    'Someone ran a command (`kubectl exec`) or attached to a container of a pod that was created, within the previous 24 hours, ' +
    'with a privileged container or a hostPath volume on a sensitive node path (the node\'s root, /etc, /proc, the kubelet\'s ' +
    'state, a container runtime socket). A shell in such a pod is a shell on the node: from it the node\'s processes, files and ' +
    'credentials, and every other pod on the node, are in reach. Each request alone is judged by other rules; this one joins the ' +
    'exec to the pod\'s creation, which a per-event rule cannot see. The exec may be logged before the create arrives: the pair is ' +
    'judged on the events\' own times.',
  // New alert type (Defender has none). Medium: exec into a privileged pod is an escape to the node in one step, but node
  // debugging by operators (`kubectl debug node`, node-shell tools) does exactly this.
  severity: Severity.Medium,
  severityFor: (event, context) => (context.lists.infrastructureNamespaces.matches(namespaceOf(event)) ? Severity.High : Severity.Medium),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1609'],
  remediation: [
    'Confirm with the account owner that the session was expected and read the command it ran (details).',
    'If not expected, delete the pod, treat the node as compromised (cordon, drain, reimage), and rotate the credentials readable on the node (kubelet certificate, cloud identity, tokens of the node\'s pods).',
    'Keep privileged pods and sensitive host mounts to listed node agents (Pod Security Standards, admission policy), and grant `pods/exec` on their namespaces to no one.',
  ],
  falsePositives: [
    'Operators debugging a node with `kubectl debug node/...` or a node-shell tool, which create a privileged pod and attach to it.',
    'Administrators troubleshooting a node agent (log shipper, monitoring, CSI driver) outside the infrastructure namespaces by exec into it.',
    'A pod deleted and recreated under the same name without the privileged settings within 24 hours (StatefulSet pods keep their names): the exec is paired with the earlier create.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://kubernetes.io/docs/tasks/debug/debug-cluster/kubectl-node-debug/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Exec%20into%20container/',
    'https://attack.mitre.org/techniques/T1611/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: [],
  },
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: ['pods'],
  match: (event, context) => isDangerousPodCreate(event, context) || (isExecOrAttach(event) && !isSystemRequest(event, context)),
  stateful: {
    kind: 'sequence',
    key: podKeyOf,
    step: (event) => (isPodCreate(event) ? SequenceStep.first : isExecOrAttach(event) ? SequenceStep.then : undefined),
    withinInMs: WITHIN_IN_MS,
    stepNames: { first: 'the pod created privileged or with a sensitive host mount', then: 'an exec or attach into it' },
  },
  entities: entitiesOf,
  details: detailsOf,
  // Both steps give the same key, whichever completes the pair: one alert per pod.
  dedupKey: (event) => `exec-into-privileged-pod|${podKeyOf(event) ?? ''}`,
  examples: [
    {
      name: 'a privileged pod created alone (one event shows no sequence)',
      expect: 'none',
      event: nodeShellCreate,
    },
    {
      name: 'an exec alone',
      expect: 'none',
      event: execEvent({ namespace: 'default', pod: 'node-shell-aks-nodepool1-vmss000001', container: 'shell', command: ['sh'] }),
    },
  ],
  timelines: [
    {
      name: 'a user creates a privileged node-shell pod and opens a shell in it 20 minutes later',
      expect: 'alert',
      events: [
        nodeShellCreate,
        // Another pod of the namespace, not privileged: its exec is no part of the sequence.
        execEvent({
          namespace: 'default',
          pod: 'web-7d9f8c6b5-x2k4q',
          container: 'app',
          command: ['env'],
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          auditID: '4b9e2f17-0d8a-4c63-b5e1-c7a3d6f9e602',
          time: '2026-11-02T13:12:40.091447Z',
        }),
        execEvent({
          namespace: 'default',
          pod: 'node-shell-aks-nodepool1-vmss000001',
          container: 'shell',
          command: ['sh', '-c', 'cat /host/etc/kubernetes/azure.json'],
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          auditID: 'd05a8c63-9e21-4f7b-8a4c-3e6b1d9f2703',
          time: '2026-11-02T13:25:03.556812Z',
        }),
      ],
    },
    {
      name: 'the DaemonSet controller creates a pod that mounts the Docker socket; 11 hours later a CI service account runs the Docker CLI in it through the socket',
      expect: 'alert',
      events: [
        // Delivered in reverse by the catalogue, the exec arrives before the create, which completes the pair.
        logAgentPodCreate,
        execEvent({
          namespace: 'logging',
          pod: 'log-agent-7xk2p',
          container: 'agent',
          command: ['sh', '-c', 'docker -H unix:///var/run/docker.sock ps'],
          streams: ['stdout', 'stderr'],
          user: 'system:serviceaccount:ci:deployer',
          sourceIP: '10.244.2.31',
          auditID: '6c1d9b74-2a5f-4e80-93b6-0f4e8a2c7d04',
          time: '2026-11-02T17:52:18.204953Z',
        }),
      ],
    },
    {
      name: 'an exec into the node-shell pod 25 hours after it was created (outside the window)',
      expect: 'none',
      events: [
        nodeShellCreate,
        execEvent({
          namespace: 'default',
          pod: 'node-shell-aks-nodepool1-vmss000001',
          container: 'shell',
          command: ['sh'],
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          auditID: 'f3b7e0a9-5c64-4d12-b8f7-9a2d4c6e1805',
          time: '2026-11-03T14:05:40.318276Z',
        }),
      ],
    },
    {
      name: 'an exec into an ordinary pod of the namespace in which a privileged pod was created',
      expect: 'none',
      events: [
        nodeShellCreate,
        workloadEvent('pods', { containers: [container()] }, { namespace: 'default', name: 'web-7d9f8c6b5-x2k4q', user: 'dana@contoso.com', auditID: '0e4c7a18-3f9b-4d26-a1e5-b8d2f6c9a906', time: '2026-11-02T13:06:01.774620Z' }),
        execEvent({ namespace: 'default', pod: 'web-7d9f8c6b5-x2k4q', container: 'app', command: ['sh'], auditID: '9a2f5d83-7b1e-4c40-8e6a-d3c9b0f4e107', time: '2026-11-02T13:15:44.902331Z' }),
      ],
    },
    {
      name: 'an operator execs into kube-proxy, created privileged by the DaemonSet controller (platform image in kube-system)',
      expect: 'none',
      events: [
        controllerPodEvent(
          { hostNetwork: true, containers: [container({ name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2', securityContext: { privileged: true } })] },
          { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' }, podName: 'kube-proxy-m4q8z', sourceIP: '10.224.0.4', auditID: 'b7d0e3f6-1a48-4c9b-9f2d-5e8a1c3b7208', time: '2026-11-02T07:10:33.129874Z' },
        ),
        execEvent({
          namespace: 'kube-system',
          pod: 'kube-proxy-m4q8z',
          container: 'kube-proxy',
          command: ['iptables-save'],
          streams: ['stdout', 'stderr'],
          user: 'aks-admin@contoso.com',
          sourceIP: '203.0.113.10',
          auditID: '5f8b2c49-6d3a-4e71-b0c8-a4e7d1f9c309',
          time: '2026-11-02T09:48:15.667201Z',
        }),
      ],
    },
    {
      name: 'an exec into the node-shell pod that RBAC refused',
      expect: 'none',
      events: [
        nodeShellCreate,
        execEvent({
          namespace: 'default',
          pod: 'node-shell-aks-nodepool1-vmss000001',
          container: 'shell',
          command: ['sh'],
          user: 'dana@contoso.com',
          code: 403,
          stage: AuditStage.ResponseComplete,
          auditID: 'c2e6a9d1-8f37-4b54-a9e0-7d1b3f5c8a10',
          time: '2026-11-02T13:30:27.440958Z',
        }),
      ],
    },
  ],
});
