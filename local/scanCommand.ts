import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type Alert } from '../shared/alerts/alert';
import { aggregateFindings } from '../shared/alerts/aggregateFindings';
import { correlateIncidents } from '../shared/alerts/correlateIncidents';
import { type CorrelatedIncident } from '../shared/alerts/incident';
import { detectionListOverridesSchema, mergeDetectionLists } from '../shared/detection/allowLists';
import { createDetectionContext, type DetectionContext } from '../shared/detection/detectionContext';
import { type DetectionRecord, evidenceIdOf, isNodeRecord, occurredAtOf } from '../shared/detection/detectionRecord';
import { evaluateRules, type RuleFailure } from '../shared/detection/evaluateRules';
import { applyStatefulRules } from '../shared/detection/stateful/applyStatefulRules';
import { inMemoryStateOf } from '../shared/detection/stateful/detectionState';
import { type Finding } from '../shared/detection/finding';
import { type Rule } from '../shared/detection/rule';
import { allRules } from '../shared/detection/rules';
import { type ClusterIdentity } from '../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../shared/kubernetes/clusterIdentity';
import { isGzip } from '../shared/kubernetes/cloudWatchLogs';
import { decodeAuditInput } from '../shared/kubernetes/decodeAuditInput';
import { type RepairReason } from '../shared/kubernetes/repairReason';
import { SkipReason } from '../shared/kubernetes/skipReason';
import { decodeNodeInput } from '../shared/node/decodeNodeInput';
import { isNodeEventLike } from '../shared/node/normalizeNodeEvent';
import { formatAlertTable, formatIncidentTable } from './alertTable';
import { type CliInput, describeFsError, resolveCliInputs, type ResolvedInputs } from './cliInputs';
import { type CliIo, formatCount } from './cliIo';
import { createProgressBar, type ProgressBar } from './progressBar';

export const SCAN_USAGE = `Usage: argus scan [options] <file|directory|->...

Reads Kubernetes audit logs and node security events and prints the alerts Argus raises, one JSON
object per line (or a table); a summary goes to stderr. Accepted: AKS diagnostic records (Event Hubs
messages {"records":[...]}, or storage-account blobs such as PT1H.json with one record per line), audit
Events, EventLists (what the audit webhook POSTs), JSON arrays and NDJSON of either. Also audit logs
that went through a log pipeline: events without kind/apiVersion, auditID, stage or user, with other
time formats or vendor fields (Datadog, Panther, Sumo Logic), EKS's CloudWatch Logs payloads (plain,
base64 or gzip), Elastic kubernetes.audit documents and Splunk export rows; the summary counts every
repair by reason. Node events, told apart by their shape in each file: Cilium Tetragon's JSON export
(one GetEventsResponse per line) and Falco alerts as falcosidekick sends them (one alert, an array,
or NDJSON); one run may mix audit and node files.
A directory is read recursively (*.json, *.jsonl, *.ndjson, *.log, *.txt, *.gz); - reads standard input.
  --cluster <resourceId>  the cluster of raw audit events and node events, which carry none (diagnostic
                          records carry their own), e.g. /subscriptions/<id>/resourceGroups/<rg>/
                          providers/Microsoft.ContainerService/managedClusters/<name>
  --format json|table     output format (default json)
  --rule <id>             run only this rule; repeatable (\`argus rules\` lists them)
  --lists <file.json>     overrides of the named lists, e.g. {"systemIdentities":{"add":["ci-deployer"]}}
  --window <minutes>      alerts of one rule about the same cluster and entity within this window are
                          one alert with a count (default 60)
  --learning <duration>   treat the first part of each cluster's timeline (from its earliest event) as the
                          learning period of the first-seen rules, e.g. 7d, 12h, 90m; without it the
                          first-seen rules stay silent (bursts, sequences and the other rules run on any input)
  --incidents             after the alerts, print the incidents they form, as the service correlates them:
                          alerts of one cluster with two or more intents that share an identity, pod, node
                          or source IP within 24 hours, in kill-chain order (lines with "kind":"incident",
                          or a second table)

The stateful rules (bursts, sequences, first-seen values) keep their state in memory for the whole run,
across files, by event time.

Exit status: 0 when the input was scanned, whatever it found; 2 when an input cannot be read or an
option is wrong.`;

const MIB = 1024 * 1024;
/** Files larger than this are read line by line, so memory stays bounded whatever their size. */
export const STREAM_THRESHOLD_IN_BYTES = 8 * MIB;
/** A progress bar is drawn (on a terminal) only for inputs larger than this. */
const PROGRESS_THRESHOLD_IN_BYTES = MIB;
/** NDJSON lines decoded and evaluated together when a file is streamed. */
const CHUNK_MAX_LINES = 5000;
const CHUNK_MAX_CHARS = 4 * MIB;
/** The extensions read when a directory is walked; other files are counted and ignored. */
export const SCANNED_EXTENSIONS: ReadonlySet<string> = new Set(['.json', '.jsonl', '.ndjson', '.log', '.txt', '.gz']);
/** gzip files (a CloudWatch Logs subscription payload, a compressed log) are read whole: lines mean nothing in them. */
const WHOLE_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['.gz']);
const MAX_LISTED_FAILURES = 20;
const MAX_WINDOW_IN_MINUTES = 7 * 24 * 60;

const scanArgsSchema = z.object({
  format: z.enum(['json', 'table'], { error: '--format must be json or table' }).default('json'),
  cluster: z.string().optional(),
  rule: z.array(z.string()).default([]),
  lists: z.string().optional(),
  window: z.coerce
    .number({ error: '--window must be a number of minutes' })
    .int('--window must be a whole number of minutes')
    .min(1, '--window must be at least 1 minute')
    .max(MAX_WINDOW_IN_MINUTES, `--window must be at most ${MAX_WINDOW_IN_MINUTES} minutes (a week)`)
    .default(60),
  learning: z
    .string()
    .regex(/^\d+(m|h|d)$/, '--learning must be a duration such as 90m, 12h or 7d')
    .transform((text) => Number(text.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 'm' | 'h' | 'd'])
    .optional(),
  incidents: z.boolean().default(false),
});

/** One input to scan: a file (regular or not: a FIFO is streamed) or standard input. */
export type ScanInput = CliInput;
export type { ResolvedInputs };

export interface ScanOptions {
  rules: readonly Rule[];
  context: DetectionContext;
  /** The cluster of raw audit events and node events without one; without it they are skipped as `missingClusterIdentity`. */
  cluster?: ClusterIdentity;
  windowInMs: number;
  /** The first-seen rules' learning period from each cluster's earliest event; undefined: they stay silent. */
  learningPeriodInMs?: number;
  /** When the alerts are generated. */
  now: Date;
  stdin: NodeJS.ReadableStream;
  /** Files larger than this are streamed line by line. Default {@link STREAM_THRESHOLD_IN_BYTES}. */
  streamThresholdInBytes?: number;
  onProgress?: (bytesRead: number, events: number) => void;
}

export interface ScanResult {
  /** Sorted by start time, then alert type. */
  alerts: Alert[];
  /** Audit events decoded and evaluated. */
  events: number;
  /** Node events (Tetragon events, Falco alerts) decoded and evaluated. */
  nodeEvents: number;
  /**
   * The same event seen again: an audit request at the same stage (kube-audit and kube-audit-admin both
   * exported), a node event with the same id (two exports of one node).
   */
  duplicateEvents: number;
  /** Audit records that could not be used, by reason. */
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Node records (lines, alerts) that could not be used, by reason. */
  nodeSkippedByReason: Partial<Record<SkipReason, number>>;
  /** Events used after at least one repair (a field a log pipeline dropped or reformatted, its wrapper). */
  repairedEvents: number;
  /** Repairs by reason; an event with several repairs counts under each. */
  repairedByReason: Partial<Record<RepairReason, number>>;
  failures: RuleFailure[];
  failureCount: number;
  /** Inputs read line by line rather than whole. */
  streamedInputs: number;
  /** Pieces decoded and evaluated separately. */
  chunks: number;
}

/** Thrown when an input cannot be read; the command exits 2 with the message. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code = 'unreadableInput';
}

/** `argus scan`: parses the options, reads every input, prints the alerts and a summary. */
export async function scanCommand(argv: string[], io: CliIo): Promise<number> {
  const startedAt = io.elapsedInMs();
  const usageError = (message: string): number => {
    io.stderr.write(`argus scan: ${message}\n\nRun \`argus scan --help\` for the options.\n`);
    return 2;
  };
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        cluster: { type: 'string' },
        format: { type: 'string' },
        rule: { type: 'string', multiple: true },
        lists: { type: 'string' },
        window: { type: 'string' },
        learning: { type: 'string' },
        incidents: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values['help'] === true) {
    io.stdout.write(`${SCAN_USAGE}\n`);
    return 0;
  }
  const parsed = scanArgsSchema.safeParse(values);
  if (!parsed.success) return usageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  const args = parsed.data;
  if (positionals.length === 0) return usageError('give at least one file, directory, or - for standard input');

  let cluster: ClusterIdentity | undefined;
  if (args.cluster !== undefined) {
    cluster = parseClusterResourceId(args.cluster);
    if (cluster === undefined) {
      return usageError(
        `--cluster must be a cluster's Azure resource id, /subscriptions/<subscription id>/resourceGroups/<group>/providers/` +
          `Microsoft.ContainerService/managedClusters/<name> (or Microsoft.Kubernetes/connectedClusters/<name>); got '${args.cluster}'`,
      );
    }
  }
  const rules = selectRules(args.rule);
  if (typeof rules === 'string') return usageError(rules);
  const context = args.lists === undefined ? createDetectionContext() : await loadListOverrides(args.lists);
  if (typeof context === 'string') return usageError(context);

  const resolved = await resolveInputs(positionals);
  if (typeof resolved === 'string') return usageError(resolved);

  const fileBytes = resolved.inputs.reduce((sum, input) => sum + (input.kind === 'file' ? input.bytes : 0), 0);
  const readsStdin = resolved.inputs.some((input) => input.kind === 'stdin' || !input.regular);
  let progress: ProgressBar | undefined;
  if (io.stderr.isTTY === true && (readsStdin || fileBytes > PROGRESS_THRESHOLD_IN_BYTES)) {
    progress = createProgressBar({ stream: io.stderr, elapsedInMs: io.elapsedInMs, ...(readsStdin ? {} : { totalBytes: fileBytes }) });
  }

  let result: ScanResult;
  try {
    result = await scanInputs(resolved.inputs, {
      rules,
      context,
      ...(cluster === undefined ? {} : { cluster }),
      windowInMs: args.window * 60_000,
      ...(args.learning === undefined ? {} : { learningPeriodInMs: args.learning }),
      now: io.now(),
      stdin: io.stdin,
      ...(progress === undefined ? {} : { onProgress: (bytes: number, events: number) => progress.update(bytes, events) }),
    });
  } catch (error) {
    progress?.finish();
    if (error instanceof InputError) {
      io.stderr.write(`argus scan: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  progress?.finish();

  // The same pure correlation as the service's timer, over the same alerts, with its default window.
  const incidents = args.incidents ? correlateIncidents(result.alerts) : undefined;
  if (args.format === 'table') {
    io.stdout.write(formatAlertTable(result.alerts, io.stdout.columns));
    if (incidents !== undefined) io.stdout.write(`\n${formatIncidentTable(incidents, io.stdout.columns)}`);
  } else {
    for (const alert of result.alerts) io.stdout.write(`${JSON.stringify(alert)}\n`);
    for (const incident of incidents ?? []) io.stdout.write(`${JSON.stringify(incidentLine(incident))}\n`);
  }
  io.stderr.write(formatSummary(result, resolved, io.elapsedInMs() - startedAt, incidents));
  return 0;
}

/** An incident as `argus scan --incidents` prints it: tagged, so that a reader of the lines tells it from the alerts. */
export type IncidentLine = { kind: 'incident' } & CorrelatedIncident;

function incidentLine(incident: CorrelatedIncident): IncidentLine {
  return { kind: 'incident', ...incident };
}

function selectRules(ids: readonly string[]): readonly Rule[] | string {
  if (ids.length === 0) return allRules;
  const byId = new Map(allRules.map((rule) => [rule.id, rule]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) return `unknown rule id ${unknown.map((id) => `'${id}'`).join(', ')}; \`argus rules\` lists the rules`;
  return [...new Set(ids)].map((id) => byId.get(id) as Rule);
}

async function loadListOverrides(path: string): Promise<DetectionContext | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return `--lists: cannot read ${path}: ${describeFsError(error)}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return `--lists: ${path} is not valid JSON: ${(error as Error).message}`;
  }
  const overrides = detectionListOverridesSchema.safeParse(value);
  if (!overrides.success) {
    const problems = overrides.error.issues.map((issue) => `  ${issue.path.length === 0 ? '(top level)' : issue.path.join('.')}: ${issue.message}`);
    return `--lists: ${path} is not a valid list override file:\n${problems.join('\n')}`;
  }
  return createDetectionContext(mergeDetectionLists(overrides.data));
}

/** The command line's paths as inputs: directories walked for the scanned extensions, `-` as stdin. */
export function resolveInputs(paths: readonly string[]): Promise<ResolvedInputs | string> {
  return resolveCliInputs(paths, SCANNED_EXTENSIONS);
}

/**
 * Reads, decodes and evaluates every input, then aggregates the findings into alerts. Small files are
 * decoded whole; large files and stdin are read line by line and decoded in chunks, so memory holds one
 * chunk plus the findings. A request found again in a later chunk or file (kube-audit and kube-audit-admin
 * both exported) counts once per rule, as it would within one batch.
 */
export async function scanInputs(inputs: readonly ScanInput[], options: ScanOptions): Promise<ScanResult> {
  const threshold = options.streamThresholdInBytes ?? STREAM_THRESHOLD_IN_BYTES;
  const findings: Finding[] = [];
  const seenFindings = new Set<string>();
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  const nodeSkippedByReason: Partial<Record<SkipReason, number>> = {};
  const repairedByReason: Partial<Record<RepairReason, number>> = {};
  let repairedEvents = 0;
  const failures: RuleFailure[] = [];
  let failureCount = 0;
  let events = 0;
  let nodeEvents = 0;
  let duplicateEvents = 0;
  let streamedInputs = 0;
  let chunks = 0;
  let bytesBefore = 0;
  // The stateful rules' memory for the whole run, and each cluster's earliest event (its learning starts there).
  const stateOf = inMemoryStateOf();
  const earliestByCluster = new Map<string, number>();

  for (const input of inputs) {
    const streamed =
      input.kind === 'stdin' || (!WHOLE_FILE_EXTENSIONS.has(extname(input.path).toLowerCase()) && (!input.regular || input.bytes > threshold));
    if (streamed) streamedInputs++;
    let inputBytes = 0;
    const onBytes = (bytes: number): void => {
      inputBytes = bytes;
      options.onProgress?.(bytesBefore + inputBytes, events + nodeEvents);
    };
    let startIndex = 0;
    // Told once per input, from its first piece: a file holds one signal (an audit log, a Tetragon export, Falco alerts).
    let signal: InputSignal | undefined;
    try {
      for await (const chunk of streamed ? streamChunks(input, options.stdin, onBytes) : wholeFile(input, onBytes)) {
        chunks++;
        signal ??= inputSignalOf(chunk);
        const decoded = decodeChunk(chunk, signal, { startIndex, ...(options.cluster === undefined ? {} : { cluster: options.cluster }) });
        startIndex = decoded.nextIndex;
        const skippedCounts = signal === 'node' ? nodeSkippedByReason : skippedByReason;
        for (const skipped of decoded.skipped) skippedCounts[skipped.reason] = (skippedCounts[skipped.reason] ?? 0) + 1;
        repairedEvents += decoded.repairedEvents;
        for (const [reason, count] of Object.entries(decoded.repaired) as [RepairReason, number][]) {
          repairedByReason[reason] = (repairedByReason[reason] ?? 0) + count;
        }
        if (signal === 'node') nodeEvents += decoded.records.length;
        else events += decoded.records.length;
        const evaluation = evaluateRules(decoded.records, { rules: options.rules, context: options.context });
        duplicateEvents += evaluation.stats.duplicateEvents;
        failureCount += evaluation.failures.length;
        failures.push(...evaluation.failures.slice(0, Math.max(0, MAX_LISTED_FAILURES - failures.length)));
        for (const record of decoded.records) {
          const at = Date.parse(occurredAtOf(record));
          const earliest = earliestByCluster.get(record.cluster.resourceId);
          if (!Number.isNaN(at) && (earliest === undefined || at < earliest)) earliestByCluster.set(record.cluster.resourceId, at);
        }
        const stateful = applyStatefulRules(
          // Without a learning part, a first-seen rule has no baseline: every value would be new.
          options.learningPeriodInMs === undefined ? evaluation.candidates.filter((candidate) => candidate.observation.kind !== 'firstSeen') : evaluation.candidates,
          {
            stateOf,
            learningStartOf: (cluster) => earliestByCluster.get(cluster),
            learningPeriodInMs: options.learningPeriodInMs ?? 0,
          },
        );
        for (const finding of [...evaluation.findings, ...stateful.findings]) {
          const key = `${finding.rule.id}|${finding.record.cluster.resourceId}|${evidenceIdOf(finding.record)}`;
          if (seenFindings.has(key)) continue;
          seenFindings.add(key);
          findings.push({ ...finding, record: withoutBodies(finding.record) });
        }
        options.onProgress?.(bytesBefore + inputBytes, events + nodeEvents);
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`cannot read ${input.kind === 'stdin' ? 'standard input' : input.path}: ${describeFsError(error)}`);
    }
    bytesBefore += inputBytes;
  }

  const alerts = aggregateFindings(findings, { windowInMs: options.windowInMs, now: options.now }).sort(
    (a, b) =>
      a.startTimeUtc.localeCompare(b.startTimeUtc) || a.alertType.localeCompare(b.alertType) || a.id.localeCompare(b.id),
  );
  return {
    alerts,
    events,
    nodeEvents,
    duplicateEvents,
    skippedByReason,
    nodeSkippedByReason,
    repairedEvents,
    repairedByReason,
    failures,
    failureCount,
    streamedInputs,
    chunks,
  };
}

/** The signal of an input: its decoder and the counts it goes to. */
export type InputSignal = 'audit' | 'node';

/**
 * Whether an input holds node events (Tetragon's export, falcosidekick's alerts) or audit events, by the shape
 * of its first JSON value: the first line that parses (NDJSON; a bad first line does not decide), else the
 * whole text (a pretty-printed alert or array); the first element of an array. Anything else, gzip included
 * (EKS's CloudWatch Logs payloads), is for the audit decoder, which reports what it cannot use.
 */
export function inputSignalOf(chunk: string | Uint8Array): InputSignal {
  if (typeof chunk !== 'string' && isGzip(chunk)) return 'audit';
  const first = firstJsonValueOf(typeof chunk === 'string' ? chunk : utf8.decode(chunk));
  return isNodeEventLike(unwrapped(Array.isArray(first) ? first[0] : first)) ? 'node' : 'audit';
}

/** The event inside a log shipper's wrapper (Fluent Bit's `log`, Vector's `message`: a JSON line or an object), else the value. */
function unwrapped(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isNodeEventLike(value)) return value;
  for (const key of ['log', 'message']) {
    const inner = (value as Record<string, unknown>)[key];
    if (typeof inner === 'object' && inner !== null) return inner;
    if (typeof inner === 'string' && inner.trimStart().startsWith('{')) return parseJson(inner);
  }
  return value;
}

/** Lines looked at for the first JSON value before the whole text is tried. */
const SNIFFED_LINES = 20;
const utf8 = new TextDecoder('utf-8');

function firstJsonValueOf(text: string): unknown {
  const lines = text.replace(/^\uFEFF/, '').split('\n', SNIFFED_LINES);
  for (const line of lines) {
    if (line.trim() === '') continue;
    const value = parseJson(line);
    if (value !== undefined) return value;
  }
  return lines.length > 1 ? parseJson(text.replace(/^\uFEFF/, '')) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One piece of an input, decoded by its signal's decoder into the same shape. */
interface DecodedChunk {
  records: DetectionRecord[];
  skipped: { reason: SkipReason }[];
  repairedEvents: number;
  repaired: Partial<Record<RepairReason, number>>;
  nextIndex: number;
}

function decodeChunk(chunk: string | Uint8Array, signal: InputSignal, options: { startIndex: number; cluster?: ClusterIdentity }): DecodedChunk {
  if (signal === 'audit') return decodeAuditInput(chunk, options);
  const decoded = decodeNodeInput(chunk, options);
  return { records: decoded.records, skipped: decoded.skipped, repairedEvents: 0, repaired: {}, nextIndex: decoded.nextIndex };
}

/** A finding keeps its event until the end: drop the request and response bodies, which alerts never show. */
function withoutBodies(record: DetectionRecord): DetectionRecord {
  if (isNodeRecord(record)) return record;
  const { requestObject: _request, responseObject: _response, ...event } = record.event;
  return { ...record, event };
}

async function* wholeFile(input: ScanInput, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  if (input.kind !== 'file') return;
  const content = await readFile(input.path);
  onBytes(content.length);
  yield content;
}

/**
 * Reads an input line by line. NDJSON (the first line is a JSON document) is yielded in chunks of lines;
 * anything else (a pretty-printed EventList, say) can only be decoded whole, so it is yielded once at the end.
 */
async function* streamChunks(input: ScanInput, stdin: NodeJS.ReadableStream, onBytes: (bytes: number) => void): AsyncGenerator<string> {
  const stream: NodeJS.ReadableStream = input.kind === 'stdin' ? stdin : createReadStream(input.path);
  let bytes = 0;
  stream.on('data', (data: Buffer | string) => onBytes((bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length)));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let mode: 'undecided' | 'lines' | 'document' = 'undecided';
  let pending: string[] = [];
  let pendingChars = 0;
  let yielded = false;
  for await (const rawLine of lines) {
    const line: string = mode === 'undecided' && rawLine.charCodeAt(0) === 0xfeff ? rawLine.slice(1) : rawLine;
    if (mode !== 'document' && line.trim() === '') continue;
    if (mode === 'undecided') mode = isJson(line) ? 'lines' : 'document';
    pending.push(line);
    pendingChars += line.length;
    if (mode === 'lines' && (pending.length >= CHUNK_MAX_LINES || pendingChars >= CHUNK_MAX_CHARS)) {
      yield pending.join('\n');
      yielded = true;
      pending = [];
      pendingChars = 0;
    }
  }
  // Nothing at all still goes to the decoder, which reports the empty input.
  if (pending.length > 0 || !yielded) yield pending.join('\n');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}


/**
 * `scanned 3 files, 12,345 events in 1.2 s; skipped 12 (otherCategory 10, truncatedJson 2);
 * repaired 40 (derivedAuditId 40, defaultedStage 12); 7 alerts: K8S_... 2, ...`, then `; 1 incident` when the
 * incidents were asked for.
 */
export function formatSummary(result: ScanResult, resolved: ResolvedInputs, elapsedInMs: number, incidents?: readonly CorrelatedIncident[]): string {
  const files = resolved.inputs.filter((input) => input.kind === 'file').length;
  const stdin = resolved.inputs.some((input) => input.kind === 'stdin');
  const sources = [...(files > 0 || !stdin ? [`${formatCount(files)} ${files === 1 ? 'file' : 'files'}`] : []), ...(stdin ? ['standard input'] : [])].join(' and ');
  const counted =
    result.nodeEvents === 0
      ? `${formatCount(result.events)} events`
      : result.events === 0 && Object.keys(result.skippedByReason).length === 0
        ? `${formatCount(result.nodeEvents)} node events`
        : `${formatCount(result.events)} audit events and ${formatCount(result.nodeEvents)} node events`;
  const parts = [`scanned ${sources}, ${counted} in ${(elapsedInMs / 1000).toFixed(1)} s`];
  if (resolved.ignoredFiles > 0) {
    parts.push(`ignored ${formatCount(resolved.ignoredFiles)} other files (scanned: ${[...SCANNED_EXTENSIONS].join(' ')})`);
  }
  const skipped = formatByReason(result.skippedByReason);
  if (skipped !== undefined) parts.push(`skipped ${skipped}`);
  const nodeSkipped = formatByReason(result.nodeSkippedByReason, ' node records');
  if (nodeSkipped !== undefined) parts.push(`skipped ${nodeSkipped}`);
  if (result.repairedEvents > 0) {
    const repaired = Object.entries(result.repairedByReason).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
    parts.push(`repaired ${formatCount(result.repairedEvents)} (${repaired.map(([reason, count]) => `${reason} ${formatCount(count)}`).join(', ')})`);
  }
  if (result.duplicateEvents > 0) parts.push(`${formatCount(result.duplicateEvents)} duplicate events counted once`);
  const byType = new Map<string, number>();
  for (const alert of result.alerts) byType.set(alert.alertType, (byType.get(alert.alertType) ?? 0) + 1);
  const types = [...byType].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const alertCount = `${formatCount(result.alerts.length)} ${result.alerts.length === 1 ? 'alert' : 'alerts'}`;
  parts.push(types.length === 0 ? alertCount : `${alertCount}: ${types.map(([type, count]) => `${type} ${formatCount(count)}`).join(', ')}`);
  if (incidents !== undefined) parts.push(`${formatCount(incidents.length)} ${incidents.length === 1 ? 'incident' : 'incidents'}`);
  const lines = [parts.join('; ')];
  if ((result.skippedByReason[SkipReason.missingClusterIdentity] ?? 0) > 0) {
    lines.push('raw audit events carry no cluster: give it with --cluster <cluster resource id>');
  }
  if ((result.nodeSkippedByReason[SkipReason.missingClusterIdentity] ?? 0) > 0) {
    lines.push('node events without cluster_resource_id carry no cluster: give it with --cluster <cluster resource id>');
  }
  if (result.failureCount > 0) {
    lines.push(`${formatCount(result.failureCount)} rule failures (a rule threw; the other rules still ran):`);
    for (const failure of result.failures) lines.push(`  rule ${failure.ruleId} on event ${failure.auditId}: ${failure.message}`);
    if (result.failureCount > result.failures.length) lines.push(`  ... and ${formatCount(result.failureCount - result.failures.length)} more`);
  }
  return `${lines.join('\n')}\n`;
}

/** `12 (invalidJson 10, truncatedJson 2)`, most frequent first, the noun after the total; undefined when nothing was counted. */
function formatByReason(counts: Partial<Record<string, number>>, noun = ''): string | undefined {
  const entries = (Object.entries(counts) as [string, number][]).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  return `${formatCount(total)}${noun} (${entries.map(([reason, count]) => `${reason} ${formatCount(count)}`).join(', ')})`;
}
