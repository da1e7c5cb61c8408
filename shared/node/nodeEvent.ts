import { type ClusterIdentity, type RecordSource } from '../kubernetes/auditEvent';

/**
 * A security event from a node sensor as every node rule sees it, after decoding: Cilium Tetragon's
 * `GetEventsResponse` (its JSON export) or a Falco alert (as falcosidekick sends it). Names follow
 * Tetragon's protobuf JSON mapping in camelCase (`process.binary`, `process.pod.container.image.name`,
 * `parent`, `ancestors`, `node_name` -> `nodeName`); optional lists are present (possibly empty).
 */

/** The kind of event, named as Tetragon's `GetEventsResponse` field that carries it; Falco alerts are `falco_alert`. */
export const NodeEventType = {
  processExec: 'process_exec',
  processExit: 'process_exit',
  processKprobe: 'process_kprobe',
  processTracepoint: 'process_tracepoint',
  processLsm: 'process_lsm',
  /** Tetragon's early ("book-era") network events, still in published samples. */
  processConnect: 'process_connect',
  processClose: 'process_close',
  processListen: 'process_listen',
  falcoAlert: 'falco_alert',
} as const;
export type NodeEventType = (typeof NodeEventType)[keyof typeof NodeEventType];

export interface NodeContainerImage {
  /** Digest form, e.g. `docker.io/library/nginx@sha256:...`. */
  id?: string;
  /** Reference form, e.g. `docker.io/library/nginx:1.27`. */
  name?: string;
}

export interface NodeContainer {
  /** Runtime id, e.g. `containerd://551e16...`. */
  id?: string;
  name?: string;
  image?: NodeContainerImage;
  startTime?: string;
  /** The process's pid inside the container's pid namespace. */
  pid?: number;
  /** Tetragon's hint that the exec may be a liveness or readiness probe. */
  maybeExecProbe?: boolean;
}

export interface NodePod {
  namespace: string;
  name: string;
  container?: NodeContainer;
  podLabels: Record<string, string>;
  /** The top owner's name (Deployment, DaemonSet, ...), as Tetragon resolves it. */
  workload?: string;
  workloadKind?: string;
}

/** Tetragon's `process_credentials` (Linux credentials of a task). */
export interface NodeCredentials {
  uid?: number;
  gid?: number;
  euid?: number;
  egid?: number;
  suid?: number;
  sgid?: number;
  fsuid?: number;
  fsgid?: number;
}

/**
 * Tetragon's `binary_properties` of an exec (newer Tetragon, with process credentials enabled): what the kernel did
 * because of the executed file itself. Set on `process_exec` only, and only when there is something to say.
 */
export interface NodeBinaryProperties {
  /** The effective uid the exec switched to because the file is set-user-ID (0 for a setuid-root file). */
  setuid?: number;
  /** The effective gid the exec switched to because the file is set-group-ID. */
  setgid?: number;
  /**
   * Why the exec raised the process's privileges (`ProcessPrivilegesChanged`): `PRIVILEGES_RAISED_EXEC_FILE_SETUID`,
   * `PRIVILEGES_RAISED_EXEC_FILE_SETGID` (a non-root process ran a setuid/setgid-root file), `PRIVILEGES_RAISED_EXEC_FILE_CAP`
   * (a file with capabilities). Empty when none.
   */
  privilegesChanged: string[];
  /**
   * Set only when the executed file has no name on disk: a memfd (`memfd_create`), an anonymous shared memory file,
   * or a file deleted before the exec. `links` is the inode's link count (0: the file lives only in memory).
   */
  file?: { path?: string; links?: number };
}

/** A process as Tetragon describes it. Host processes have no `pod`. */
export interface NodeProcess {
  execId?: string;
  pid?: number;
  uid?: number;
  cwd?: string;
  /** Absolute path of the executed file; `''` when the sensor did not say. */
  binary: string;
  /** The arguments after the binary, as one string (Tetragon joins them with spaces); `''` when none. */
  arguments: string;
  /** Tetragon's exec flags, e.g. `execve rootcwd clone`. */
  flags?: string;
  startTime?: string;
  auid?: number;
  pod?: NodePod;
  parentExecId?: string;
  tid?: number;
  credentials?: NodeCredentials;
  /** True for processes in the container's init tree (started by the runtime, not by `exec`). */
  inInitTree?: boolean;
  /** What the executed file did to the process (setuid, file capabilities, no link on disk); `process_exec` only. */
  binaryProperties?: NodeBinaryProperties;
}

/** `sock_arg`: a socket; also the endpoints of the book-era `process_connect`/`process_close`/`process_listen`. */
export interface NodeSocket {
  family?: string;
  type?: string;
  protocol?: string;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  state?: string;
}

/** `file_arg` / `path_arg`. */
export interface NodeFile {
  path: string;
  /** Mode string as Tetragon writes it, e.g. `-rw-r--r--`. */
  permission?: string;
  flags?: string;
}

/** `module_arg` (kernel module loading). */
export interface NodeKernelModule {
  name: string;
  signatureOk?: boolean;
  tainted: string[];
}

/**
 * One argument of a kprobe, tracepoint or LSM hook: exactly one of the typed values is set, as in
 * Tetragon's `KprobeArgument` oneof (`sock_arg`, `file_arg`, `path_arg`, `int_arg`, `string_arg`, ...).
 */
export interface NodeHookArgument {
  label?: string;
  socket?: NodeSocket;
  file?: NodeFile;
  int?: number;
  /** `string_arg`, and `size_arg`/`uint_arg`/`long_arg` written as strings. */
  string?: string;
  /** `bytes_arg`, base64 as Tetragon writes it. */
  bytes?: string;
  credentials?: NodeCredentials;
  module?: NodeKernelModule;
}

/** What a kprobe, tracepoint or LSM hook saw. */
export interface NodeHook {
  /** `function_name` of a kprobe or LSM hook (`tcp_connect`, `security_file_permission`); `<subsys>/<event>` of a tracepoint. */
  functionName: string;
  args: NodeHookArgument[];
  returnArg?: NodeHookArgument;
  /** `KPROBE_ACTION_POST`, `KPROBE_ACTION_SIGKILL`, ... */
  action?: string;
  policyName?: string;
}

/** A Falco alert, with falcosidekick's field names. */
export interface FalcoAlert {
  rule: string;
  /** Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug. */
  priority: string;
  output: string;
  /** `output_fields`: `proc.cmdline`, `container.id`, `k8s.ns.name`, ... Values as Falco wrote them. */
  outputFields: Record<string, string | number | boolean | null>;
  tags: string[];
  /** `syscall`, `k8s_audit`, ... */
  source: string;
  hostname?: string;
  uuid?: string;
}

export interface NodeEvent {
  type: NodeEventType;
  /**
   * Identifies the event within its cluster for duplicate detection and evidence: derived from the process's
   * `exec_id`, the type, the time and the hook (Tetragon events have no id of their own), or Falco's `uuid`.
   */
  id: string;
  /** RFC 3339, as the sensor writes it. */
  time: string;
  nodeName: string;
  /** The acting process. Falco alerts: built from `output_fields` (`proc.exepath`, `proc.cmdline`, `k8s.*`, `container.*`). */
  process: NodeProcess;
  parent?: NodeProcess;
  /** Oldest last as Tetragon lists them (the parent's parent first). Empty when the sensor sent none. */
  ancestors: NodeProcess[];
  /** process_kprobe, process_tracepoint, process_lsm. */
  hook?: NodeHook;
  /** process_exit. */
  exit?: { signal?: string; status?: number };
  /** The book-era network events (`process_connect`, `process_close`, `process_listen`). */
  socket?: NodeSocket;
  /** falco_alert. */
  falco?: FalcoAlert;
  /**
   * Set only on the service's own simulated events: the simulation id and signature the simulation adds at the top
   * level of the raw event (`argus_simulation_id`, `argus_simulation_signature`); verified by ingestion.
   */
  simulation?: { id: string; signature: string };
}

/** One decoded node event with the cluster it belongs to: the unit the detection engine works on. */
export interface NodeRecord {
  signal: 'node';
  event: NodeEvent;
  cluster: ClusterIdentity;
  source: RecordSource;
}
