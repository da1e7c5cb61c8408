import { type ClusterIdentity, type RecordSource } from '../kubernetes/auditEvent';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type SkippedRecord } from '../kubernetes/decodeAuditInput';
import { asObject, type JsonObject } from '../kubernetes/jsonValues';
import { SkipReason } from '../kubernetes/skipReason';
import { nodeClusterIdentityOf } from './nodeClusterIdentity';
import { type NodeRecord } from './nodeEvent';
import { isNodeEventLike, normalizeNodeEvent } from './normalizeNodeEvent';

export interface DecodeNodeInputOptions {
  /** The cluster of records that do not name one (`argus scan --cluster`). A record's own `cluster_resource_id` wins. */
  cluster?: ClusterIdentity;
  /** Index of the first record, when one input is decoded in pieces. */
  startIndex?: number;
}

export interface DecodedNodeInput {
  records: NodeRecord[];
  skipped: SkippedRecord[];
  /** The index after the last record seen (for the next piece of the same input). */
  nextIndex: number;
}

/** A JSON string inside a JSON string inside ... is unwrapped this deep at most. */
const MAX_NESTED_TEXT_DEPTH = 2;
/** Arrays nested deeper than this are no shipper's output: skipped, not followed, so that nesting cannot exhaust the stack. */
const MAX_NESTING_DEPTH = 32;
/** How much of an invalid resource id a skip detail quotes. */
const MAX_QUOTED_CHARS = 200;

/**
 * Decodes one Event Hubs message body (or a file) of node events into records: Tetragon's JSON export lines and
 * falcosidekick alerts, as they arrive from Fluent Bit, Vector or falcosidekick. Accepted forms: a parsed JSON
 * object or array (the Functions host parses JSON bodies), text (one JSON document, a JSON array, or NDJSON: one
 * event per line), UTF-8 bytes (a leading BOM is ignored). Shipper wrappers are unwrapped: Fluent Bit without a JSON
 * parser sends `{"log": "<line>", ...}`, Vector `{"message": "<line>", ...}`; the keys the wrapper adds (the cluster
 * id) still count. Never throws: every record that cannot be used is reported with its reason, index and raw form.
 */
export function decodeNodeInput(body: unknown, options: DecodeNodeInputOptions = {}): DecodedNodeInput {
  const decoder = new NodeInputDecoder(options);
  decoder.input(body);
  return decoder.result();
}

const utf8 = new TextDecoder('utf-8');

class NodeInputDecoder {
  private readonly records: NodeRecord[] = [];
  private readonly skipped: SkippedRecord[] = [];
  private index: number;
  private textDepth = 0;
  private nestingDepth = 0;
  private lastResourceId: string | undefined;
  private lastCluster: ClusterIdentity | undefined;

  constructor(private readonly options: DecodeNodeInputOptions) {
    this.index = options.startIndex ?? 0;
  }

  result(): DecodedNodeInput {
    return { records: this.records, skipped: this.skipped, nextIndex: this.index };
  }

  input(body: unknown): void {
    if (typeof body === 'string') this.text(body);
    else if (body instanceof Uint8Array) this.text(utf8.decode(body));
    else if (body === undefined || body === null) this.skip(SkipReason.emptyInput, 'no content', body);
    else this.value(body);
  }

  private text(text: string): void {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    // Scans, never copies: a message is up to a megabyte, and trim or slice would copy it.
    if (!hasContentFrom(body, 0)) {
      this.skip(SkipReason.emptyInput, 'no content', text);
      return;
    }
    // NDJSON (what shippers send) is told apart by its first line being a whole document with more lines after
    // it: parsing the whole text first would parse that line twice and throw for every message.
    const newline = body.indexOf('\n');
    if (newline > 0 && hasContentFrom(body, newline)) {
      const first = parseLine(body.slice(0, newline));
      if (first.ok) {
        this.value(first.value);
        this.lines(body, newline + 1);
        return;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      this.lines(body, 0);
      return;
    }
    this.value(value);
  }

  /** NDJSON from `start`: one JSON document per line; a broken line costs that line only. */
  private lines(body: string, start: number): void {
    let from = start;
    while (from < body.length) {
      let end = body.indexOf('\n', from);
      if (end < 0) end = body.length;
      if (hasContentBetween(body, from, end)) {
        const line = body.slice(from, end);
        const parsed = parseLine(line);
        if (parsed.ok) this.value(parsed.value);
        else this.skip(parsed.reason, parsed.detail, line);
      }
      from = end + 1;
    }
  }

  private value(value: unknown): void {
    if (this.nestingDepth >= MAX_NESTING_DEPTH) {
      this.skip(SkipReason.notANodeEvent, `arrays nested more than ${MAX_NESTING_DEPTH} deep`, value);
      return;
    }
    this.nestingDepth++;
    this.valueWithin(value);
    this.nestingDepth--;
  }

  private valueWithin(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.value(item);
      return;
    }
    if (typeof value === 'string' && this.textDepth < MAX_NESTED_TEXT_DEPTH && /^\s*[[{]/.test(value)) {
      // A JSON document sent as a JSON string (a shipper that encoded the line twice).
      this.textDepth++;
      this.text(value);
      this.textDepth--;
      return;
    }
    const object = asObject(value);
    if (object === undefined) {
      this.skip(SkipReason.notANodeEvent, `a JSON ${value === null ? 'null' : typeof value}, not an object`, value);
      return;
    }
    this.record(object);
  }

  /** One record: a node event, or a shipper's wrapper around one. */
  private record(object: JsonObject): void {
    const source: RecordSource = { index: this.index++ };
    let event: JsonObject = object;
    let wrapper: JsonObject | undefined;
    if (!isNodeEventLike(object)) {
      const inner = wrappedLine(object);
      if (inner !== undefined) {
        if (!inner.ok) {
          this.skipped.push({ reason: inner.reason, detail: `${inner.key}: ${inner.detail}`, source, raw: object });
          return;
        }
        event = inner.event;
        wrapper = object;
      }
    }
    const normalized = normalizeNodeEvent(event);
    if (!normalized.ok) {
      this.skipped.push({ reason: normalized.reason, detail: normalized.detail, source, raw: object });
      return;
    }
    const identity = nodeClusterIdentityOf(event, wrapper, (resourceId) => this.parseResourceId(resourceId));
    let cluster: ClusterIdentity | undefined;
    if (identity.kind === 'found') cluster = identity.cluster;
    else if (identity.kind === 'invalid') {
      this.skipped.push({
        reason: SkipReason.missingClusterIdentity,
        detail: `cluster_resource_id is not a valid AKS or Arc cluster resource id: ${identity.resourceId.slice(0, MAX_QUOTED_CHARS)}`,
        source,
        raw: object,
      });
      return;
    } else cluster = this.options.cluster;
    if (cluster === undefined) {
      this.skipped.push({ reason: SkipReason.missingClusterIdentity, detail: 'no cluster_resource_id on the record and no cluster supplied', source, raw: object });
      return;
    }
    this.records.push({ signal: 'node', event: normalized.event, cluster, source });
  }

  /** The records of one message nearly always share a cluster: parse each resource id once. */
  private parseResourceId(resourceId: string): ClusterIdentity | undefined {
    if (resourceId !== this.lastResourceId) {
      this.lastResourceId = resourceId;
      this.lastCluster = parseClusterResourceId(resourceId);
    }
    return this.lastCluster;
  }

  private skip(reason: SkipReason, detail: string, raw: unknown): void {
    this.skipped.push({ reason, detail, source: { index: this.index++ }, raw });
  }
}

const NON_SPACE = /\S/g;

/** Whether the text has a non-white-space character at or after `start`. */
function hasContentFrom(text: string, start: number): boolean {
  NON_SPACE.lastIndex = start;
  return NON_SPACE.test(text);
}

/** Whether the text has a non-white-space character in `[start, end)`. */
function hasContentBetween(text: string, start: number, end: number): boolean {
  NON_SPACE.lastIndex = start;
  return NON_SPACE.test(text) && NON_SPACE.lastIndex <= end;
}

type LineParse = { ok: true; value: unknown } | { ok: false; reason: SkipReason; detail: string };

function parseLine(line: string): LineParse {
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch {
    return looksCutShort(line)
      ? { ok: false, reason: SkipReason.truncatedJson, detail: `a JSON document cut short after ${line.length} characters` }
      : { ok: false, reason: SkipReason.invalidJson, detail: 'not valid JSON' };
  }
}

type Unwrapped = { ok: true; event: JsonObject } | { ok: false; key: string; reason: SkipReason; detail: string };

/** The event inside Fluent Bit's `log` or Vector's `message` (a JSON line, or an object when a parser ran); undefined when neither holds one. */
function wrappedLine(object: JsonObject): Unwrapped | undefined {
  for (const key of ['log', 'message']) {
    const value = object[key];
    const nested = asObject(value);
    if (nested !== undefined) return { ok: true, event: nested };
    if (typeof value !== 'string' || !/^\s*\{/.test(value)) continue;
    const parsed = parseLine(value.trim());
    if (!parsed.ok) return { key, ...parsed };
    const event = asObject(parsed.value);
    if (event === undefined) return { ok: false, key, reason: SkipReason.notANodeEvent, detail: 'not a JSON object' };
    return { ok: true, event };
  }
  return undefined;
}

/**
 * Whether broken JSON is a valid document cut short (a shipper's size cap, a torn write) rather than malformed:
 * it starts like an object or array and ends inside a string or with brackets still open.
 */
export function looksCutShort(text: string): boolean {
  const body = text.trim();
  if (body[0] !== '{' && body[0] !== '[') return false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const char of body) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth < 0) return false;
      if (depth === 0) return false; // closed: whatever is broken is not the end
    }
  }
  return inString || depth > 0;
}
