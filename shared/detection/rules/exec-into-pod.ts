import { type AuditEvent, AuditStage } from '../../kubernetes/auditEvent';
import { auditEvent } from '../exampleEvents';
import { execEntities, redactedExecCommand, streamContainerName } from '../predicates/commandLines';
import { isSystemRequest } from '../predicates/identities';
import { isPodStreamRequest, namespaceOf, queryValues, succeeded } from '../predicates/requests';
import { defineRule, Intent, Severity } from '../rule';

function isExecOrAttach(event: AuditEvent): boolean {
  return isPodStreamRequest(event, 'exec') || isPodStreamRequest(event, 'attach');
}

const execUri = (namespace: string, pod: string, query: string): string => `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`;

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
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'shop',
        name: 'web-1',
        requestURI: execUri('shop', 'web-1', 'command=sh&container=web&stdin=true&stdout=true&tty=true'),
      }),
    },
    {
      name: 'exec over WebSocket into a kube-system pod',
      expect: 'alert',
      event: auditEvent({
        verb: 'get',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'kube-system',
        name: 'coredns-6f9c8d7b5-q8w2e',
        requestURI: execUri('kube-system', 'coredns-6f9c8d7b5-q8w2e', 'command=cat&command=%2Fetc%2Fresolv.conf&container=coredns&stdout=true&stderr=true'),
      }),
    },
    {
      name: 'kubectl attach to a pod, logged only at ResponseComplete',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'attach',
        namespace: 'shop',
        name: 'worker-0',
        stage: AuditStage.ResponseComplete,
        requestURI: '/api/v1/namespaces/shop/pods/worker-0/attach?container=worker&stdin=true&stdout=true&tty=true',
      }),
    },
    {
      name: 'exec refused by RBAC',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'shop',
        name: 'web-1',
        code: 403,
        stage: AuditStage.ResponseComplete,
        requestURI: execUri('shop', 'web-1', 'command=sh&container=web&stdin=true&stdout=true&tty=true'),
      }),
    },
    {
      name: 'the RequestReceived stage of an exec',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'shop',
        name: 'web-1',
        stage: AuditStage.RequestReceived,
        requestURI: execUri('shop', 'web-1', 'command=sh&container=web'),
      }),
    },
    {
      name: 'kubectl logs',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-1' }),
    },
    {
      name: 'the AKS control plane runs a command in a pod',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'kube-system',
        name: 'konnectivity-agent-5c7d9b8f6-m2n4p',
        user: 'aksService',
        requestURI: execUri('kube-system', 'konnectivity-agent-5c7d9b8f6-m2n4p', 'command=true&container=konnectivity-agent&stdout=true'),
      }),
    },
  ],
});
