import { type AuditEvent, type AuditRecord, type ClusterIdentity, type RecordSource } from './auditEvent';
import { parseClusterResourceId } from './clusterIdentity';
import {
  asCloudWatchLogsMessage,
  awsLogsDataOf,
  CLOUDWATCH_CONTROL_MESSAGE,
  CLOUDWATCH_DATA_MESSAGE,
  type CloudWatchLogsMessage,
  type Decompressed,
  gunzipBase64Text,
  gunzipText,
  isGzip,
  looksLikeBase64Gzip,
} from './cloudWatchLogs';
import { auditEventOfElasticDocument, sourceOfElasticHit } from './elasticAuditDocument';
import { asObject } from './jsonValues';
import { isAuditEventLike, normalizeAuditEvent } from './normalizeAuditEvent';
import { RepairReason } from './repairReason';
import { scanAuditEvent } from './scanAuditEvent';
import { SkipReason } from './skipReason';

export interface DecodeAuditInputOptions {
  /** The cluster of raw audit events (webhook, files). Diagnostic records carry their own `resourceId`. */
  cluster?: ClusterIdentity;
  /** Index of the first record, when one input is decoded in pieces (NDJSON read line by line). */
  startIndex?: number;
  /**
   * Read diagnostic records' events with the selective decoder ({@link scanAuditEvent}) instead of parsing each in full
   * (`JSON.parse`, then normalization). The results are the same (the differential tests hold them together), but on
   * Node 20 it is not faster: validating JSON in JavaScript costs what V8's native parse costs, and the rules read the
   * bodies of the writes that carry most bytes. Off by default; the benchmark reports both.
   */
  selective?: boolean;
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
  /** Usable events that needed at least one repair (a trimmed field, a pipeline's wrapper). */
  repairedEvents: number;
  /** Repairs by reason, each counted once per usable event that needed it. */
  repaired: Partial<Record<RepairReason, number>>;
  /** The index after the last record seen (for the next piece of the same input). */
  nextIndex: number;
}

/** Diagnostic categories that carry audit events; every other category is counted and skipped. */
export const AUDIT_CATEGORIES: ReadonlySet<string> = new Set(['kube-audit', 'kube-audit-admin']);

const NO_CLUSTER = 'no usable resourceId and no cluster supplied';
/** AKS cuts `properties.log` at 16 KiB; a broken document at least this long was cut, not malformed. */
const TRUNCATION_THRESHOLD_IN_CHARS = 16 * 1024 - 64;
/** gzip inside gzip this deep is not followed (a subscription payload is compressed once; a Lambda event wraps it once more at most). */
const MAX_DECOMPRESSION_DEPTH = 2;
/**
 * Arrays and wrappers (hits, Elastic sources) nested deeper than this are no writer's output (an array of messages of
 * records is two deep): skipped, not followed, so that nesting cannot exhaust the stack.
 */
const MAX_NESTING_DEPTH = 32;

/**
 * Decodes any accepted input form into normalized audit records, telling the forms apart by shape:
 * an Event Hubs message from AKS diagnostic settings (`{"records":[...]}`), one audit `Event` (v1, v1beta1),
 * an `EventList` (audit webhook), a JSON array of either, NDJSON of events or of diagnostic records
 * (storage-account blobs). A leading UTF-8 BOM is ignored. Never throws: what cannot be used is reported.
 *
 * Audit logs that went through a log pipeline are decoded too, and every repair is counted by reason:
 * events without `kind`/`apiVersion`, `auditID`, `stage` or `user`, with times in other formats or vendor
 * fields (see normalizeAuditEvent); EKS's CloudWatch Logs payloads (plain, base64 `awslogs.data`, bare
 * base64 or gzip bytes); Elastic `kubernetes.audit` documents (and Elasticsearch hits); Splunk export rows.
 *
 * `input` is text, UTF-8 bytes (gzip too), or a value already parsed from JSON (the Functions host parses JSON bodies).
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
  private readonly repaired: Partial<Record<RepairReason, number>> = {};
  private repairedEvents = 0;
  private decompressionDepth = 0;
  private nestingDepth = 0;
  private index: number;
  private lastResourceId: string | undefined;
  private lastCluster: ClusterIdentity | undefined;

  constructor(private readonly options: DecodeAuditInputOptions) {
    this.index = options.startIndex ?? 0;
  }

  result(): DecodedAuditInput {
    return { records: this.records, skipped: this.skipped, repairedEvents: this.repairedEvents, repaired: this.repaired, nextIndex: this.index };
  }

  input(input: unknown): void {
    if (typeof input === 'string') this.text(input);
    else if (input instanceof Uint8Array) {
      if (isGzip(input)) this.decompressed(gunzipText(input), input);
      else this.text(utf8.decode(input));
    } else if (input === undefined || input === null) this.skip(SkipReason.emptyInput, 'no content', input);
    else this.value(input);
  }

  private text(text: string): void {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim() === '') {
      this.skip(SkipReason.emptyInput, 'no content', text);
      return;
    }
    // JSON never starts with a letter: this is base64 of gzip data (a CloudWatch Logs subscription payload).
    if (body.charCodeAt(0) === 0x48 /* H */ && looksLikeBase64Gzip(body)) {
      this.decompressed(gunzipBase64Text(body), text);
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
    if (this.nestingDepth >= MAX_NESTING_DEPTH) {
      this.skip(SkipReason.notAnAuditEvent, `arrays or wrappers nested more than ${MAX_NESTING_DEPTH} deep`, value);
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
    if (typeof value === 'string' && looksLikeBase64Gzip(value)) {
      this.decompressed(gunzipBase64Text(value), value);
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
      this.pipelineShape(object);
    }
  }

  /** The wrappers that log pipelines put around audit events: the slow path, after the native forms. */
  private pipelineShape(object: Record<string, unknown>): void {
    const cloudWatch = asCloudWatchLogsMessage(object);
    if (cloudWatch !== undefined) {
      this.cloudWatchMessage(cloudWatch);
      return;
    }
    const awsLogsData = awsLogsDataOf(object);
    if (awsLogsData !== undefined) {
      this.decompressed(gunzipBase64Text(awsLogsData), object);
      return;
    }
    const hits = asObject(object.hits)?.hits;
    if (Array.isArray(hits)) {
      for (const hit of hits) this.value(hit);
      return;
    }
    const document = sourceOfElasticHit(object) ?? object;
    const elastic = auditEventOfElasticDocument(document);
    if (elastic !== undefined) {
      this.auditEvent(elastic, RepairReason.elasticDocument, object);
      return;
    }
    if (document !== object) {
      this.value(document);
      return;
    }
    const splunkRows = Array.isArray(object.results) ? object.results : asObject(object.result) === undefined ? undefined : [object.result];
    if (splunkRows !== undefined) {
      for (const row of splunkRows) this.splunkRow(row);
      return;
    }
    this.skip(SkipReason.notAnAuditEvent, 'neither an audit event, an EventList nor a diagnostic record', object);
  }

  /** A raw audit event: its cluster comes from the caller. */
  private auditEvent(value: unknown, envelope?: RepairReason, raw: unknown = value): void {
    const source: RecordSource = { index: this.index++ };
    this.normalized(value, this.options.cluster, source, raw, envelope);
  }

  /** Text that was gzip-compressed (and base64-encoded): decoded like any other input. */
  private decompressed(result: Decompressed, raw: unknown): void {
    if (!result.ok) {
      this.skip(SkipReason.invalidCompressedData, result.detail, raw);
    } else if (this.decompressionDepth >= MAX_DECOMPRESSION_DEPTH) {
      // Real payloads are compressed once; gzip that unpacks to more gzip (a quine, a bomb) is refused, not followed.
      this.skip(SkipReason.invalidCompressedData, `compressed data nested more than ${MAX_DECOMPRESSION_DEPTH} deep`, raw);
    } else {
      this.decompressionDepth++;
      this.text(result.text);
      this.decompressionDepth--;
    }
  }

  /** A CloudWatch Logs subscription payload: each log event's message is one audit event as JSON. */
  private cloudWatchMessage(message: CloudWatchLogsMessage): void {
    if (message.messageType === CLOUDWATCH_CONTROL_MESSAGE) {
      this.skip(SkipReason.controlMessage, 'CloudWatch Logs CONTROL_MESSAGE (a reachability check, no log data)', message);
      return;
    }
    if (message.messageType !== CLOUDWATCH_DATA_MESSAGE) {
      this.skip(SkipReason.notAnAuditEvent, `CloudWatch Logs messageType ${message.messageType}`, message);
      return;
    }
    for (const logEvent of message.logEvents) {
      const text = asObject(logEvent)?.message;
      if (typeof text !== 'string') {
        this.skip(SkipReason.notAnAuditEvent, 'a CloudWatch Logs log event without a message', logEvent);
        continue;
      }
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch {
        this.skip(SkipReason.invalidJson, 'a CloudWatch Logs message is not valid JSON', logEvent);
        continue;
      }
      this.auditEvent(event, RepairReason.cloudWatchEnvelope, logEvent);
    }
  }

  /** A Splunk export row: the event as it was indexed, in `_raw`. */
  private splunkRow(row: unknown): void {
    const rawText = asObject(row)?._raw;
    if (typeof rawText !== 'string') {
      this.skip(SkipReason.notAnAuditEvent, 'a Splunk result without _raw', row);
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(rawText);
    } catch {
      this.skip(SkipReason.invalidJson, 'a Splunk result whose _raw is not valid JSON', row);
      return;
    }
    this.auditEvent(event, RepairReason.splunkResult, row);
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
      const scanned = this.options.selective === true ? scanAuditEvent(log) : undefined;
      if (scanned !== undefined) {
        this.scanned(scanned, fields.resourceId, source, record);
        return;
      }
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
    this.normalized(event, this.clusterOfRecord(fields.resourceId), source, record);
  }

  /** An event the selective decoder read: well-formed as it came, so nothing was repaired. */
  private scanned(event: AuditEvent, resourceId: unknown, source: RecordSource, raw: unknown): void {
    const cluster = this.clusterOfRecord(resourceId);
    if (cluster === undefined) this.skipped.push({ reason: SkipReason.missingClusterIdentity, detail: NO_CLUSTER, source, raw });
    else this.records.push({ event, cluster, source });
  }

  private clusterOfRecord(resourceId: unknown): ClusterIdentity | undefined {
    return typeof resourceId === 'string' ? this.clusterOf(resourceId) : this.options.cluster;
  }

  /** The records of one message nearly always share a cluster: parse each resource id once. */
  private clusterOf(resourceId: string): ClusterIdentity | undefined {
    if (resourceId !== this.lastResourceId) {
      this.lastResourceId = resourceId;
      this.lastCluster = parseClusterResourceId(resourceId);
    }
    return this.lastCluster;
  }

  private normalized(value: unknown, cluster: ClusterIdentity | undefined, source: RecordSource, raw: unknown, envelope?: RepairReason): void {
    const normalized = normalizeAuditEvent(value);
    if (!normalized.ok) {
      this.skipped.push({ reason: normalized.reason, detail: normalized.detail, source, raw });
      return;
    }
    if (cluster === undefined) {
      this.skipped.push({ reason: SkipReason.missingClusterIdentity, detail: NO_CLUSTER, source, raw });
      return;
    }
    this.records.push({ event: normalized.event, cluster, source });
    if (normalized.repairs.length > 0 || envelope !== undefined) {
      this.repairedEvents++;
      if (envelope !== undefined) this.repaired[envelope] = (this.repaired[envelope] ?? 0) + 1;
      for (const reason of normalized.repairs) this.repaired[reason] = (this.repaired[reason] ?? 0) + 1;
    }
  }

  private skip(reason: SkipReason, detail: string, raw: unknown): void {
    this.skipped.push({ reason, detail, source: { index: this.index++ }, raw });
  }
}
