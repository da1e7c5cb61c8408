import { NodeEventType } from '../../../node/nodeEvent';
import { processExecEvent } from '../../../node/exampleNodeEvents';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import { argumentList, isExec, isInContainer, isSystemWorkload, processName } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** SSH servers: OpenSSH's daemon (and its per-connection `sshd-session` since 9.8), Dropbear, TinySSH. */
const SSH_SERVER = /^(?:sshd|sshd-session|dropbear|dropbearmulti|tinysshd)$/i;

/** `sshd -t` / `-T` test the configuration, `-V` prints the version: nothing listens. */
const NOT_SERVING = /^-(?:t|T|V)$/;

function isSshServer(binaryName: string, args: readonly string[]): boolean {
  return SSH_SERVER.test(binaryName) && !args.some((arg) => NOT_SERVING.test(arg));
}

const app = { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' };

export const sshServerInContainer = defineNodeRule({
  id: 'ssh-server-in-container',
  alertType: 'K8S.NODE_ContainerSSH',
  displayName: 'SSH server running in a container',
  description:
    'An SSH server (OpenSSH sshd, Dropbear) started inside a container. Containers are reached through the API server ' +
    '(`kubectl exec`), which is authenticated, authorised and audited; an SSH daemon in a pod is a second door that bypasses ' +
    'all of that. Attackers start one (or a Dropbear binary) to keep access to a compromised pod; old images sometimes ship ' +
    'one by habit. SSH servers on the node itself are not reported.',
  // Defender rates it Informational; Medium here: it is a persistent back door until shown otherwise.
  severity: Severity.Medium,
  intent: Intent.Persistence,
  techniques: ['T1021.004', 'T1133', 'T1543'],
  remediation: [
    'Find out who started the daemon (its parent process, the image entrypoint) and whether the image is meant to run one.',
    'If not, treat the pod as compromised: look for added authorized_keys and users, delete the pod and rotate the credentials it held.',
    'Remove SSH servers from images; use `kubectl exec` or ephemeral debug containers, and block unexpected listening ports with network policies.',
  ],
  falsePositives: ['Images that run SSH by design: Git servers (GitLab, Gitea), SFTP servers, bastion or jump-box pods, CI runners.'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1021/004/',
    'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container',
  ],
  equivalents: {
    defender: ['K8S.NODE_ContainerSSH'],
    falco: [],
    guardDuty: [],
    elastic: ['SSH Process Launched From Inside A Container'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) =>
    isExec(event) && isInContainer(event) && !isSystemWorkload(event, context) && isSshServer(processName(event.process), argumentList(event.process)),
  entities: (event) => nodeEventEntities(event),
  details: (event) => ({ command: commandLineOf(event.process) }),
  // The daemon and each connection's re-exec are one finding per workload.
  dedupKey: (event) => {
    const pod = event.process.pod;
    return pod === undefined ? `node:${event.nodeName}|ssh` : `${pod.namespace}/${pod.workload ?? pod.name}|ssh`;
  },
  examples: [
    {
      name: 'sshd -D started in an application container',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/sbin/sshd', arguments: '-D -p 2222', pod: app, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: 'a dropbear binary dropped in /tmp',
      expect: 'alert',
      event: processExecEvent({ binary: '/tmp/dropbear', arguments: '-R -E -p 0.0.0.0:2022', pod: app, parent: { binary: '/bin/sh', arguments: '' } }),
    },
    {
      name: 'sshd re-executed for an incoming connection (-R)',
      expect: 'alert',
      event: processExecEvent({
        binary: '/usr/sbin/sshd',
        arguments: '-D -R',
        pod: { namespace: 'tools', name: 'jumpbox-7c9d8f6b5-q2w3e', container: 'jumpbox', image: 'docker.io/linuxserver/openssh-server:9.7' },
        parent: { binary: '/usr/sbin/sshd', arguments: '-D', pid: 1 },
      }),
    },
    {
      name: 'sshd on the node itself (a host process)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/sbin/sshd', arguments: '-D', pod: null, parent: { binary: '/usr/lib/systemd/systemd', arguments: '--system --deserialize 31', pod: null } }),
    },
    {
      name: 'the ssh client in a container (git over SSH)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/ssh', arguments: '-o StrictHostKeyChecking=accept-new git@github.com git-upload-pack contoso/shop.git', pod: app }),
    },
    {
      name: 'sshd -t checks the configuration',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/sbin/sshd', arguments: '-t', pod: app }),
    },
  ],
});
