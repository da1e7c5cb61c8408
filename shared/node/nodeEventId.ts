import { createHash } from 'node:crypto';

/** Length of the ids made here: 128 bits of SHA-256 in base64url. */
const ID_LENGTH = 22;

export interface TetragonEventIdParts {
  type: string;
  execId?: string;
  /** The process's pid and binary, for events whose process has no `exec_id` (field filters can remove it). */
  pid?: number;
  binary: string;
  time: string;
  nodeName: string;
  /** `function_name` (kprobe, LSM) or `<subsys>/<event>` (tracepoint). */
  hook?: string;
  /** The raw arguments of the hook: two hits of one hook on one process at the same time differ only here. */
  args?: readonly unknown[];
}

/**
 * The id of a Tetragon event, which has none of its own: a short hash of what tells two events apart (type, the
 * process's exec id, the time, the hook and its first arguments). The same raw event always gets the same id, so a
 * re-delivered event is recognized as a duplicate.
 */
export function tetragonEventId(parts: TetragonEventIdParts): string {
  const process = parts.execId ?? `${parts.nodeName}:${parts.pid ?? ''}:${parts.binary}`;
  const args = parts.args === undefined ? '' : stableJson(parts.args.slice(0, 2));
  return shortHash(['tetragon', parts.type, process, parts.time, parts.hook ?? '', args].join('\n'));
}

/** The id of a Falco alert: falcosidekick's `uuid` when it sent one, else a hash of the alert. */
export function falcoAlertId(alert: { uuid?: string; rule: string; time: string; hostname?: string; output: string }): string {
  if (alert.uuid !== undefined && alert.uuid !== '') return alert.uuid;
  return shortHash(['falco', alert.rule, alert.time, alert.hostname ?? '', alert.output].join('\n'));
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, ID_LENGTH);
}

/** JSON with object keys sorted, so that a shipper reordering keys does not change the id. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
