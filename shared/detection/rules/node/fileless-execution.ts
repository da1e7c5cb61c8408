import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, kprobeEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { baseName, isContainerRuntime, isExec, isHostProcess, isShell, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface FilelessExecution {
  technique: string;
  evidence: string;
  /** `exec`: a program ran without a file; `memfd_create`: an anonymous in-memory file was made to hold one. */
  kind: 'exec' | 'memfd_create';
}

/** A memfd as the kernel names it in a path (`/memfd:name (deleted)`). runc re-executes itself from one (`memfd:runc_cloned:...`). */
const MEMFD_PATH = /(^|\/)memfd:/;
const RUNTIME_MEMFD = /memfd:runc/;
/** Execution through a file descriptor (`fexecve`, `/proc/self/fd/3`, `/dev/fd/3`). */
const FD_PATH = /^\/(proc\/(self|\d+)\/fd|dev\/fd)\/\d+$/;
const DELETED_SUFFIX = ' (deleted)';

const MEMFD_CREATE_HOOK = /memfd_create/;
/** Where dropped programs live; a program run from one creating a memfd is staging its next stage. */
const TEMPORARY_DIRECTORY = /^\/(tmp|var\/tmp|dev\/shm|run\/shm|run\/user\/\d+)\//;
/** Script interpreters, whose one-liners load ELF payloads into a memfd (`python3 -c "os.memfd_create..."`). */
const INTERPRETER = /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*)$/;

/**
 * The link count Tetragon reports for the executed file (`binary_properties.file.inode.links`): it reports the file only
 * when it has no name on disk, so a `file` without a count counts as 0. Undefined when the sensor said nothing.
 */
function executedFileLinks(process: NodeProcess): number | undefined {
  const file = process.binaryProperties?.file;
  return file === undefined ? undefined : (file.links ?? 0);
}

/** How an exec runs a program that is not a file on disk, if it does. */
function filelessExecOf(event: NodeEvent): FilelessExecution | undefined {
  const process = event.process;
  const binary = process.binary;
  const links = executedFileLinks(process);
  const unlinked = links === 0 ? ' (no link on disk)' : '';
  if (MEMFD_PATH.test(binary)) return RUNTIME_MEMFD.test(binary) ? undefined : { technique: 'program executed from memory (memfd)', evidence: `${binary}${unlinked}`, kind: 'exec' };
  // The container runtime re-executes its own memfd copy on the node (runc's cloned binary, under the shim or runc).
  if (isHostProcess(event) && isContainerRuntime(event.parent)) return undefined;
  // Processes already running when the sensor started (flag procFS) may show a binary an upgrade has since replaced.
  const seenAtSensorStart = process.flags?.includes('procFS') === true;
  if (FD_PATH.test(binary)) {
    return { technique: 'program executed through a file descriptor', evidence: `${binary}${unlinked}`, kind: 'exec' };
  }
  if (binary.endsWith(DELETED_SUFFIX) && !seenAtSensorStart) {
    return { technique: 'program executed from a deleted file', evidence: binary, kind: 'exec' };
  }
  // Tetragon's own judgement, whatever the path it reports: the executed inode has no link (memfd, shared memory, deleted).
  if (links === 0 && !seenAtSensorStart) {
    const path = process.binaryProperties?.file?.path;
    return { technique: 'program executed from a file with no link on disk', evidence: `${path ?? binary} (inode links 0)`, kind: 'exec' };
  }
  return undefined;
}

/** A `memfd_create` by a script interpreter, a shell or a program in a temporary directory (runtimes, .NET and systemd make their own). */
function suspiciousMemfdOf(event: NodeEvent, context: DetectionContext): FilelessExecution | undefined {
  const hook = event.hook;
  if (hook === undefined || !MEMFD_CREATE_HOOK.test(hook.functionName)) return undefined;
  const process = event.process;
  const unexpected = INTERPRETER.test(baseName(process.binary)) || isShell(process, context) || TEMPORARY_DIRECTORY.test(process.binary);
  const name = hook.args.find((arg) => arg.string !== undefined)?.string ?? '';
  if (!unexpected || name.startsWith('runc')) return undefined;
  return { technique: 'anonymous in-memory file created by a script or a dropped program', evidence: name === '' ? '(no name)' : name, kind: 'memfd_create' };
}

function filelessOf(event: NodeEvent, context: DetectionContext): FilelessExecution | undefined {
  if (isSystemWorkload(event, context)) return undefined;
  if (isExec(event)) return filelessExecOf(event);
  return suspiciousMemfdOf(event, context);
}

export const filelessExecution = defineNodeRule({
  id: 'fileless-execution',
  alertType: 'K8S.NODE_FilelessExecution',
  displayName: 'Fileless execution detected',
  description:
    'A program ran without a file on disk: from an anonymous memory file (memfd_create, the kernel names it ' +
    '`memfd:...`), through a file descriptor (`/proc/self/fd/N`, `/dev/fd/N`), or from a file deleted right after it ' +
    'was started. Malware loads its payload this way to leave nothing for file scanners and to outlive a cleanup of ' +
    'the disk; read-only root file systems do not stop it. Also reported, at lower severity: a script interpreter, a ' +
    'shell or a program in a temporary directory creating a memfd (the staging step). Where Tetragon reports ' +
    '`binary_properties` (process credentials enabled), an executed file with no link on disk (inode links 0: memfd, ' +
    'shared memory, deleted) counts whatever path it is reported under. The container runtime\'s own memfd copy of ' +
    'runc and processes loaded before the sensor started are not counted.',
  // High; Medium for a memfd_create without an execution seen (severityFor).
  severity: Severity.High,
  severityFor: (event, context) => (filelessOf(event, context)?.kind === 'memfd_create' ? Severity.Medium : Severity.High),
  intent: Intent.DefenseEvasion,
  techniques: ['T1620', 'T1027'],
  remediation: [
    'Capture what you can before the process ends: its command line, parent, open connections and, if possible, a memory dump (`/proc/<pid>/exe` still points to the in-memory file).',
    'Isolate the pod or node and find how the loader got in (its parent process: a web server, a shell, a download).',
    'Rebuild the workload from a clean image and rotate the secrets it could reach; on a node, reimage it.',
  ],
  falsePositives: [
    'Self-extracting or packed applications that re-execute themselves from memory (some Go, .NET single-file and Python freezers): add their pods to `systemWorkloads` once verified.',
    'Scripts that use memfd_create for ordinary shared memory.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1620/',
    'https://man7.org/linux/man-pages/man2/memfd_create.2.html',
    'https://tetragon.io/docs/reference/grpc-api/#binaryproperties',
    'https://tetragon.io/docs/policy-library/observability/#exec-fileless',
  ],
  equivalents: {
    defender: [],
    falco: ['Fileless execution via memfd_create'],
    guardDuty: ['DefenseEvasion:Runtime/FilelessExecution'],
    elastic: [],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_tracepoint'],
  match: (event, context) => filelessOf(event, context) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => {
    const fileless = filelessOf(event, context);
    return {
      ...(fileless === undefined ? {} : { technique: fileless.technique, evidence: fileless.evidence }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, filelessOf(event, context)?.technique ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'a program executed from a memfd in a container',
      expect: 'alert',
      event: processExecEvent({ binary: '/memfd:x (deleted)', arguments: '-c /tmp/.c.json', parent: { binary: '/usr/bin/python3', arguments: '-c "import os,urllib.request..."' } }),
    },
    {
      name: 'a program executed through /proc/self/fd',
      expect: 'alert',
      event: processExecEvent({ binary: '/proc/self/fd/3', arguments: '', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'a dropped binary deleted right after it started',
      expect: 'alert',
      event: processExecEvent({ binary: '/tmp/.kworker (deleted)', arguments: '', parent: { binary: '/bin/sh', arguments: '-c "/tmp/.kworker & rm -f /tmp/.kworker"' } }),
    },
    {
      name: 'Tetragon reports a memfd executed through /proc/self/fd with no link on disk (its published sample)',
      expect: 'alert',
      event: processExecEvent({ binary: '/proc/self/fd/3', arguments: '', uid: 1000, binaryProperties: { file: { links: 0 } }, parent: { binary: '/usr/bin/python3', arguments: 'exec-memfd.py', uid: 1000 } }),
    },
    {
      name: 'a dropped miner unlinked before it ran, reported under its old path (Tetragon: inode links 0)',
      expect: 'alert',
      event: processExecEvent({ binary: '/var/tmp/.X11/kdevtmpfsi', arguments: '', binaryProperties: { file: { links: 0 } }, parent: { binary: '/bin/sh', arguments: '-c "/var/tmp/.X11/kdevtmpfsi &"' } }),
    },
    {
      name: 'a Python one-liner creates a memfd',
      expect: 'alert',
      event: kprobeEvent({ process: { binary: '/usr/bin/python3', arguments: '-c "import os;fd=os.memfd_create(\'\',1)..."' }, functionName: '__x64_sys_memfd_create', args: [{ string_arg: '' }, { int_arg: 1 }] }),
    },
    {
      name: 'Falco reports fileless execution',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Fileless execution via memfd_create',
        priority: 'Critical',
        outputFields: { 'proc.name': '3', 'proc.exepath': 'memfd:payload', 'proc.cmdline': '3', 'proc.pname': 'python3' },
        tags: ['maturity_stable', 'host', 'container', 'process', 'mitre_defense_evasion', 'T1620'],
      }),
    },
    {
      name: 'runc re-executes itself from its memfd copy to start a container',
      expect: 'none',
      event: processExecEvent({ binary: '/memfd:runc_cloned:/proc/self/exe (deleted)', arguments: 'init', pod: null, parent: { binary: '/usr/bin/runc', pod: null } }),
    },
    {
      name: 'runc re-executes its memfd copy under the containerd shim (Tetragon: inode links 0)',
      expect: 'none',
      event: processExecEvent({
        binary: '/proc/self/fd/5',
        arguments: '--root /run/containerd/runc/k8s.io --log /run/containerd/io.containerd.runtime.v2.task/k8s.io/8c1e4f0b2a9d/log.json create --bundle /run/containerd/io.containerd.runtime.v2.task/k8s.io/8c1e4f0b2a9d 8c1e4f0b2a9d',
        pod: null,
        binaryProperties: { file: { links: 0 } },
        parent: { binary: '/usr/bin/containerd-shim-runc-v2', arguments: '-namespace k8s.io -id 8c1e4f0b2a9d -address /run/containerd/containerd.sock', pod: null },
      }),
    },
    {
      name: 'kubelet replaced by a node image upgrade, seen when Tetragon started (procFS, inode links 0)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/local/bin/kubelet', arguments: '--config=/var/lib/kubelet/config.yaml', pod: null, flags: 'procFS auid rootcwd', binaryProperties: { file: { links: 0 } } }),
    },
    {
      name: 'a .NET application maps its code with a memfd',
      expect: 'none',
      event: kprobeEvent({ process: { binary: '/usr/share/dotnet/dotnet', arguments: 'Api.dll' }, functionName: '__x64_sys_memfd_create', args: [{ string_arg: 'doublemapper' }, { int_arg: 1 }] }),
    },
    {
      name: 'containerd replaced by an upgrade, seen when Tetragon started',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/containerd (deleted)', arguments: '', pod: null, flags: 'procFS auid rootcwd' }),
    },
    {
      name: 'an ordinary program start',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/local/bin/node', arguments: 'server.js', parent: { binary: '/usr/local/bin/docker-entrypoint.sh' } }),
    },
  ],
});
