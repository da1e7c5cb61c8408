import { createHash } from 'node:crypto';
import { AuditStage } from './auditEvent';
import { asObject, type JsonObject } from './jsonValues';
import { RepairReason, UNKNOWN_USERNAME } from './repairReason';

/**
 * The slow path of normalization, for events a log pipeline trimmed (EKS through CloudWatch Logs, Datadog,
 * Splunk, Sumo Logic, Elastic, Panther): fills in what can be recovered without guessing at the request
 * itself, and names every repair. What cannot be recovered (no verb, an unreadable time) is left for the
 * schema to refuse with the field.
 */
export interface RepairedAuditEvent {
  /** A shallow copy of the event with the repairs applied (`auditID` absent when it is to be derived). */
  candidate: JsonObject;
  repairs: RepairReason[];
  /** True when the event had no `auditID`: the caller derives one with {@link deriveAuditId} after validation. */
  needsAuditId: boolean;
}

const knownStages: ReadonlySet<unknown> = new Set(Object.values(AuditStage));

/** Epoch milliseconds between 1973 and 5138: a smaller number is more likely seconds, which are not guessed at. */
const MIN_EPOCH_MS = 1e11;
const MAX_EPOCH_MS = 1e14;
const epochMsPattern = /^\d{11,14}$/;
/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (Panther, SQL exports) or an ISO time without zone; both UTC. */
const zonelessTimePattern = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?: ?(Z|[+-]\d{2}:?\d{2}))?$/i;
const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function repairAuditEvent(event: JsonObject): RepairedAuditEvent {
  const candidate: JsonObject = { ...event };
  const repairs: RepairReason[] = [];
  if (event.kind === undefined && event.apiVersion === undefined) repairs.push(RepairReason.missingKindAndApiVersion);

  if (!knownStages.has(event.stage)) {
    candidate.stage = AuditStage.ResponseComplete;
    repairs.push(RepairReason.defaultedStage);
  }

  const user = asObject(event.user);
  if (user === undefined || typeof user.username !== 'string' || user.username === '') {
    candidate.user = { ...user, username: UNKNOWN_USERNAME, groups: Array.isArray(user?.groups) ? user.groups : [] };
    repairs.push(RepairReason.unknownUser);
  }

  let received = candidate.requestReceivedTimestamp;
  if (received === undefined || received === null || received === '') {
    const substitute = [candidate.stageTimestamp, event['@timestamp']].find((value) => value !== undefined && value !== null && value !== '');
    if (substitute !== undefined) {
      received = substitute;
      repairs.push(RepairReason.timeFromOtherField);
    }
  }
  const receivedTime = toRfc3339(received);
  const stageTime = toRfc3339(candidate.stageTimestamp);
  if (receivedTime !== received || stageTime !== candidate.stageTimestamp) repairs.push(RepairReason.convertedTime);
  candidate.requestReceivedTimestamp = receivedTime;
  if (candidate.stageTimestamp !== undefined) candidate.stageTimestamp = stageTime;

  const needsAuditId = event.auditID === undefined || event.auditID === null || event.auditID === '';
  if (needsAuditId) {
    delete candidate.auditID;
    repairs.push(RepairReason.derivedAuditId);
  }
  return { candidate, repairs, needsAuditId };
}

/**
 * RFC 3339 for a time written as epoch milliseconds (number or numeric string) or as `YYYY-MM-DD HH:MM:SS[.f]`
 * (UTC unless it names a zone); any other value is returned unchanged, for the schema to judge.
 */
export function toRfc3339(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) && value >= MIN_EPOCH_MS && value < MAX_EPOCH_MS ? new Date(value).toISOString() : value;
  if (typeof value !== 'string' || rfc3339Pattern.test(value)) return value;
  if (epochMsPattern.test(value)) return toRfc3339(Number(value));
  const match = zonelessTimePattern.exec(value.trim());
  if (match === null) return value;
  const [, date = '', time = '', zone] = match;
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return `${date}T${time}${offset}`;
}

/** The parts of a validated event that identify one request at one stage. */
export interface AuditEventIdentity {
  verb: string;
  requestURI: string;
  user: { username: string };
  sourceIPs: readonly string[];
  userAgent?: string | undefined;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string } | undefined;
  responseStatus?: { code?: number } | undefined;
  stage: string;
  requestReceivedTimestamp: string;
  stageTimestamp?: string | undefined;
}

/**
 * A deterministic id for an event its pipeline stripped of `auditID`: SHA-256 over a canonical list of the
 * fields that tell requests apart (a fixed order, so key order in the input does not matter), formatted as
 * a UUID (version 8, "custom"). The same event replayed gets the same id, so alerts and dedup stay stable;
 * bodies are left out (they can be large, and two requests that agree on all of this are one request).
 */
export function deriveAuditId(event: AuditEventIdentity): string {
  const ref = event.objectRef;
  const canonical = JSON.stringify([
    event.verb.toLowerCase(),
    event.requestURI,
    event.user.username,
    event.sourceIPs,
    event.userAgent ?? null,
    ref === undefined ? null : [ref.apiGroup ?? null, ref.apiVersion ?? null, ref.resource ?? null, ref.subresource ?? null, ref.namespace ?? null, ref.name ?? null],
    event.responseStatus?.code ?? null,
    event.stage,
    event.requestReceivedTimestamp,
    event.stageTimestamp ?? null,
  ]);
  const hex = createHash('sha256').update(canonical).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether a (fast-path) stage time still needs {@link toRfc3339}: cheap, without a regular expression. */
export function isUnconvertedTime(value: string | undefined): boolean {
  return value !== undefined && value.charCodeAt(10) !== 84 /* T */ && toRfc3339(value) !== value;
}
