import { NodeEventType } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import { isExec, isInContainer, isInteractiveExecShell } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

const shim = { binary: '/usr/bin/containerd-shim-runc-v2', arguments: '-namespace k8s.io -id 3f2a9c81d7e4 -address /run/containerd/containerd.sock', pod: null };

/**
 * One event, one alert: an interactive shell (a terminal, `kubectl exec -it`), whatever the workload did before.
 * first-shell-in-container is the stateful counterpart: any shell (`sh -c ...` too) in a workload that never ran one
 * since Argus watched the cluster; it leaves the interactive exec shells to this rule, so one shell raises one of the two.
 */
export const interactiveShellInContainer = defineNodeRule({
  id: 'interactive-shell-in-container',
  alertType: 'K8S.NODE_TerminalShellInContainer',
  displayName: 'Interactive shell opened in a container',
  description:
    'An interactive shell (sh, bash, ... without a script) was started in a container directly by the container runtime: ' +
    'someone opened a terminal in the pod with `kubectl exec -it` (or an equivalent API call). Operators do this to debug; ' +
    'intruders do it with stolen credentials. It is an audit trail more than an alarm: correlate it with the exec request ' +
    'in the audit log (who ran it) and with the other alerts of the pod.',
  severity: Severity.Low,
  severityFor: (event, context) => {
    const namespace = event.process.pod?.namespace;
    return namespace !== undefined && context.lists.infrastructureNamespaces.matches(namespace) ? Severity.Medium : Severity.Low;
  },
  intent: Intent.Execution,
  techniques: ['T1609', 'T1059.004'],
  remediation: [
    'Find the exec request in the audit log (same pod and time): who opened the shell, and whether that was expected.',
    'Review what the session ran (the shell\'s child processes) and grant `pods/exec` only to the people who need it.',
    'Prefer ephemeral debug containers and read-only root file systems without shells for production images.',
  ],
  falsePositives: ['Operators debugging a pod with `kubectl exec -it`, Lens, k9s or VS Code.'],
  references: [
    'https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml',
    'https://attack.mitre.org/techniques/T1609/',
    'https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/',
  ],
  equivalents: {
    defender: [],
    falco: ['Terminal shell in container'],
    guardDuty: [],
    elastic: ['Interactive Exec Command Launched Against A Running Container'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) => isExec(event) && isInContainer(event) && isInteractiveExecShell(event, context),
  entities: (event) => nodeEventEntities(event),
  details: (event) => ({ command: commandLineOf(event.process), ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }) }),
  dedupKey: (event) => {
    const pod = event.process.pod;
    return `${pod === undefined ? `node:${event.nodeName}` : `${pod.namespace}/${pod.name}/${pod.container?.name ?? ''}`}|interactive-shell`;
  },
  examples: [
    {
      name: 'kubectl exec -it web -- bash',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/bash', arguments: '', parent: shim }),
    },
    {
      name: 'kubectl exec -it into CoreDNS in kube-system (sh -i)',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-i',
        pod: { namespace: 'kube-system', name: 'coredns-6f9c8d7b5-q8w2e', container: 'coredns', image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3' },
        parent: { binary: '/usr/bin/runc', arguments: '--root /run/containerd/runc/k8s.io --log /run/containerd/io.containerd.runtime.v2.task/k8s.io/3f2a9c81d7e4/log.json exec --process /tmp/runc-process3320 --console-socket /tmp/pty2178/pty.sock --detach --pid-file /run/containerd/io.containerd.runtime.v2.task/k8s.io/3f2a9c81d7e4/9e1c.pid 3f2a9c81d7e4', pod: null },
      }),
    },
    {
      name: 'Falco: Terminal shell in container',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Terminal shell in container',
        outputFields: { 'proc.cmdline': 'bash', 'proc.exepath': '/bin/bash', 'proc.name': 'bash', 'proc.pname': 'runc', 'proc.tty': 34816 },
        tags: ['maturity_stable', 'container', 'shell', 'mitre_execution', 'T1059'],
      }),
    },
    {
      name: 'kubectl exec runs a one-off command (sh -c)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "cat /etc/nginx/conf.d/default.conf"', parent: shim }),
    },
    {
      name: 'an entrypoint script starts a shell for its children',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '', parent: { binary: '/bin/sh', arguments: '/docker-entrypoint.sh nginx -g "daemon off;"', pid: 1 } }),
    },
    {
      name: "a debug pod's own entrypoint shell (kubectl run -it busybox -- sh: pid 1 in its container)",
      expect: 'none',
      // The builder numbers the container pid from the host pid: 4850 is pid 1 in the container.
      event: processExecEvent({
        binary: '/bin/sh',
        pid: 4850,
        pod: { namespace: 'default', name: 'busybox', container: 'busybox', image: 'docker.io/library/busybox:1.36', workload: 'busybox', workloadKind: 'Pod' },
        parent: shim,
      }),
    },
    {
      name: 'a shell on the node (not in a container)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/bash', arguments: '', pod: null, parent: { binary: '/usr/sbin/sshd', arguments: '-D -R', pod: null } }),
    },
  ],
});
