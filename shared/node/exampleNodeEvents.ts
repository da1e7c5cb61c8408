import { createHash } from 'node:crypto';

/**
 * Builders of RAW node events, exactly as the sensors send them: Cilium Tetragon's `GetEventsResponse` in its
 * protobuf JSON mapping (snake_case: `process_exec.process.exec_id`, `pod.container.image.name`, `node_name`),
 * and falcosidekick's alert payload. Rule examples and tests use them; ingestion decodes their output like any
 * real event. Pure and deterministic: fixed times, exec ids made as Tetragon makes them (base64 of
 * `<node>:<ktime>:<pid>`, the ktime derived from the process so that the same process keeps its id).
 *
 * Shapes checked against Tetragon's docs ("Events", "Execution monitoring", "Network observability", "File
 * access", "Privileged execution") and api/v1/tetragon/tetragon.proto; Falco's against falcosidekick's
 * `types.FalcoPayload`.
 */

export const EXAMPLE_NODE = 'aks-nodepool1-12345678-vmss000000';
export const EXAMPLE_TIME = '2025-06-03T09:41:27.318624117Z';
/** When the container and the processes that were running before the event started. */
const EXAMPLE_CONTAINER_START = '2025-06-03T08:12:05Z';
const EXAMPLE_EARLIER_START = '2025-06-03T08:12:05.914551203Z';
/** Tetragon's `auid` for processes with no login session (every container process, most daemons). */
const NO_LOGIN_UID = 4294967295;

export interface ExamplePod {
  namespace?: string;
  name?: string;
  container?: string;
  image?: string;
  workload?: string;
  workloadKind?: string;
  labels?: Record<string, string>;
  /**
   * Tetragon's `container.maybe_exec_probe`: the process's binary and arguments are those of the container's liveness
   * or readiness exec probe. Set on the acting process only: a parent or ancestor that inherits this pod does not inherit it.
   */
  maybeExecProbe?: boolean;
  /** When the container started (`container.start_time`, RFC 3339). Default: a fixed time before the example's. */
  startTime?: string;
}

/** Tetragon's `process.binary_properties` of an exec (see `NodeBinaryProperties`). */
export interface ExampleBinaryProperties {
  /** The effective uid a set-user-ID file gave (0: setuid-root). */
  setuid?: number;
  setgid?: number;
  /** `PRIVILEGES_RAISED_EXEC_FILE_SETUID`, `PRIVILEGES_RAISED_EXEC_FILE_SETGID`, `PRIVILEGES_RAISED_EXEC_FILE_CAP`. */
  privilegesChanged?: string[];
  /** The executed file has no name on disk (memfd, shared memory, deleted): `links` 0. The inode number is made up. */
  file?: { path?: string; links?: number };
}

export interface ExampleProcess {
  binary: string;
  arguments?: string;
  pid?: number;
  uid?: number;
  cwd?: string;
  /** The pod the process runs in; `null` = a host process (no `pod`). Default: the example pod. Parents and ancestors default to the acting process's pod. */
  pod?: ExamplePod | null;
  execId?: string;
  flags?: string;
  /** Tetragon's `in_init_tree`: true for the container's entrypoint and its children, false for `kubectl exec` sessions. Absent by default (older sensors). */
  inInitTree?: boolean;
  /** Tetragon's `binary_properties` (setuid, privileges raised, no link on disk). Absent by default. */
  binaryProperties?: ExampleBinaryProperties;
}

export interface ExampleEventOptions {
  /** The acting process. Default: an application process (nginx) in the example pod. */
  process?: ExampleProcess;
  parent?: ExampleProcess;
  /** The parent's parent first, as Tetragon lists them (`process_exec.ancestors`, newer Tetragon). Ignored without a `parent`. */
  ancestors?: ExampleProcess[];
  node?: string;
  time?: string;
}

export type ExampleExecOptions = ExampleProcess & Omit<ExampleEventOptions, 'process'>;

type RawEvent = Record<string, unknown>;

const DEFAULT_POD = {
  namespace: 'shop',
  name: 'web-7d4b9c6f5-x2x9k',
  container: 'web',
  image: 'docker.io/library/nginx:1.27',
  workload: 'web',
  workloadKind: 'Deployment',
} as const;

const DEFAULT_PROCESS: ExampleProcess = { binary: '/usr/sbin/nginx', arguments: '-g "daemon off;"', pid: 31337, uid: 0, cwd: '/' };
const DEFAULT_PID = 48213;
const DEFAULT_PARENT_PID = 48190;

/** A `process_exec` event: `binary` started (execve). */
export function processExecEvent(options: ExampleExecOptions): RawEvent {
  const { parent, ancestors, node, time, ...process } = options;
  const at = time ?? EXAMPLE_TIME;
  return {
    process_exec: {
      ...processTree({ process, parent, ancestors, node }, at),
    },
    node_name: node ?? EXAMPLE_NODE,
    time: at,
  };
}

/** A `process_exit` event: the process ended with `status` (exit code) or was killed by `signal` (e.g. `SIGKILL`). */
export function processExitEvent(options: ExampleExecOptions & { status?: number; signal?: string }): RawEvent {
  const { parent, ancestors, node, time, status, signal, ...process } = options;
  const at = time ?? EXAMPLE_TIME;
  return {
    process_exit: {
      ...processTree({ process, parent, ancestors, node }),
      ...(signal === undefined ? {} : { signal }),
      status: status ?? 0,
      time: at,
    },
    node_name: node ?? EXAMPLE_NODE,
    time: at,
  };
}

/** A `process_kprobe` event with raw Tetragon arguments (`{ file_arg: { path } }`, `{ sock_arg: {...} }`, `{ int_arg: 4 }`). */
export function kprobeEvent(
  options: ExampleEventOptions & {
    functionName: string;
    args: Record<string, unknown>[];
    /** The raw return argument, e.g. `{ int_arg: 0 }`. */
    returnArg?: Record<string, unknown>;
    action?: string;
    policyName?: string;
  },
): RawEvent {
  const at = options.time ?? EXAMPLE_TIME;
  return {
    process_kprobe: {
      ...processTree(options),
      function_name: options.functionName,
      args: options.args,
      ...(options.returnArg === undefined ? {} : { return: options.returnArg }),
      action: options.action ?? 'KPROBE_ACTION_POST',
      policy_name: options.policyName ?? 'argus-node-monitoring',
      return_action: 'KPROBE_ACTION_POST',
    },
    node_name: options.node ?? EXAMPLE_NODE,
    time: at,
  };
}

/** A `tcp_connect` kprobe (Tetragon's network observability policy): the process opened a TCP connection. */
export function tcpConnectEvent(options: ExampleEventOptions & { daddr: string; dport: number; saddr?: string; sport?: number }): RawEvent {
  const { daddr, dport, saddr, sport, ...rest } = options;
  const family = daddr.includes(':') ? 'AF_INET6' : 'AF_INET';
  return kprobeEvent({
    ...rest,
    functionName: 'tcp_connect',
    policyName: 'monitor-network-activity-outside-cluster-cidr-range',
    args: [
      {
        sock_arg: {
          family,
          type: 'SOCK_STREAM',
          protocol: 'IPPROTO_TCP',
          saddr: saddr ?? (family === 'AF_INET6' ? 'fd00:10:244::2f' : '10.244.1.47'),
          daddr,
          sport: sport ?? 43718,
          dport,
          cookie: '18446635827187264768',
          state: 'TCP_SYN_SENT',
        },
      },
    ],
  });
}

/**
 * A file access kprobe as Tetragon's file monitoring policy reports it: `security_file_permission` (the default:
 * `file_arg` plus the access mask, 4 = MAY_READ, 2 = MAY_WRITE), `security_file_open` or `fd_install`.
 */
export function fileAccessEvent(
  options: ExampleEventOptions & { path: string; functionName?: 'security_file_permission' | 'security_file_open' | 'fd_install'; write?: boolean },
): RawEvent {
  const { path, functionName = 'security_file_permission', write = false, ...rest } = options;
  const file = { file_arg: { path, permission: write ? '-rw-r--r--' : '-rw-r-----' } };
  const args =
    functionName === 'security_file_permission'
      ? [file, { int_arg: write ? 2 : 4 }]
      : functionName === 'fd_install'
        ? [{ int_arg: 3 }, file]
        : [file];
  return kprobeEvent({
    ...rest,
    functionName,
    args,
    returnArg: { int_arg: 0 },
    policyName: 'file-monitoring',
  });
}

/** `setns` (entering another namespace, as `nsenter` does): `nsType` is the `CLONE_NEW*` flag, default mount (0x20000). */
export function setnsEvent(options: ExampleEventOptions & { nsType?: number }): RawEvent {
  const { nsType = 0x20000, ...rest } = options;
  return kprobeEvent({
    process: { binary: '/usr/bin/nsenter', arguments: '--target 1 --mount --uts --ipc --net --pid -- bash' },
    ...rest,
    functionName: '__x64_sys_setns',
    args: [{ int_arg: 3 }, { int_arg: nsType }],
    returnArg: { int_arg: 0 },
    policyName: 'privileged-execution',
  });
}

/** `commit_creds` (the process's credentials changed, e.g. a setuid binary or an exploit made it root). */
export function commitCredsEvent(options: ExampleEventOptions & { fromUid?: number; toUid?: number }): RawEvent {
  const { fromUid = 1000, toUid = 0, ...rest } = options;
  const process = rest.process ?? { binary: '/usr/bin/su', arguments: '-', uid: fromUid };
  const ids = { uid: toUid, gid: toUid, euid: toUid, egid: toUid, suid: toUid, sgid: toUid, fsuid: toUid, fsgid: toUid };
  return kprobeEvent({
    ...rest,
    process: { ...process, uid: process.uid ?? fromUid },
    functionName: 'commit_creds',
    args: [{ process_credentials_arg: { ...ids, caps: { permitted: ['CAP_SETUID', 'CAP_SETGID'], effective: ['CAP_SETUID', 'CAP_SETGID'] } } }],
    returnArg: { int_arg: 0 },
    policyName: 'privileged-execution',
  });
}

/** `do_init_module` (a kernel module was loaded); by default by `insmod` on the host. */
export function moduleLoadEvent(options: ExampleEventOptions & { module: string }): RawEvent {
  const { module, ...rest } = options;
  return kprobeEvent({
    process: { binary: '/usr/sbin/insmod', arguments: `/tmp/${module}.ko`, pod: null },
    ...rest,
    functionName: 'do_init_module',
    args: [{ module_arg: { name: module, signature_ok: false, tainted: ['TAINT_UNSIGNED_MODULE', 'TAINT_OUT_OF_TREE_MODULE'] } }],
    policyName: 'monitor-kernel-modules',
  });
}

/** A `process_tracepoint` event (e.g. `syscalls`/`sys_enter_ptrace`). */
export function tracepointEvent(options: ExampleEventOptions & { subsys: string; event: string; args?: Record<string, unknown>[] }): RawEvent {
  const at = options.time ?? EXAMPLE_TIME;
  return {
    process_tracepoint: {
      ...processTree(options),
      subsys: options.subsys,
      event: options.event,
      args: options.args ?? [],
      policy_name: 'argus-node-monitoring',
      action: 'KPROBE_ACTION_POST',
    },
    node_name: options.node ?? EXAMPLE_NODE,
    time: at,
  };
}

/** A `process_lsm` event (a BPF-LSM hook, e.g. `bprm_check_security`, `file_open`). */
export function lsmEvent(options: ExampleEventOptions & { functionName: string; args?: Record<string, unknown>[] }): RawEvent {
  const at = options.time ?? EXAMPLE_TIME;
  return {
    process_lsm: {
      ...processTree(options),
      function_name: options.functionName,
      args: options.args ?? [],
      policy_name: 'argus-node-monitoring',
      action: 'KPROBE_ACTION_POST',
    },
    node_name: options.node ?? EXAMPLE_NODE,
    time: at,
  };
}

/** The book-era `process_connect` ("Security Observability with eBPF", Hubble Enterprise's fgs.log): flat endpoint fields. */
export function processConnectEvent(options: ExampleEventOptions & { destinationIp: string; destinationPort: number }): RawEvent {
  const at = options.time ?? EXAMPLE_TIME;
  return {
    process_connect: {
      ...processTree(options),
      source_ip: '10.244.1.47',
      source_port: 43718,
      destination_ip: options.destinationIp,
      destination_port: options.destinationPort,
      sock_cookie: '18446635881397672448',
      protocol: 'TCP',
    },
    node_name: options.node ?? EXAMPLE_NODE,
    time: at,
  };
}

export interface ExampleFalcoAlertOptions {
  rule: string;
  priority?: string;
  output?: string;
  /** Merged over defaults describing `bash` in the example pod's container. */
  outputFields?: Record<string, string | number | boolean | null>;
  tags?: string[];
  source?: string;
  hostname?: string;
  time?: string;
}

/** A Falco alert as falcosidekick posts it (`types.FalcoPayload`: uuid, output, priority, rule, time, output_fields, source, tags, hostname). */
export function falcoAlertEvent(options: ExampleFalcoAlertOptions): RawEvent {
  const time = options.time ?? EXAMPLE_TIME;
  const priority = options.priority ?? 'Notice';
  const hostname = options.hostname ?? EXAMPLE_NODE;
  const image = splitImage(DEFAULT_POD.image);
  const outputFields: Record<string, string | number | boolean | null> = {
    'container.id': containerIdOf(DEFAULT_POD.namespace, DEFAULT_POD.name, DEFAULT_POD.container).slice(0, 12),
    'container.name': DEFAULT_POD.container,
    'container.image.repository': image.repository,
    'container.image.tag': image.tag,
    'evt.time': 1748943687318624000,
    'evt.type': 'execve',
    'k8s.ns.name': DEFAULT_POD.namespace,
    'k8s.pod.name': DEFAULT_POD.name,
    'proc.cmdline': 'bash',
    'proc.exepath': '/bin/bash',
    'proc.name': 'bash',
    'proc.pid': DEFAULT_PID,
    'proc.pname': 'runc',
    'user.name': 'root',
    'user.uid': 0,
    ...options.outputFields,
  };
  const summary = Object.entries(outputFields)
    .filter(([key]) => key.startsWith('proc.') || key.startsWith('k8s.') || key === 'container.id')
    .map(([key, value]) => `${key.replace(/\./g, '_')}=${String(value)}`)
    .join(' ');
  const output = options.output ?? `${time.slice(11, 29)}: ${priority} ${options.rule} (${summary})`;
  return {
    uuid: uuidOf(`${options.rule}|${time}|${output}`),
    output,
    priority,
    rule: options.rule,
    time,
    output_fields: outputFields,
    source: options.source ?? 'syscall',
    tags: options.tags ?? ['container', 'shell', 'mitre_execution'],
    hostname,
  };
}

/** `process`, `parent` and `ancestors` of an event, linked by `parent_exec_id`. */
function processTree(options: ExampleEventOptions, execTime?: string): RawEvent {
  const node = options.node ?? EXAMPLE_NODE;
  const acting = options.process ?? DEFAULT_PROCESS;
  const pod = acting.pod === undefined ? {} : acting.pod;
  const chain = [
    { process: acting, pid: acting.pid ?? DEFAULT_PID, startTime: execTime ?? EXAMPLE_EARLIER_START },
    ...(options.parent === undefined ? [] : [{ process: options.parent, pid: options.parent.pid ?? DEFAULT_PARENT_PID, startTime: EXAMPLE_EARLIER_START }]),
    ...(options.parent === undefined ? [] : (options.ancestors ?? [])).map((process, index) => ({
      process,
      pid: process.pid ?? DEFAULT_PARENT_PID - 10 * (index + 1),
      startTime: EXAMPLE_EARLIER_START,
    })),
  ];
  const execIds = chain.map(({ process, pid }) => process.execId ?? execIdOf(node, process, pid));
  // Tetragon judges the probe hint per process (its binary and arguments): the processes above do not share it.
  const inherited = pod === null ? null : withoutProbeHint(pod);
  const rendered = chain.map(({ process, pid, startTime }, index) =>
    rawProcess({ ...process, pod: process.pod !== undefined ? process.pod : index === 0 ? pod : inherited }, pid, startTime, execIds[index] ?? '', execIds[index + 1]),
  );
  const [first, second, ...rest] = rendered;
  return {
    process: first,
    ...(second === undefined ? {} : { parent: second }),
    ...(rest.length === 0 ? {} : { ancestors: rest }),
  };
}

function rawProcess(process: ExampleProcess & { pod: ExamplePod | null }, pid: number, startTime: string, execId: string, parentExecId: string | undefined): RawEvent {
  const cwd = process.cwd ?? '/';
  const raw: RawEvent = {
    exec_id: execId,
    pid,
    uid: process.uid ?? 0,
    cwd,
    binary: process.binary,
    arguments: process.arguments ?? '',
    flags: process.flags ?? (cwd === '/' ? 'execve rootcwd clone' : 'execve clone'),
    start_time: startTime,
    auid: NO_LOGIN_UID,
  };
  if (process.pod !== null) {
    const pod = rawPod(process.pod, pid);
    raw.pod = pod.pod;
    raw.docker = pod.containerId.slice(0, 31);
  }
  if (parentExecId !== undefined) raw.parent_exec_id = parentExecId;
  raw.tid = pid;
  if (process.binaryProperties !== undefined) raw.binary_properties = rawBinaryProperties(process.binaryProperties, process.binary);
  if (process.inInitTree !== undefined) raw.in_init_tree = process.inInitTree;
  return raw;
}

/** `binary_properties` as Tetragon writes it: UInt32Value ids, enum names, a uint64 inode number as a string. */
function rawBinaryProperties(properties: ExampleBinaryProperties, binary: string): RawEvent {
  const raw: RawEvent = {};
  if (properties.setuid !== undefined) raw.setuid = properties.setuid;
  if (properties.setgid !== undefined) raw.setgid = properties.setgid;
  if (properties.privilegesChanged !== undefined && properties.privilegesChanged.length > 0) raw.privileges_changed = properties.privilegesChanged;
  if (properties.file !== undefined) {
    const inode = { number: String(parseInt(sha256Hex(`inode:${binary}`).slice(0, 7), 16)), links: properties.file.links ?? 0 };
    raw.file = { inode, ...(properties.file.path === undefined ? {} : { path: properties.file.path }) };
  }
  return raw;
}

function withoutProbeHint(pod: ExamplePod): ExamplePod {
  const copy = { ...pod };
  delete copy.maybeExecProbe;
  return copy;
}

function rawPod(pod: ExamplePod, pid: number): { pod: RawEvent; containerId: string } {
  const namespace = pod.namespace ?? DEFAULT_POD.namespace;
  const name = pod.name ?? DEFAULT_POD.name;
  const container = pod.container ?? DEFAULT_POD.container;
  const image = pod.image ?? DEFAULT_POD.image;
  const workload = pod.workload ?? (pod.name === undefined ? DEFAULT_POD.workload : workloadOfPodName(name));
  const workloadKind = pod.workloadKind ?? DEFAULT_POD.workloadKind;
  const containerId = containerIdOf(namespace, name, container);
  return {
    containerId,
    pod: {
      namespace,
      name,
      container: {
        id: `containerd://${containerId}`,
        name: container,
        image: { id: `${splitImage(image).repository}@sha256:${sha256Hex(`image:${image}`)}`, name: image },
        start_time: pod.startTime ?? EXAMPLE_CONTAINER_START,
        pid: (pid % 97) + 1,
        ...(pod.maybeExecProbe === undefined ? {} : { maybe_exec_probe: pod.maybeExecProbe }),
      },
      pod_labels: pod.labels ?? { app: workload, ...(workloadKind === 'Deployment' ? { 'pod-template-hash': '7d4b9c6f5' } : {}) },
      workload,
      workload_kind: workloadKind,
    },
  };
}

/** `web-7d4b9c6f5-x2x9k` -> `web` (Deployment pods), `node-exporter-abcde` -> `node-exporter` (DaemonSet pods). */
function workloadOfPodName(name: string): string {
  const parts = name.split('-');
  if (parts.length >= 3 && /^[0-9a-f]{8,10}$/.test(parts[parts.length - 2] ?? '')) return parts.slice(0, -2).join('-');
  if (parts.length >= 2) return parts.slice(0, -1).join('-');
  return name;
}

/** Tetragon's exec id: base64 of `<node>:<ktime>:<pid>`, ktime (ns since boot) derived from the process here. */
function execIdOf(node: string, process: ExampleProcess, pid: number): string {
  const ktime = 1_000_000_000_000 + (parseInt(sha256Hex(`${process.binary} ${process.arguments ?? ''}:${pid}`).slice(0, 10), 16) % 9_000_000_000_000);
  return Buffer.from(`${node}:${ktime}:${pid}`, 'utf8').toString('base64');
}

function containerIdOf(namespace: string, pod: string, container: string): string {
  return sha256Hex(`container:${namespace}/${pod}/${container}`);
}

function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? { repository: image.slice(0, at), tag: image.slice(at + 1) } : { repository: image, tag: 'latest' };
}

function uuidOf(text: string): string {
  const hex = sha256Hex(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
