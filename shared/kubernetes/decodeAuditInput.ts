import { type AuditRecord, type ClusterIdentity, type RecordSource } from './auditEvent';
import { parseClusterResourceId } from './clusterIdentity';
import { isAuditEventLike, normalizeAuditEvent } from './normalizeAuditEvent';
import { SkipReason } from './skipReason';

export interface DecodeAuditInputOptions {
  /** The cluster of raw audit events (webhook, files). Diagnostic records carry their own `resourceId`. */
  cluster?: ClusterIdentity;
  /** Index of the first record, when one input is decoded in pieces (NDJSON read line by line). */
  startIndex?: number;
}

/** A record that could not be used, with the reason and the raw record so the caller can dead-letter it. */
export interface SkippedRecord {
  reason: SkipReason;
  detail: string;
  source: RecordSource;
  raw: unknown;
}

export interface DecodedAuditInput {
  records: AuditRecord[];
  skipped: SkippedRecord[];
  /** The index after the last record seen (for the next piece of the same input). */
  nextIndex: number;
}

/** Diagnostic categories that carry audit events; every other category is counted and skipped. */
export const AUDIT_CATEGORIES: ReadonlySet<string> = new Set(['kube-audit', 'kube-audit-admin']);

/** AKS cuts `properties.log` at 16 KiB; a broken document at least this long was cut, not malformed. */
const TRUNCATION_THRESHOLD_IN_CHARS = 16 * 1024 - 64;

/**
 * Decodes any accepted input form into normalized audit records, telling the forms apart by shape:
 * an Event Hubs message from AKS diagnostic settings (`{"records":[...]}`), one audit `Event` (v1, v1beta1),
 * an `EventList` (audit webhook), a JSON array of either, NDJSON of events or of diagnostic records
 * (storage-account blobs). A leading UTF-8 BOM is ignored. Never throws: what cannot be used is reported.
 *
 * `input` is text, UTF-8 bytes, or a value already parsed from JSON (the Functions host parses JSON bodies).
 */
export function decodeAuditInput(input: unknown, options: DecodeAuditInputOptions = {}): DecodedAuditInput {
  const decoder = new AuditInputDecoder(options);
  decoder.input(input);
  return decoder.result();
}

const utf8 = new TextDecoder('utf-8');

class AuditInputDecoder {
  private readonly records: AuditRecord[] = [];
  private readonly skipped: SkippedRecord[] = [];
  private index: number;
  private lastResourceId: string | undefined;
  private lastCluster: ClusterIdentity | undefined;

  constructor(private readonly options: DecodeAuditInputOptions) {
    this.index = options.startIndex ?? 0;
  }

  result(): DecodedAuditInput {
    return { records: this.records, skipped: this.skipped, nextIndex: this.index };
  }

  input(input: unknown): void {
    if (typeof input === 'string') this.text(input);
    else if (input instanceof Uint8Array) this.text(utf8.decode(input));
    else if (input === undefined || input === null) this.skip(SkipReason.emptyInput, 'no content', input);
    else this.value(input);
  }

  private text(text: string): void {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim() === '') {
      this.skip(SkipReason.emptyInput, 'no content', text);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      this.lines(body);
      return;
    }
    this.value(value);
  }

  /** NDJSON: one JSON document per line; a broken line costs that line only. */
  private lines(body: string): void {
    const lines = body.split('\n');
    if (lines.length === 1) {
      this.skip(SkipReason.invalidJson, 'not JSON or NDJSON', body);
      return;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        this.skip(SkipReason.invalidJson, 'an NDJSON line is not valid JSON', line);
        continue;
      }
      this.value(value);
    }
  }

  private value(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.value(item);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      this.skip(SkipReason.notAnAuditEvent, `a JSON ${value === null ? 'null' : typeof value}, not an object`, value);
      return;
    }
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.records)) {
      for (const record of object.records) this.diagnosticRecord(record);
    } else if (object.kind === 'EventList' && Array.isArray(object.items)) {
      for (const item of object.items) this.auditEvent(item);
    } else if (isAuditEventLike(object)) {
      this.auditEvent(object);
    } else if (typeof object.category === 'string' && ('properties' in object || 'resourceId' in object)) {
      this.diagnosticRecord(object);
    } else {
      this.skip(SkipReason.notAnAuditEvent, 'neither an audit event, an EventList nor a diagnostic record', value);
    }
  }

  /** A raw audit event: its cluster comes from the caller. */
  private auditEvent(value: unknown): void {
    const source: RecordSource = { index: this.index++ };
    this.normalized(value, this.options.cluster, source, value);
  }

  /** One record of the diagnostic-settings envelope; the audit event is the JSON string in `properties.log`. */
  private diagnosticRecord(record: unknown): void {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      this.skip(SkipReason.notAnAuditEvent, 'a diagnostic record must be an object', record);
      return;
    }
    const fields = record as Record<string, unknown>;
    const category = typeof fields.category === 'string' ? fields.category : undefined;
    const source: RecordSource = category === undefined ? { index: this.index++ } : { index: this.index++, category };
    if (category === undefined || !(AUDIT_CATEGORIES.has(category) || AUDIT_CATEGORIES.has(category.toLowerCase()))) {
      this.skipped.push({ reason: SkipReason.otherCategory, detail: `category ${category ?? '(none)'}`, source, raw: record });
      return;
    }
    const properties = fields.properties as Record<string, unknown> | undefined;
    const log = typeof properties === 'object' && properties !== null ? properties.log : undefined;
    let event: unknown = log;
    if (typeof log === 'string') {
      try {
        event = JSON.parse(log);
      } catch {
        const truncated = log.trimEnd().length >= TRUNCATION_THRESHOLD_IN_CHARS;
        this.skipped.push({
          reason: truncated ? SkipReason.truncatedJson : SkipReason.invalidJson,
          detail: truncated ? `properties.log cut at ${log.length} characters` : 'properties.log is not valid JSON',
          source,
          raw: record,
        });
        return;
      }
    } else if (typeof log !== 'object' || log === null) {
      this.skipped.push({ reason: SkipReason.notAnAuditEvent, detail: 'properties.log is missing', source, raw: record });
      return;
    }
    const resourceId = typeof fields.resourceId === 'string' ? fields.resourceId : undefined;
    const cluster = resourceId === undefined ? this.options.cluster : this.clusterOf(resourceId);
    this.normalized(event, cluster, source, record);
  }

  /** The records of one message nearly always share a cluster: parse each resource id once. */
  private clusterOf(resourceId: string): ClusterIdentity | undefined {
    if (resourceId !== this.lastResourceId) {
      this.lastResourceId = resourceId;
      this.lastCluster = parseClusterResourceId(resourceId);
    }
    return this.lastCluster;
  }

  private normalized(value: unknown, cluster: ClusterIdentity | undefined, source: RecordSource, raw: unknown): void {
    const normalized = normalizeAuditEvent(value);
    if (!normalized.ok) {
      this.skipped.push({ reason: normalized.reason, detail: normalized.detail, source, raw });
      return;
    }
    if (cluster === undefined) {
      this.skipped.push({
        reason: SkipReason.missingClusterIdentity,
        detail: 'no usable resourceId and no cluster supplied',
        source,
        raw,
      });
      return;
    }
    this.records.push({ event: normalized.event, cluster, source });
  }

  private skip(reason: SkipReason, detail: string, raw: unknown): void {
    this.skipped.push({ reason, detail, source: { index: this.index++ }, raw });
  }
}
