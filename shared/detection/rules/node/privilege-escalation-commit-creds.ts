import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { commitCredsEvent, falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { resolvePath } from '../../predicates/nodeFiles';
import { argumentList, baseName, isExec, isSystemWorkload, isTrustedSetuidHelper } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface Escalation {
  technique: string;
  evidence: string;
  /** The file made setuid, or the privileged file executed, for the alert's file entity. */
  file?: string;
}

/** Directories anyone can write, where a setuid file is a planted backdoor. */
const WORLD_WRITABLE_DIRECTORY = /^\/(tmp|var\/tmp|dev\/shm|run\/shm)\//;
/** chmod modes that set the setuid or setgid bit: `u+s`, `+s`, `g=s`, `4755`, `02755`, `6755`. */
const SETUID_SYMBOLIC = /^[ugoa]*[+=][rwxXst]*s/;
const SETUID_OCTAL = /^0?[2467][0-7]{3}$/;

/** Tetragon's `privileges_changed` values that mean root (set-user-ID or set-group-ID root), as the alert names them. */
const ROOT_RAISES: Readonly<Record<string, string>> = {
  PRIVILEGES_RAISED_EXEC_FILE_SETUID: 'setuid-root file',
  PRIVILEGES_RAISED_EXEC_FILE_SETGID: 'setgid-root file',
};
const FILE_CAPABILITIES_RAISE = 'PRIVILEGES_RAISED_EXEC_FILE_CAP';
/**
 * Where a file with capabilities is planted, not installed: images give their server capabilities on purpose
 * (`setcap cap_net_bind_service=+ep /usr/bin/caddy`), a capability binary in /tmp or a home directory hides an exploit's gain.
 */
const PLANTED_FILE_LOCATION = /^\/(tmp|var\/tmp|dev\/shm|run\/shm|home\/[^/]+)\//;

/** `commit_creds` giving root (uid or euid 0) to a process all of whose known ids were not root. */
function rootCredentialsOf(event: NodeEvent, context: DetectionContext): Escalation | undefined {
  const hook = event.hook;
  if (hook === undefined || !/commit_creds/.test(hook.functionName)) return undefined;
  const next = hook.args.find((arg) => arg.credentials !== undefined)?.credentials;
  if (next === undefined || (next.uid !== 0 && next.euid !== 0)) return undefined;
  const process = event.process;
  const before = [process.credentials?.uid, process.credentials?.euid, process.uid].filter((id): id is number => id !== undefined);
  if (before.length === 0 || before.includes(0) || isTrustedSetuidHelper(process, context)) return undefined;
  return { technique: 'non-root process given root credentials (commit_creds)', evidence: `uid ${before[0] ?? ''} -> ${next.euid ?? next.uid ?? 0}` };
}

/**
 * An exec that made a non-root process privileged through the file it ran, as Tetragon's `binary_properties` reports
 * it in `privileges_changed` (Tetragon says so only when the exec raised privileges, not for root running such a file):
 * a setuid-root or setgid-root file that is not a trusted helper, or a file with capabilities planted in a temporary
 * or home directory.
 */
function privilegedExecOf(process: NodeProcess, context: DetectionContext): Escalation | undefined {
  const properties = process.binaryProperties;
  if (properties === undefined || properties.privilegesChanged.length === 0 || isTrustedSetuidHelper(process, context)) return undefined;
  const raises = properties.privilegesChanged.flatMap((reason) => ROOT_RAISES[reason] ?? []);
  if (properties.privilegesChanged.includes(FILE_CAPABILITIES_RAISE) && PLANTED_FILE_LOCATION.test(process.binary)) raises.push('file capabilities');
  if (raises.length === 0) return undefined;
  const ids = [properties.setuid === undefined ? '' : `euid ${properties.setuid}`, properties.setgid === undefined ? '' : `egid ${properties.setgid}`].filter((id) => id !== '');
  return {
    technique: 'non-root process gained privileges by executing a setuid, setgid or file-capability binary',
    evidence: `${process.binary}: ${raises.join(', ')}${ids.length === 0 ? '' : ` (${ids.join(', ')})`}`,
    file: process.binary,
  };
}

/** `chmod` setting the setuid or setgid bit on a file in a world-writable directory (`chmod u+s /tmp/sh`). */
function setuidDropOf(process: NodeProcess): Escalation | undefined {
  const args = argumentList(process);
  const operands = baseName(process.binary) === 'busybox' && args[0] === 'chmod' ? args.slice(1) : baseName(process.binary) === 'chmod' ? args : undefined;
  if (operands === undefined) return undefined;
  const [mode, ...files] = operands.filter((word) => !/^-[a-zA-Z]+$|^--/.test(word));
  if (mode === undefined || !(SETUID_SYMBOLIC.test(mode) || SETUID_OCTAL.test(mode))) return undefined;
  const file = files.map((name) => resolvePath(name, process.cwd)).find((path) => path !== undefined && WORLD_WRITABLE_DIRECTORY.test(path));
  return file === undefined ? undefined : { technique: 'setuid or setgid bit set on a file in a world-writable directory', evidence: `${mode} ${file}`, file };
}

function escalationOf(event: NodeEvent, context: DetectionContext): Escalation | undefined {
  if (isSystemWorkload(event, context)) return undefined;
  if (event.hook !== undefined) return rootCredentialsOf(event, context);
  return isExec(event) ? (privilegedExecOf(event.process, context) ?? setuidDropOf(event.process)) : undefined;
}

export const privilegeEscalationCommitCreds = defineNodeRule({
  id: 'privilege-escalation-commit-creds',
  alertType: 'K8S.NODE_ElevationToRoot',
  displayName: 'Process elevated to root without a trusted setuid helper',
  description:
    'A process that was not root was given root credentials: the kernel\'s `commit_creds` installed uid or euid 0 for a ' +
    'process whose ids were all non-zero, in a container or on the node, and the process was not one of the ' +
    'distribution\'s setuid helpers (`setuidHelpers`: sudo, su, passwd, mount, ...) in a system binary directory. Kernel ' +
    'exploits (Dirty Pipe, OverlayFS, netfilter flaws) and planted setuid binaries look like this. Also reported: a ' +
    'non-root process gaining privileges by executing a setuid-root or setgid-root binary that is not a trusted helper, ' +
    'or a binary with file capabilities from /tmp, /var/tmp, /dev/shm or a home directory (Tetragon\'s ' +
    '`binary_properties.privileges_changed`, with process credentials enabled), and chmod setting the setuid or setgid ' +
    'bit on a file in /tmp, /var/tmp or /dev/shm, which is how a root shell is left behind for later.',
  severity: Severity.High,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1068', 'T1548.001'],
  remediation: [
    'Identify the binary that became root and how it was started; a binary in a temporary directory or under an application\'s user is an exploit or a planted backdoor.',
    'Treat the node as compromised if it happened on the node or in a container that shares host namespaces: cordon, drain and reimage it; patch the node image (kernel).',
    'In a container: run as non-root with `allowPrivilegeEscalation: false` (which blocks setuid gains) and drop all capabilities; mount /tmp noexec or use a read-only root file system.',
  ],
  falsePositives: [
    'Setuid or file-capability tools installed outside the system binary directories (for example under /opt), or not in the default list, that an image uses on purpose: add their full path (or, for a system directory, their file name) to `setuidHelpers`.',
    'Unprivileged user namespaces (`unshare -r`, rootless builders) also give uid 0 inside the new namespace.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1068/',
    'https://attack.mitre.org/techniques/T1548/001/',
    'https://tetragon.io/docs/use-cases/linux-process-credentials/monitor-changes-at-kernel/',
    'https://tetragon.io/docs/policy-library/observability/#privileges-suid',
    'https://tetragon.io/docs/reference/grpc-api/#binaryproperties',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
  ],
  equivalents: {
    defender: [],
    falco: ['Set Setuid or Setgid bit', 'Sudo Potential Privilege Escalation', 'Unprivileged Delegation of Page Faults Handling to a Userspace Process'],
    guardDuty: ['PrivilegeEscalation:Runtime/ElevationToRoot', 'PrivilegeEscalation:Runtime/UserfaultfdUsage'],
    elastic: ['Setuid / Setgid Bit Set via chmod'],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_lsm'],
  match: (event, context) => escalationOf(event, context) !== undefined,
  entities: (event, context) => {
    const file = escalationOf(event, context)?.file;
    return [...nodeEventEntities(event), ...(file === undefined ? [] : [{ type: EntityType.file, name: file, hostName: event.nodeName } satisfies AlertEntity])];
  },
  details: (event, context) => {
    const escalation = escalationOf(event, context);
    return {
      ...(escalation === undefined ? {} : { technique: escalation.technique, evidence: escalation.evidence }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, escalationOf(event, context)?.technique ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'an exploit in /tmp of an application container becomes root',
      expect: 'alert',
      event: commitCredsEvent({ process: { binary: '/tmp/.d/dirtypipe', arguments: '/usr/bin/su', uid: 1000 }, parent: { binary: '/bin/sh', uid: 1000 }, fromUid: 1000, toUid: 0 }),
    },
    {
      name: 'a user\'s program on the node becomes root',
      expect: 'alert',
      event: commitCredsEvent({ process: { binary: '/home/azureuser/x', arguments: '', uid: 1000, pod: null }, fromUid: 1000, toUid: 0 }),
    },
    {
      name: 'an application user runs a setuid-root copy of a shell planted in /dev/shm (Tetragon: privileges raised by the file)',
      expect: 'alert',
      event: processExecEvent({
        binary: '/dev/shm/.s',
        arguments: '-p',
        uid: 1000,
        binaryProperties: { setuid: 0, privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'] },
        parent: { binary: '/bin/sh', uid: 1000 },
      }),
    },
    {
      name: 'a process on the node gains capabilities from a file-capability binary in a user\'s directory',
      expect: 'alert',
      event: processExecEvent({
        binary: '/home/azureuser/.local/bin/netd',
        arguments: '',
        uid: 1000,
        pod: null,
        binaryProperties: { privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_CAP'] },
      }),
    },
    {
      name: 'a setuid copy of bash left in /tmp',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/chmod', arguments: 'u+s /tmp/.bash', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'chmod 4755 on a file in /dev/shm',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/busybox', arguments: 'chmod 4755 /dev/shm/.s', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'Falco reports a setuid bit set',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Set Setuid or Setgid bit',
        priority: 'Notice',
        outputFields: { 'proc.name': 'chmod', 'proc.exepath': '/bin/chmod', 'proc.cmdline': 'chmod u+s /tmp/.bash', 'evt.arg.filename': '/tmp/.bash' },
        tags: ['maturity_incubating', 'host', 'container', 'process', 'users', 'mitre_privilege_escalation', 'T1548.001'],
      }),
    },
    {
      name: 'an administrator uses sudo on the node',
      expect: 'none',
      event: commitCredsEvent({ process: { binary: '/usr/bin/sudo', arguments: 'systemctl restart kubelet', uid: 1000, pod: null }, fromUid: 1000, toUid: 0 }),
    },
    {
      name: 'an administrator runs sudo on the node (Tetragon: setuid-root file, privileges raised)',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/sudo',
        arguments: 'crictl ps',
        uid: 1000,
        pod: null,
        binaryProperties: { setuid: 0, privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'] },
        parent: { binary: '/bin/bash', uid: 1000, pod: null },
      }),
    },
    {
      name: 'ping in a container gains CAP_NET_RAW from its file capabilities',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/ping', arguments: '-c 1 10.0.0.1', uid: 1000, binaryProperties: { privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_CAP'] } }),
    },
    {
      name: 'Caddy, given cap_net_bind_service by its image, starts as a non-root user',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/caddy',
        arguments: 'run --config /etc/caddy/Caddyfile --adapter caddyfile',
        uid: 1000,
        pod: { namespace: 'edge', name: 'caddy-6b8d9c7f5-q7w2r', container: 'caddy', image: 'docker.io/library/caddy:2.8' },
        binaryProperties: { privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_CAP'] },
      }),
    },
    {
      name: 'wall runs setgid tty (not root): no privilege raised',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/wall', arguments: 'maintenance at 10:00', uid: 1000, pod: null, binaryProperties: { setgid: 5 } }),
    },
    {
      name: 'runc init drops to the container\'s user',
      expect: 'none',
      event: commitCredsEvent({ process: { binary: '/usr/bin/runc', arguments: 'init', uid: 0 }, fromUid: 0, toUid: 1000 }),
    },
    {
      name: 'a root process commits root credentials again',
      expect: 'none',
      event: commitCredsEvent({ process: { binary: '/usr/local/bin/kubelet', uid: 0, pod: null }, fromUid: 0, toUid: 0 }),
    },
    {
      name: 'chmod makes a downloaded tool executable',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/chmod', arguments: '755 /tmp/helm', parent: { binary: '/bin/sh' } }),
    },
  ],
});
