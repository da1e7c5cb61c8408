import { type NodeEvent, type NodeHook, type NodeHookArgument, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, kprobeEvent, processExecEvent, tracepointEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { argumentList, baseName, isExec, isInContainer, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** `ptrace(2)` requests that take control of another process or write into it (PTRACE_TRACEME, PEEK* are left out). */
const CONTROL_REQUESTS: ReadonlyMap<number, string> = new Map([
  [16, 'PTRACE_ATTACH'],
  [0x4206, 'PTRACE_SEIZE'],
  [4, 'PTRACE_POKETEXT'],
  [5, 'PTRACE_POKEDATA'],
  [13, 'PTRACE_SETREGS'],
]);
/** The requests that write into the traced process: code injection rather than observation. */
const INJECTION_REQUESTS: ReadonlySet<string> = new Set(['PTRACE_POKETEXT', 'PTRACE_POKEDATA', 'PTRACE_SETREGS']);

const PTRACE_HOOK = /ptrace/i;

/** Debuggers and tracers, and how they are told to attach to a running process. */
const ATTACHING_TOOLS: ReadonlySet<string> = new Set(['gdb', 'strace', 'ltrace', 'gcore']);
const ATTACH_FLAGS = /^(-p\d*|--pid(=.*)?|--attach|-attach)$/;

interface PtraceAttach {
  request: string;
  via: 'syscall' | 'command line';
}

function numberOf(arg: NodeHookArgument | undefined): number | undefined {
  if (arg === undefined) return undefined;
  if (arg.int !== undefined) return arg.int;
  const value = arg.string === undefined ? Number.NaN : Number(arg.string);
  return Number.isInteger(value) ? value : undefined;
}

/**
 * The control request of a ptrace hook: the argument labelled `request`, else the first argument of a kprobe on the
 * syscall, else (tracepoints list the syscall number first) the first argument that is a control request.
 */
function controlRequestOf(hook: NodeHook): string | undefined {
  const labelled = hook.args.find((arg) => arg.label?.toLowerCase() === 'request');
  if (labelled !== undefined) return CONTROL_REQUESTS.get(numberOf(labelled) ?? -1);
  if (!hook.functionName.includes('/')) return CONTROL_REQUESTS.get(numberOf(hook.args[0]) ?? -1);
  for (const arg of hook.args) {
    const request = CONTROL_REQUESTS.get(numberOf(arg) ?? -1);
    if (request !== undefined) return request;
  }
  return undefined;
}

/** True when a debugger or tracer is told to attach to a running process (`gdb -p 1`, `strace -p 42`, `gdb prog 42`, `gcore 42`). */
function attachesByCommand(process: NodeProcess): boolean {
  const name = baseName(process.binary);
  if (!ATTACHING_TOOLS.has(name)) return false;
  const args = argumentList(process);
  if (name === 'gcore' || args.some((word) => ATTACH_FLAGS.test(word))) return true;
  const operands = args.filter((word) => !word.startsWith('-'));
  return name === 'gdb' && operands.length >= 2 && /^\d+$/.test(operands[1] ?? '');
}

/** A ptrace attach or injection: by syscall anywhere (not platform pods), or by a debugger's command line in a container. */
function ptraceAttachOf(event: NodeEvent, context: DetectionContext): PtraceAttach | undefined {
  if (isSystemWorkload(event, context)) return undefined;
  const hook = event.hook;
  if (hook !== undefined) {
    if (!PTRACE_HOOK.test(hook.functionName)) return undefined;
    const request = controlRequestOf(hook);
    return request === undefined ? undefined : { request, via: 'syscall' };
  }
  if (isExec(event) && isInContainer(event) && attachesByCommand(event.process)) return { request: 'PTRACE_ATTACH', via: 'command line' };
  return undefined;
}

export const ptraceAttach = defineNodeRule({
  id: 'ptrace-attach',
  alertType: 'K8S.NODE_PtraceAttach',
  displayName: 'Process attached to another process with ptrace',
  description:
    'A process took control of another one with ptrace(2) (PTRACE_ATTACH or PTRACE_SEIZE), or wrote into its memory or ' +
    'registers (PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_SETREGS), as seen by a kprobe or tracepoint on the syscall; or ' +
    'a debugger or tracer in a container was told to attach to a running process (gdb -p, strace -p, gcore). Attackers ' +
    'use ptrace to inject code into a trusted process, to read secrets from another process\'s memory, and, with ' +
    'CAP_SYS_PTRACE and a shared PID namespace, to reach the node\'s processes. Debugging in production is rare; ' +
    'PTRACE_TRACEME (anti-debugging) is left to the Falco catch-all.',
  // Medium; High when the tracer writes into the traced process (code injection) (severityFor).
  severity: Severity.Medium,
  severityFor: (event, context) => (INJECTION_REQUESTS.has(ptraceAttachOf(event, context)?.request ?? '') ? Severity.High : Severity.Medium),
  intent: Intent.DefenseEvasion,
  techniques: ['T1055.008'],
  remediation: [
    'Identify both processes: the tracer (in the alert) and the traced one (its pid in the command line or the syscall\'s arguments); a tracer started from a web server, a temporary directory or an interactive session is hostile.',
    'If the container shares the host\'s PID namespace (hostPID) or has CAP_SYS_PTRACE, treat the node as exposed: remove those settings and enforce the baseline Pod Security Standard.',
    'Restart the traced process (injected code lives only in memory) and rotate secrets it held.',
  ],
  falsePositives: [
    'Engineers debugging a live container with gdb or strace, or profilers that pause processes with ptrace (py-spy, rbspy).',
    'Node agents that trace processes by design: add their pods to `systemWorkloads`.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1055/008/',
    'https://man7.org/linux/man-pages/man2/ptrace.2.html',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
  ],
  equivalents: {
    defender: [],
    falco: ['PTRACE attached to process'],
    guardDuty: ['DefenseEvasion:Runtime/ProcessInjection.Ptrace'],
    elastic: [],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_tracepoint'],
  match: (event, context) => ptraceAttachOf(event, context) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => {
    const attach = ptraceAttachOf(event, context);
    return {
      ...(attach === undefined ? {} : { request: attach.request, seenIn: attach.via }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, ptraceAttachOf(event, context)?.request ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'a binary from /tmp attaches to another process',
      expect: 'alert',
      event: kprobeEvent({ process: { binary: '/tmp/.i/inject', arguments: '1' }, functionName: '__x64_sys_ptrace', args: [{ int_arg: 16 }, { int_arg: 1 }] }),
    },
    {
      name: 'a process writes into another process\'s code (PTRACE_POKETEXT)',
      expect: 'alert',
      event: kprobeEvent({ process: { binary: '/usr/bin/python3', arguments: '-c "import ctypes..."' }, functionName: '__x64_sys_ptrace', args: [{ long_arg: '4' }, { int_arg: 31337 }] }),
    },
    {
      name: 'gdb attaches to the application in its container',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/gdb', arguments: '-p 1 -batch -ex "call system(\\"id\\")"', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'strace attaches to a running process in a container',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/strace', arguments: '-f -p 7', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'PTRACE_SEIZE seen by a tracepoint on the syscall',
      expect: 'alert',
      event: tracepointEvent({
        process: { binary: '/dev/shm/.s', arguments: '' },
        subsys: 'syscalls',
        event: 'sys_enter_ptrace',
        args: [{ long_arg: '101' }, { long_arg: '16902' }, { int_arg: 7 }],
      }),
    },
    {
      name: 'Falco reports a ptrace attach',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'PTRACE attached to process',
        priority: 'Warning',
        outputFields: { 'proc.name': 'gdb', 'proc.exepath': '/usr/bin/gdb', 'proc.cmdline': 'gdb -p 1', 'proc.pcmdline': 'bash' },
        tags: ['maturity_stable', 'host', 'container', 'process', 'mitre_privilege_escalation', 'T1055.008'],
      }),
    },
    {
      name: 'a program asks to be traced by its parent (PTRACE_TRACEME)',
      expect: 'none',
      event: kprobeEvent({ process: { binary: '/app/server' }, functionName: '__x64_sys_ptrace', args: [{ int_arg: 0 }, { int_arg: 0 }] }),
    },
    {
      name: 'strace runs a command it starts itself',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/strace', arguments: '-f -e trace=network curl -s http://localhost:8080/', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'gdb opens a core dump',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/gdb', arguments: '/app/server core.4127', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'a debugger reads another process\'s memory without attaching (PTRACE_PEEKDATA)',
      expect: 'none',
      event: kprobeEvent({ process: { binary: '/usr/bin/gdb', arguments: '-p 7' }, functionName: '__x64_sys_ptrace', args: [{ int_arg: 2 }, { int_arg: 7 }] }),
    },
  ],
});
