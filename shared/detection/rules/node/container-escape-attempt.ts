import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, fileAccessEvent, processExecEvent, setnsEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  hookFilePaths,
  isFileWrite,
  isHostExecutionFile,
  namesHostExecutionFile,
  runtimeSocketOf,
  runtimeSocketsNamed,
} from '../../predicates/nodeFiles';
import { argumentList, baseName, commandSearchText, isContainerRuntime, isExec, isInContainer, isListedProcess, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface EscapeAttempt {
  technique: string;
  /** The file, socket, hook or command that shows it. */
  evidence: string;
}

/** `setns(2)` and `unshare(2)` as kprobes on the syscall (any architecture prefix) or tracepoints. */
const NAMESPACE_SYSCALL = /(^|_|\/)(sys_enter_)?(setns|unshare)$/;

/** Where a container mounts the node's root file system by convention (`kubectl debug node/...` mounts it at /host). */
const HOST_ROOT_MOUNTS = /^\/(host|hostfs|host-root|rootfs|node|proc\/1\/root)\/?$/;

/** A block device of the node, or a kernel file system whose mount exposes the host (proc, cgroup). */
const HOST_DEVICE = /^\/dev\/(sd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mapper\/|dm-\d|disk\/|root$)/;
const HOST_FILE_SYSTEM_TYPES: ReadonlySet<string> = new Set(['proc', 'cgroup', 'cgroup2']);

/** The container runtime re-executing itself to set a container up (runc's `/proc/self/exe init`, `runc:[2:INIT]`, its memfd copy). */
function isRuntimeSetup(process: NodeProcess): boolean {
  if (isContainerRuntime(process) || baseName(process.binary).startsWith('runc')) return true;
  if (process.binary.includes('memfd:runc')) return true;
  return process.binary === '/proc/self/exe' && process.arguments.startsWith('init');
}

/** The program and its arguments, seeing through busybox (`busybox nsenter -t 1 ...` is `nsenter -t 1 ...`). */
function appletOf(process: NodeProcess): { name: string; args: readonly string[] } {
  const args = argumentList(process);
  const name = baseName(process.binary);
  if (name === 'busybox' && args[0] !== undefined) return { name: args[0], args: args.slice(1) };
  return { name, args };
}

/** The host resources a `mount` command mounts: node block devices, proc or cgroup file systems. */
function hostMountOf(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] ?? '';
    if (HOST_DEVICE.test(word)) return word;
    const type = word === '-t' ? args[index + 1] : word.startsWith('-t') && word.length > 2 ? word.slice(2) : undefined;
    if (type !== undefined && HOST_FILE_SYSTEM_TYPES.has(type)) return `-t ${type}`;
  }
  return undefined;
}

/** What an exec in a container does to break out, if anything. */
function escapeCommandOf(process: NodeProcess, context: DetectionContext): EscapeAttempt | undefined {
  const { name, args } = appletOf(process);
  if (name === 'nsenter') return { technique: 'nsenter into another process\'s namespaces', evidence: commandLineOf(process) };
  if (name === 'unshare') return { technique: 'new Linux namespace (unshare)', evidence: commandLineOf(process) };
  if (name === 'debugfs') return { technique: 'file system debugger on a node disk', evidence: commandLineOf(process) };
  if (name === 'chroot') {
    const target = args.find((word) => !word.startsWith('-'));
    if (target !== undefined && HOST_ROOT_MOUNTS.test(target)) return { technique: 'chroot into the node\'s root file system', evidence: target };
  }
  if (name === 'mount') {
    const mounted = hostMountOf(args);
    if (mounted !== undefined) return { technique: 'mount of a node device or kernel file system', evidence: mounted };
  }
  if (namesHostExecutionFile(commandSearchText(process, context))) {
    return { technique: 'write to a file the host kernel executes (release_agent, core_pattern)', evidence: commandLineOf(process) };
  }
  const socket = runtimeSocketsNamed(process, context)[0];
  if (socket !== undefined && !isListedProcess(process, context.lists.runtimeSocketClients)) {
    return { technique: 'container runtime socket access', evidence: socket };
  }
  return undefined;
}

/**
 * How a container process tries to leave its container: namespace syscalls, writes to files the host kernel
 * executes, the runtime socket, or the commands that do these (nsenter, unshare, mount of node devices, debugfs,
 * chroot /host). Platform pods and the runtime setting containers up are expected.
 */
function escapeAttemptOf(event: NodeEvent, context: DetectionContext): EscapeAttempt | undefined {
  if (!isInContainer(event) || isSystemWorkload(event, context) || isRuntimeSetup(event.process)) return undefined;
  const hook = event.hook;
  if (hook !== undefined) {
    if (NAMESPACE_SYSCALL.test(hook.functionName)) return { technique: 'namespace change by a container process (setns/unshare)', evidence: hook.functionName };
    for (const path of hookFilePaths(event)) {
      if (isHostExecutionFile(path) && isFileWrite(event)) return { technique: 'write to a file the host kernel executes (release_agent, core_pattern)', evidence: path };
      if (runtimeSocketOf(path, context) !== undefined && !isListedProcess(event.process, context.lists.runtimeSocketClients)) {
        return { technique: 'container runtime socket access', evidence: path };
      }
    }
    return undefined;
  }
  return isExec(event) ? escapeCommandOf(event.process, context) : undefined;
}

const nodeShell = { namespace: 'default', name: 'node-shell-8d2kq', container: 'shell', image: 'docker.io/library/alpine:3.20', workload: 'node-shell-8d2kq', workloadKind: 'Pod' };

export const containerEscapeAttempt = defineNodeRule({
  id: 'container-escape-attempt',
  alertType: 'K8S.NODE_ContainerEscapeAttempt',
  displayName: 'Attempt to escape from a container to the node detected',
  description:
    'A process in a container did something whose purpose is to reach the node: entered another process\'s namespaces ' +
    '(nsenter, setns), created new namespaces (unshare, as CVE-2022-0185 and CVE-2022-0492 exploits do), mounted a node ' +
    'disk, proc or a cgroup file system, ran debugfs on a node disk, chrooted into a host mount, wrote to a cgroup ' +
    'release_agent, notify_on_release or /proc/sys/kernel/core_pattern (files the host kernel executes as root), or ' +
    'talked to the container runtime\'s socket (which starts privileged containers at will). Platform pods and the ' +
    'runtime setting up containers (runc init) are expected; everything else deserves a look, including tools that ' +
    'give administrators a node shell, since they are the same escape.',
  severity: Severity.High,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1611', 'T1610', 'T1068'],
  remediation: [
    'Isolate the pod (a deny-all network policy) and find who started the process: a kubectl exec, a web request, the image itself.',
    'Treat the node as compromised if the attempt could have worked (privileged pod, hostPID, host mounts, CAP_SYS_ADMIN, the runtime socket mounted): cordon and drain it, then reimage or replace it.',
    'Remove what made the escape possible from the workload: privileged mode, added capabilities, hostPID/hostNetwork, hostPath mounts of / or the runtime socket; enforce the baseline or restricted Pod Security Standard.',
    'Keep the node image and runc patched (CVE-2024-21626, CVE-2022-0492 and similar runtime and kernel flaws).',
  ],
  falsePositives: [
    'Node shells for administrators (`kubectl debug node/...` then `chroot /host`, node-shell plugins using nsenter): expected only when someone asked for one.',
    'Storage and networking agents deployed outside kube-system that use nsenter, mount or setns on the node (Longhorn, Rook, Portworx, Multus): add them to `systemWorkloads`.',
    'CI runners that talk to the node\'s Docker or containerd socket to build images.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1611/',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://learn.microsoft.com/azure/aks/node-access',
    'https://unit42.paloaltonetworks.com/cve-2022-0492-cgroups/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S.NODE_NamespaceCreation'],
    falco: [
      'Change thread namespace',
      'Detect release_agent File Container Escapes',
      'Debugfs Launched in Privileged Container',
      'Mount Launched in Privileged Container',
      'The docker client is executed in a container',
    ],
    guardDuty: [
      'PrivilegeEscalation:Runtime/DockerSocketAccessed',
      'PrivilegeEscalation:Runtime/RuncContainerEscape',
      'PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified',
      'PrivilegeEscalation:Runtime/ContainerMountsHostDirectory',
    ],
    elastic: ['File System Debugger Launched Inside a Privileged Container', 'Namespace Manipulation Using Unshare'],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_lsm', 'process_tracepoint'],
  match: (event, context) => escapeAttemptOf(event, context) !== undefined,
  entities: (event, context) => {
    const attempt = escapeAttemptOf(event, context);
    const file: AlertEntity[] = attempt?.evidence.startsWith('/') === true ? [{ type: EntityType.file, name: attempt.evidence, hostName: event.nodeName }] : [];
    return [...nodeEventEntities(event), ...file];
  },
  details: (event, context) => {
    const attempt = escapeAttemptOf(event, context);
    return {
      technique: attempt?.technique ?? event.falco?.rule ?? '',
      ...(attempt === undefined ? {} : { evidence: attempt.evidence }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, escapeAttemptOf(event, context)?.technique ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'nsenter into the namespaces of the node\'s init process from a privileged pod',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/nsenter', arguments: '-t 1 -m -u -i -n -p -- bash', pod: nodeShell, parent: { binary: '/bin/sh', pod: nodeShell } }),
    },
    {
      name: 'setns by a process in an application container',
      expect: 'alert',
      event: setnsEvent({ process: { binary: '/tmp/.x/escape', arguments: '' }, parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'a cgroup release_agent written from a container',
      expect: 'alert',
      event: fileAccessEvent({ process: { binary: '/bin/sh', arguments: '-c "echo /cmd > /tmp/cgrp/release_agent"' }, path: '/tmp/cgrp/release_agent', write: true }),
    },
    {
      name: 'a node disk mounted inside a container',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/mount', arguments: '/dev/sda1 /mnt/host', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'curl lists the node\'s containers through the mounted Docker socket',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '--unix-socket /var/run/docker.sock http://localhost/containers/json', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'chroot into the node\'s file system from a debugging pod',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/sbin/chroot', arguments: '/host', pod: nodeShell, parent: { binary: '/bin/sh', pod: nodeShell } }),
    },
    {
      name: 'Falco reports a release_agent container escape',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Detect release_agent File Container Escapes',
        priority: 'Critical',
        outputFields: { 'proc.name': 'sh', 'proc.exepath': '/bin/sh', 'proc.cmdline': 'sh -c echo /cmd > /tmp/cgrp/release_agent', 'fd.name': '/tmp/cgrp/release_agent' },
        tags: ['maturity_stable', 'container', 'process', 'mitre_privilege_escalation', 'T1611'],
      }),
    },
    {
      name: 'the Azure Disk CSI driver in kube-system uses nsenter',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/nsenter',
        arguments: '--mount=/proc/1/ns/mnt -- blkid /dev/sdc',
        pod: { namespace: 'kube-system', name: 'csi-azuredisk-node-9x7lm', container: 'azuredisk', image: 'mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.30.3', workload: 'csi-azuredisk-node', workloadKind: 'DaemonSet' },
      }),
    },
    {
      name: 'runc init joins the namespaces of a container it execs into',
      expect: 'none',
      event: setnsEvent({ process: { binary: '/usr/bin/runc', arguments: 'init' } }),
    },
    {
      name: 'the kubelet on the host uses the containerd socket',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/local/bin/kubelet', pod: null }, path: '/run/containerd/containerd.sock' }),
    },
    {
      name: 'mount without arguments lists the container\'s mounts',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/mount', arguments: '', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'a container reads its own cgroup memory limit',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/bin/java', arguments: '-jar /app/app.jar' }, path: '/sys/fs/cgroup/memory.max' }),
    },
  ],
});
