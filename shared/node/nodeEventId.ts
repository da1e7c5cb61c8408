/**
 * Ids are 64-bit FNV-1a hashes (two independent 32-bit lanes) in base-36: unique enough to tell a node's events
 * apart within an alert's evidence and a batch's duplicate check, and ten times cheaper than a cryptographic hash
 * on every event. Nothing security-relevant depends on them: they are not secrets and not signatures.
 */
export interface TetragonEventIdParts {
  type: string;
  execId?: string | undefined;
  /** The process's pid and binary, for events whose process has no `exec_id` (field filters can remove it). */
  pid?: number | undefined;
  binary: string;
  time: string;
  nodeName: string;
  /** `function_name` (kprobe, LSM) or `<subsys>/<event>` (tracepoint). */
  hook?: string | undefined;
  /** The raw arguments of the hook: two hits of one hook on one process at the same time differ only here. */
  args?: readonly unknown[] | undefined;
}

/**
 * The id of a Tetragon event, which has none of its own: a short hash of what tells two events apart (type, the
 * process's exec id, the time, the hook and its first arguments). The same raw event always gets the same id, so a
 * re-delivered event is recognized as a duplicate.
 */
export function tetragonEventId(parts: TetragonEventIdParts): string {
  const process = parts.execId ?? `${parts.nodeName}:${parts.pid ?? ''}:${parts.binary}`;
  // The raw arguments as received (a re-delivered event is the same bytes): JSON.stringify is native and fast.
  const args = parts.args === undefined || parts.args.length === 0 ? '' : JSON.stringify(parts.args.length > 2 ? parts.args.slice(0, 2) : parts.args);
  return shortHash(`tetragon\n${parts.type}\n${process}\n${parts.time}\n${parts.hook ?? ''}\n${args}`);
}

/** The id of a Falco alert: falcosidekick's `uuid` when it sent one, else a hash of the alert. */
export function falcoAlertId(alert: { uuid?: string; rule: string; time: string; hostname?: string; output: string }): string {
  if (alert.uuid !== undefined && alert.uuid !== '') return alert.uuid;
  return shortHash(['falco', alert.rule, alert.time, alert.hostname ?? '', alert.output].join('\n'));
}

function shortHash(text: string): string {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(high ^ code ^ (low >>> 24), 0x01000193);
  }
  return `${(high >>> 0).toString(36).padStart(7, '0')}${(low >>> 0).toString(36).padStart(7, '0')}`;
}
