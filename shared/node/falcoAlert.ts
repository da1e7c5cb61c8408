import { asArray, asObject, type JsonObject } from '../kubernetes/jsonValues';
import { SkipReason } from '../kubernetes/skipReason';
import { type FalcoAlert, type NodeContainer, type NodeEvent, NodeEventType, type NodePod, type NodeProcess } from './nodeEvent';
import { falcoAlertId } from './nodeEventId';
import { asNumber, asText, isRfc3339 } from './nodeJsonFields';

/**
 * A Falco alert as falcosidekick forwards it (`types.FalcoPayload`: `uuid`, `output`, `priority`, `rule`, `time`,
 * `output_fields`, `source`, `tags`, `hostname`) into a NodeEvent. The acting process, its parent and ancestors,
 * pod and container are rebuilt from `output_fields` (Falco's field names: `proc.exepath`, `proc.cmdline`,
 * `proc.aname[2]`, `k8s.ns.name`, `container.image.repository`, ...), as far as the rule's output lists them.
 */

export type FalcoNormalization = { ok: true; event: NodeEvent } | { ok: false; reason: SkipReason; detail: string };

type FieldValue = string | number | boolean | null;

/** Whether the object has the shape of a Falco alert: `rule` and `priority`, with `output` or `output_fields`. */
export function isFalcoAlertLike(raw: JsonObject): boolean {
  return 'rule' in raw && 'priority' in raw && ('output' in raw || 'output_fields' in raw);
}

/** How many ancestors beyond the parent are read (`proc.aname[2]` .. `proc.aname[6]`): Falco rules list at most a few. */
const MAX_ANCESTOR_LEVEL = 6;

export function normalizeFalcoAlert(raw: JsonObject): FalcoNormalization {
  const rule = asText(raw.rule);
  const priority = asText(raw.priority);
  const output = typeof raw.output === 'string' ? raw.output : undefined;
  if (rule === undefined) return invalid('rule is missing');
  if (priority === undefined) return invalid('priority is missing');
  if (output === undefined) return invalid('output is missing');
  if (raw.time === undefined) return invalid('time is missing');
  if (!isRfc3339(raw.time)) return invalid('time is not an RFC 3339 timestamp');
  const time = raw.time;
  if (raw.output_fields !== undefined && raw.output_fields !== null && asObject(raw.output_fields) === undefined) {
    return invalid('output_fields must be an object');
  }
  const outputFields = outputFieldsOf(asObject(raw.output_fields));
  const hostname = asText(raw.hostname) ?? textField(outputFields, 'evt.hostname');
  const uuid = asText(raw.uuid);
  const falco: FalcoAlert = {
    rule,
    priority,
    output,
    outputFields,
    tags: asArray(raw.tags).filter((tag): tag is string => typeof tag === 'string'),
    source: asText(raw.source) ?? 'syscall',
  };
  if (hostname !== undefined) falco.hostname = hostname;
  if (uuid !== undefined) falco.uuid = uuid;

  const process = actingProcessOf(outputFields);
  const parent = parentOf(outputFields);
  const event: NodeEvent = {
    type: NodeEventType.falcoAlert,
    id: falcoAlertId({ rule, time, output, ...(uuid === undefined ? {} : { uuid }), ...(hostname === undefined ? {} : { hostname }) }),
    time,
    nodeName: hostname ?? '',
    process,
    ancestors: ancestorsOf(outputFields),
    falco,
  };
  if (parent !== undefined) event.parent = parent;
  return { ok: true, event };
}

/** Keeps the scalar values; a list (some newer fields) is written as JSON text, anything else is dropped. */
function outputFieldsOf(fields: JsonObject | undefined): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value)) out[key] = JSON.stringify(value);
  }
  return out;
}

function actingProcessOf(fields: Record<string, FieldValue>): NodeProcess {
  const name = textField(fields, 'proc.name');
  const process: NodeProcess = {
    binary: textField(fields, 'proc.exepath') ?? textField(fields, 'proc.exe') ?? name ?? '',
    arguments: argumentsOf(textField(fields, 'proc.cmdline'), name) ?? textField(fields, 'proc.args') ?? '',
  };
  setNumber(process, 'pid', fields['proc.pid']);
  setNumber(process, 'uid', fields['user.uid']);
  setNumber(process, 'tid', fields['thread.tid']);
  setNumber(process, 'auid', fields['user.loginuid']);
  const cwd = textField(fields, 'proc.cwd');
  if (cwd !== undefined) process.cwd = cwd;
  const pod = podOf(fields);
  if (pod !== undefined) process.pod = pod;
  return process;
}

function parentOf(fields: Record<string, FieldValue>): NodeProcess | undefined {
  const name = textField(fields, 'proc.pname') ?? textField(fields, 'proc.aname[1]');
  const binary = textField(fields, 'proc.pexepath') ?? textField(fields, 'proc.aexepath[1]') ?? name;
  if (binary === undefined) return undefined;
  const parent: NodeProcess = { binary, arguments: argumentsOf(textField(fields, 'proc.pcmdline'), name) ?? '' };
  setNumber(parent, 'pid', fields['proc.ppid'] ?? fields['proc.apid[1]']);
  const pod = podOf(fields);
  if (pod !== undefined) parent.pod = pod;
  return parent;
}

/** `proc.aname[2]`, `proc.aname[3]`, ... (the parent's parent first), up to the first level the output does not list. */
function ancestorsOf(fields: Record<string, FieldValue>): NodeProcess[] {
  const ancestors: NodeProcess[] = [];
  for (let level = 2; level <= MAX_ANCESTOR_LEVEL; level++) {
    const binary = textField(fields, `proc.aexepath[${level}]`) ?? textField(fields, `proc.aname[${level}]`);
    if (binary === undefined) break;
    const ancestor: NodeProcess = { binary, arguments: '' };
    setNumber(ancestor, 'pid', fields[`proc.apid[${level}]`]);
    ancestors.push(ancestor);
  }
  return ancestors;
}

/** The pod from `k8s.ns.name` and `k8s.pod.name`; a container of the host (`container.id` `host`) has none. */
function podOf(fields: Record<string, FieldValue>): NodePod | undefined {
  const namespace = textField(fields, 'k8s.ns.name');
  const name = textField(fields, 'k8s.pod.name');
  if (namespace === undefined || name === undefined) return undefined;
  const pod: NodePod = { namespace, name, podLabels: {} };
  const container = containerOf(fields);
  if (container !== undefined) pod.container = container;
  return pod;
}

function containerOf(fields: Record<string, FieldValue>): NodeContainer | undefined {
  const id = textField(fields, 'container.id');
  if (id === 'host') return undefined;
  const name = textField(fields, 'container.name');
  const repository = textField(fields, 'container.image.repository');
  const tag = textField(fields, 'container.image.tag');
  const imageName = repository === undefined ? textField(fields, 'container.image') : tag === undefined ? repository : `${repository}:${tag}`;
  const digest = textField(fields, 'container.image.digest');
  if (id === undefined && name === undefined && imageName === undefined) return undefined;
  const container: NodeContainer = {};
  if (id !== undefined) container.id = id;
  if (name !== undefined) container.name = name;
  if (imageName !== undefined || digest !== undefined) {
    container.image = {};
    if (imageName !== undefined) container.image.name = imageName;
    if (digest !== undefined) container.image.id = repository === undefined ? digest : `${repository}@${digest}`;
  }
  return container;
}

/** Falco's `proc.cmdline` is the process name and its arguments (`bash -c ls`); the model keeps the arguments. */
function argumentsOf(cmdline: string | undefined, name: string | undefined): string | undefined {
  if (cmdline === undefined) return undefined;
  if (name !== undefined && cmdline === name) return '';
  if (name !== undefined && cmdline.startsWith(`${name} `)) return cmdline.slice(name.length + 1);
  const space = cmdline.indexOf(' ');
  return space < 0 ? '' : cmdline.slice(space + 1);
}

/** A text field; Falco writes `<NA>` (or null) for a value it does not know. */
function textField(fields: Record<string, FieldValue>, key: string): string | undefined {
  const value = fields[key];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '' || value === '<NA>' || value === 'N/A') return undefined;
  return value;
}

function setNumber(process: NodeProcess, key: 'pid' | 'uid' | 'tid' | 'auid', value: FieldValue | undefined): void {
  const number = asNumber(value);
  if (number !== undefined) process[key] = number;
}

function invalid(detail: string): FalcoNormalization {
  return { ok: false, reason: SkipReason.invalidNodeEvent, detail };
}
