import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { attachEvent, auditEvent, execEvent } from '../../exampleEvents';
import { execEntities, redactedExecCommand, streamContainerName } from '../../predicates/commandLines';
import { isSystemRequest } from '../../predicates/identities';
import { isPodStreamRequest, namespaceOf, queryValues, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

function isExecOrAttach(event: AuditEvent): boolean {
  return isPodStreamRequest(event, 'exec') || isPodStreamRequest(event, 'attach');
}

const shellInWeb = { namespace: 'shop', pod: 'web-1', container: 'web', command: ['sh'] };

export const execIntoPod = defineRule({
  id: 'exec-into-pod',
  alertType: 'K8S_ExecIntoPod',
  displayName: 'Command run in a container through the API server (exec or attach)',
  description:
    'Someone ran a command in a running container (`kubectl exec`) or attached to its main process (`kubectl attach`) ' +
    'through the API server. A shell in a container reads everything the container can: its files, its environment, its ' +
    'service-account token and its network. Attackers with the `pods/exec` permission use it to run code and to collect ' +
    'credentials without deploying anything; in the platform namespaces (kube-system) the tokens found are powerful.',
  // New alert type. Low: exec is a daily operator task; the platform namespaces raise it to Medium (severityFor), as GuardDuty's ExecInKubeSystemPod.
  severity: Severity.Low,
  severityFor: (event, context) => (context.lists.infrastructureNamespaces.matches(namespaceOf(event)) ? Severity.Medium : Severity.Low),
  intent: Intent.Execution,
  techniques: ['T1609'],
  remediation: [
    'Confirm with the account owner that the session was expected and review the command it ran.',
    'Grant `pods/exec` and `pods/attach` only to the operators who need them, ideally through just-in-time access; never in kube-system to application teams.',
    'If the session was not expected, rotate the credentials the container could read (service-account token, mounted secrets, cloud identity) and investigate the account.',
  ],
  falsePositives: ['Operators and developers troubleshooting a container; CI jobs and tools that run commands with `kubectl exec` (backups, database migrations).'],
  references: [
    'https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Exec%20into%20container/',
    'https://attack.mitre.org/techniques/T1609/',
  ],
  equivalents: {
    defender: [],
    falco: ['Attach/Exec Pod'],
    guardDuty: ['Execution:Kubernetes/ExecInKubeSystemPod', 'Execution:Kubernetes/AnomalousBehavior.ExecInPod'],
    elastic: ['Kubernetes User Exec into Pod', 'Potential Remote Command Execution In Pod Container'],
  },
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: ['pods'],
  match: (event, context) => isExecOrAttach(event) && succeeded(event) && !isSystemRequest(event, context),
  entities: (event) => execEntities(event),
  details: (event) => {
    const container = streamContainerName(event);
    const command = redactedExecCommand(event);
    return {
      action: event.objectRef?.subresource ?? '',
      ...(container === undefined ? {} : { container }),
      ...(command === undefined ? {} : { command }),
      interactive: String(queryValues(event, 'stdin')[0] === 'true' && queryValues(event, 'tty')[0] === 'true'),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.name ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'kubectl exec -it into an application pod',
      expect: 'alert',
      event: execEvent(shellInWeb),
    },
    {
      name: 'exec over WebSocket into a kube-system pod',
      expect: 'alert',
      event: execEvent({
        verb: 'get',
        namespace: 'kube-system',
        pod: 'coredns-6f9c8d7b5-q8w2e',
        container: 'coredns',
        command: ['cat', '/etc/resolv.conf'],
        streams: ['stdout', 'stderr'],
      }),
    },
    {
      name: 'kubectl attach to a pod, logged only at ResponseComplete',
      expect: 'alert',
      event: attachEvent({ namespace: 'shop', pod: 'worker-0', container: 'worker', stage: AuditStage.ResponseComplete }),
    },
    {
      name: 'exec refused by RBAC',
      expect: 'none',
      event: execEvent({ ...shellInWeb, code: 403, stage: AuditStage.ResponseComplete }),
    },
    {
      name: 'the RequestReceived stage of an exec',
      expect: 'none',
      event: execEvent({ ...shellInWeb, streams: [], stage: AuditStage.RequestReceived }),
    },
    {
      name: 'kubectl logs',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-1' }),
    },
    {
      name: 'the AKS control plane runs a command in a pod',
      expect: 'none',
      event: execEvent({
        namespace: 'kube-system',
        pod: 'konnectivity-agent-5c7d9b8f6-m2n4p',
        container: 'konnectivity-agent',
        command: ['true'],
        streams: ['stdout'],
        user: 'aksService',
      }),
    },
  ],
});
