import { asArray, asObject, type JsonObject } from '../kubernetes/jsonValues';
import { SkipReason } from '../kubernetes/skipReason';
import {
  type NodeBinaryProperties,
  type NodeContainer,
  type NodeCredentials,
  type NodeEvent,
  NodeEventType,
  type NodeFile,
  type NodeHook,
  type NodeHookArgument,
  type NodeKernelModule,
  type NodePod,
  type NodeProcess,
  type NodeSocket,
} from './nodeEvent';
import { tetragonEventId } from './nodeEventId';
import { asNumber, asText, isRfc3339 } from './nodeJsonFields';

/**
 * Cilium Tetragon's `GetEventsResponse` (one line of its JSON export) into a NodeEvent. The event is the one
 * field of the response's `oneof event` that is set, named after its type (`process_exec`, `process_kprobe`, ...),
 * beside `node_name` and `time` (api/v1/tetragon/events.proto).
 */

export type TetragonNormalization = { ok: true; event: NodeEvent } | { ok: false; reason: SkipReason; detail: string };

/** The event types Argus reads, as the response field that carries each. */
export const TETRAGON_EVENT_TYPES = [
  NodeEventType.processExec,
  NodeEventType.processExit,
  NodeEventType.processKprobe,
  NodeEventType.processTracepoint,
  NodeEventType.processLsm,
  NodeEventType.processConnect,
  NodeEventType.processClose,
  NodeEventType.processListen,
] as const;
type TetragonEventType = (typeof TETRAGON_EVENT_TYPES)[number];

/**
 * Tetragon event types Argus does not read: counted and sampled by the pipeline, not dead-lettered one by one.
 * Any other `process_*` field beside `node_name`/`time` counts as one too (newer sensors add types).
 */
export const UNSUPPORTED_TETRAGON_EVENT_TYPES: readonly string[] = [
  'process_loader',
  'process_uprobe',
  'process_usdt',
  'process_throttle',
  'rate_limit_info',
  'test',
  'process_dns',
  'process_http',
];

const SUPPORTED: ReadonlySet<string> = new Set(TETRAGON_EVENT_TYPES);
const UNSUPPORTED: ReadonlySet<string> = new Set(UNSUPPORTED_TETRAGON_EVENT_TYPES);

/** The type key of a Tetragon event (supported or not), or undefined when the object is not one. */
export function tetragonEventTypeOf(raw: JsonObject): string | undefined {
  for (const type of TETRAGON_EVENT_TYPES) if (type in raw) return type;
  for (const type of UNSUPPORTED_TETRAGON_EVENT_TYPES) if (type in raw) return type;
  if (!('node_name' in raw) && !('time' in raw)) return undefined;
  return Object.keys(raw).find((key) => key.startsWith('process_') && asObject(raw[key]) !== undefined);
}

export function normalizeTetragonEvent(raw: JsonObject): TetragonNormalization {
  const type = tetragonEventTypeOf(raw);
  if (type === undefined) return invalid('no Tetragon event type field (process_exec, process_kprobe, ...)');
  if (!SUPPORTED.has(type)) {
    return { ok: false, reason: SkipReason.unsupportedNodeEventType, detail: `Tetragon ${type} events are not read${UNSUPPORTED.has(type) ? '' : ' (unknown type)'}` };
  }
  const body = asObject(raw[type]);
  if (body === undefined) return invalid(`${type} must be an object`);
  const process = processOf(asObject(body.process));
  if (process === undefined || process.binary === '') return invalid(`${type}.process.binary is missing`);
  const nodeName = asText(raw.node_name);
  if (nodeName === undefined) return invalid('node_name is missing');
  if (raw.time === undefined) return invalid('time is missing');
  if (!isRfc3339(raw.time)) return invalid('time is not an RFC 3339 timestamp');
  const time = raw.time;

  const parent = processOf(asObject(body.parent));
  const ancestors = asArray(body.ancestors).flatMap((item) => processOf(asObject(item)) ?? []);
  const event: NodeEvent = { type: type as TetragonEventType, id: '', time, nodeName, process, ancestors };
  if (parent !== undefined) event.parent = parent;

  const detail = detailOf(type as TetragonEventType, body, event);
  if (detail !== undefined) return invalid(detail);
  event.id = tetragonEventId({
    type,
    binary: process.binary,
    time,
    nodeName,
    execId: process.execId,
    pid: process.pid,
    hook: event.hook?.functionName,
    args: event.hook === undefined ? undefined : asArray(body.args),
  });
  return { ok: true, event };
}

/** Fills the type-specific part of the event; returns what is wrong, if anything. */
function detailOf(type: TetragonEventType, body: JsonObject, event: NodeEvent): string | undefined {
  switch (type) {
    case NodeEventType.processExec:
      return undefined;
    case NodeEventType.processExit: {
      const signal = asText(body.signal);
      const status = asNumber(body.status);
      event.exit = { ...(signal === undefined ? {} : { signal }), ...(status === undefined ? {} : { status }) };
      return undefined;
    }
    case NodeEventType.processKprobe:
    case NodeEventType.processLsm: {
      const functionName = asText(body.function_name);
      if (functionName === undefined) return `${type}.function_name is missing`;
      event.hook = hookOf(functionName, body);
      return undefined;
    }
    case NodeEventType.processTracepoint: {
      const subsys = asText(body.subsys);
      const name = asText(body.event);
      if (subsys === undefined || name === undefined) return `${type}.subsys and ${type}.event are required`;
      event.hook = hookOf(`${subsys}/${name}`, body);
      return undefined;
    }
    case NodeEventType.processConnect:
    case NodeEventType.processClose:
    case NodeEventType.processListen:
      event.socket = defined<NodeSocket>({
        protocol: asText(body.protocol),
        saddr: asText(body.source_ip),
        sport: asNumber(body.source_port),
        daddr: asText(body.destination_ip),
        dport: asNumber(body.destination_port),
      });
      return undefined;
  }
}

function hookOf(functionName: string, body: JsonObject): NodeHook {
  const hook: NodeHook = { functionName, args: asArray(body.args).map(hookArgumentOf) };
  const returned = asObject(body.return);
  if (returned !== undefined) hook.returnArg = hookArgumentOf(returned);
  const action = asText(body.action);
  if (action !== undefined) hook.action = action;
  const policyName = asText(body.policy_name);
  if (policyName !== undefined) hook.policyName = policyName;
  return hook;
}

/** One `KprobeArgument`: the one typed field that is set (`sock_arg`, `file_arg`, `int_arg`, ...) and its `label`. */
export function hookArgumentOf(value: unknown): NodeHookArgument {
  const arg = asObject(value) ?? {};
  const out: NodeHookArgument = {};
  const label = asText(arg.label);
  if (label !== undefined) out.label = label;
  const socket = asObject(arg.sock_arg) ?? asObject(arg.skb_arg);
  const file = asObject(arg.file_arg) ?? asObject(arg.path_arg) ?? asObject(arg.linux_binprm_arg);
  const credentials = asObject(arg.process_credentials_arg);
  const module = asObject(arg.module_arg);
  if (socket !== undefined) out.socket = socketOf(socket);
  else if (file !== undefined) {
    const path = typeof file.path === 'string' ? file.path : '';
    out.file = defined<NodeFile>({ path, permission: asText(file.permission), flags: asText(file.flags) });
  } else if (arg.int_arg !== undefined && asNumber(arg.int_arg) !== undefined) out.int = asNumber(arg.int_arg);
  else if (typeof arg.string_arg === 'string') out.string = arg.string_arg;
  else if (arg.uint_arg !== undefined || arg.size_arg !== undefined || arg.long_arg !== undefined) {
    out.string = scalarText(arg.uint_arg ?? arg.size_arg ?? arg.long_arg);
  } else if (typeof arg.bytes_arg === 'string') out.bytes = arg.bytes_arg;
  else if (asObject(arg.truncated_bytes_arg) !== undefined) out.bytes = asText(asObject(arg.truncated_bytes_arg)?.bytes_arg) ?? '';
  else if (credentials !== undefined) out.credentials = credentialsOf(credentials);
  else if (module !== undefined) out.module = moduleOf(module);
  else if (asObject(arg.capability_arg) !== undefined) {
    // A capability (cap_capable): its name, e.g. CAP_SYS_ADMIN, as the argument's text.
    const name = asText(asObject(arg.capability_arg)?.name);
    if (name !== undefined) out.string = name;
  } else if (asObject(arg.net_dev_arg) !== undefined) {
    const name = asText(asObject(arg.net_dev_arg)?.name);
    if (name !== undefined) out.string = name;
  }
  return out;
}

function socketOf(sock: JsonObject): NodeSocket {
  return defined<NodeSocket>({
    family: asText(sock.family),
    type: asText(sock.type),
    protocol: asText(sock.protocol) ?? asText(sock.proto),
    saddr: asText(sock.saddr),
    daddr: asText(sock.daddr),
    sport: asNumber(sock.sport),
    dport: asNumber(sock.dport),
    state: asText(sock.state),
  });
}

function credentialsOf(credentials: JsonObject): NodeCredentials {
  return defined<NodeCredentials>({
    uid: asNumber(credentials.uid),
    gid: asNumber(credentials.gid),
    euid: asNumber(credentials.euid),
    egid: asNumber(credentials.egid),
    suid: asNumber(credentials.suid),
    sgid: asNumber(credentials.sgid),
    fsuid: asNumber(credentials.fsuid),
    fsgid: asNumber(credentials.fsgid),
  });
}

function moduleOf(module: JsonObject): NodeKernelModule {
  const out: NodeKernelModule = {
    name: typeof module.name === 'string' ? module.name : '',
    tainted: asArray(module.tainted).filter((item): item is string => typeof item === 'string'),
  };
  if (typeof module.signature_ok === 'boolean') out.signatureOk = module.signature_ok;
  return out;
}

/** A Tetragon `Process`; undefined when the value is not an object or describes nothing (`{}`). */
export function processOf(process: JsonObject | undefined): NodeProcess | undefined {
  if (process === undefined) return undefined;
  const binary = typeof process.binary === 'string' ? process.binary : '';
  const execId = asText(process.exec_id);
  const pid = asNumber(process.pid);
  if (binary === '' && execId === undefined && pid === undefined) return undefined;
  // One literal with every field (absent ones undefined): one object shape for every process, no copying. Optional
  // fields read as absent either way, and JSON leaves undefined out.
  const out: NodeProcess = {
    execId,
    pid,
    uid: asNumber(process.uid),
    cwd: asText(process.cwd),
    binary,
    arguments: argumentsOf(process.arguments),
    flags: asText(process.flags),
    startTime: asText(process.start_time),
    auid: asNumber(process.auid),
    parentExecId: asText(process.parent_exec_id),
    tid: asNumber(process.tid),
  };
  const pod = podOf(asObject(process.pod));
  if (pod !== undefined) out.pod = pod;
  const credentials = asObject(process.process_credentials);
  if (credentials !== undefined) out.credentials = credentialsOf(credentials);
  if (typeof process.in_init_tree === 'boolean') out.inInitTree = process.in_init_tree;
  const binaryProperties = binaryPropertiesOf(asObject(process.binary_properties));
  if (binaryProperties !== undefined) out.binaryProperties = binaryProperties;
  return out;
}

/** Tetragon's "no id" (`proc.InvalidUid`, 2^32 - 1): what it holds in `setuid`/`setgid` when the file set none. */
const INVALID_ID = 4294967295;

/** `ProcessPrivilegesChanged` by number, for exporters that write enums as numbers. */
const PRIVILEGE_CHANGES = ['PRIVILEGES_CHANGED_UNSET', 'PRIVILEGES_RAISED_EXEC_FILE_CAP', 'PRIVILEGES_RAISED_EXEC_FILE_SETUID', 'PRIVILEGES_RAISED_EXEC_FILE_SETGID'];

function privilegeChangeOf(value: unknown): string | undefined {
  const name = typeof value === 'number' ? PRIVILEGE_CHANGES[value] : asText(value);
  return name === undefined || name === 'PRIVILEGES_CHANGED_UNSET' ? undefined : name;
}

/**
 * `binary_properties`: `setuid`/`setgid` (UInt32Value, so 0 is written), `privileges_changed` (enum names), and
 * `file` with `inode { number (uint64, a string), links }` and `path`. Undefined when it says nothing.
 */
function binaryPropertiesOf(properties: JsonObject | undefined): NodeBinaryProperties | undefined {
  if (properties === undefined) return undefined;
  const id = (value: unknown): number | undefined => {
    const number = asNumber(value);
    return number === INVALID_ID ? undefined : number;
  };
  const out: NodeBinaryProperties = defined<NodeBinaryProperties>({
    setuid: id(properties.setuid),
    setgid: id(properties.setgid),
    privilegesChanged: asArray(properties.privileges_changed).flatMap((item) => privilegeChangeOf(item) ?? []),
    file: undefined,
  });
  const file = asObject(properties.file);
  if (file !== undefined) out.file = defined({ path: asText(file.path), links: asNumber(asObject(file.inode)?.links) });
  const empty = out.setuid === undefined && out.setgid === undefined && out.privilegesChanged.length === 0 && out.file === undefined;
  return empty ? undefined : out;
}

/** Tetragon writes the arguments as one string; a list (some converters) is joined the same way. */
function argumentsOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item) => typeof item === 'string').join(' ');
  return '';
}

function podOf(pod: JsonObject | undefined): NodePod | undefined {
  if (pod === undefined) return undefined;
  const namespace = asText(pod.namespace);
  const name = asText(pod.name);
  if (namespace === undefined && name === undefined) return undefined;
  const out: NodePod = { namespace: namespace ?? '', name: name ?? '', podLabels: podLabelsOf(pod) };
  const container = containerOf(asObject(pod.container));
  if (container !== undefined) out.container = container;
  const workload = asText(pod.workload);
  if (workload !== undefined) out.workload = workload;
  const workloadKind = asText(pod.workload_kind);
  if (workloadKind !== undefined) out.workloadKind = workloadKind;
  return out;
}

/** `pod_labels` (a map), or the book-era `labels` list of `k8s:<key>=<value>` (Cilium's label form). */
function podLabelsOf(pod: JsonObject): Record<string, string> {
  const labels: Record<string, string> = {};
  const map = asObject(pod.pod_labels);
  if (map !== undefined) {
    // The parsed map itself when every value is a string (always, from Tetragon): no copy per process.
    let clean = true;
    for (const key in map) if (typeof map[key] !== 'string') clean = false;
    if (clean) return map as Record<string, string>;
    for (const key in map) {
      const value = map[key];
      if (typeof value === 'string') labels[key] = value;
    }
    return labels;
  }
  for (const item of asArray(pod.labels)) {
    if (typeof item !== 'string') continue;
    const match = /^(?:k8s:)?([^=]+)=(.*)$/.exec(item);
    if (match?.[1] !== undefined && !match[1].startsWith('io.cilium.') && !match[1].startsWith('io.kubernetes.')) labels[match[1]] = match[2] ?? '';
  }
  return labels;
}

function containerOf(container: JsonObject | undefined): NodeContainer | undefined {
  if (container === undefined) return undefined;
  const image = asObject(container.image);
  const out: NodeContainer = {
    id: asText(container.id),
    name: asText(container.name),
    startTime: asText(container.start_time),
    pid: asNumber(container.pid),
  };
  if (image !== undefined) out.image = { id: asText(image.id), name: asText(image.name) };
  if (typeof container.maybe_exec_probe === 'boolean') out.maybeExecProbe = container.maybe_exec_probe;
  return out;
}

function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** The object without its undefined properties (exactOptionalPropertyTypes-friendly, and cleaner evidence). */
function defined<T extends object>(object: { [K in keyof T]: T[K] | undefined }): T {
  // A for-in loop, not Object.entries: no arrays per call (this runs several times per event); a new object rather
  // than deletes, which would turn the event's objects into slow dictionaries for every rule after.
  const out: Record<string, unknown> = {};
  const source = object as Record<string, unknown>;
  for (const key in source) {
    const value = source[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

function invalid(detail: string): TetragonNormalization {
  return { ok: false, reason: SkipReason.invalidNodeEvent, detail };
}
