import { z } from 'zod';
import { type AuditEvent, AuditStage } from './auditEvent';
import { auditTime } from './auditTime';
import { deriveAuditId, isUnconvertedTime, repairAuditEvent } from './repairAuditEvent';
import { RepairReason } from './repairReason';
import { SkipReason } from './skipReason';
import { wellFormedAuditEvent } from './wellFormedAuditEvent';

export type NormalizeResult =
  | { ok: true; event: AuditEvent; /** What had to be repaired; empty for a complete event. */ repairs: readonly RepairReason[] }
  | { ok: false; reason: typeof SkipReason.notAnAuditEvent | typeof SkipReason.invalidAuditEvent; detail: string };

/** The audit API versions an event may name (an event naming none is repaired). */
export const AUDIT_API_VERSIONS: ReadonlySet<unknown> = new Set(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1']);

const userInfo = z.object({
  username: z.string(),
  uid: z.string().optional(),
  groups: z.array(z.string()).default([]),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});

const objectReference = z.object({
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiGroup: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  subresource: z.string().optional(),
});

const responseStatus = z.object({
  code: z.number().int().optional(),
  status: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/**
 * The fields rules rely on, as a well-formed event has them. The fast path: nearly every event passes.
 */
const auditEventSchema = z.object({
  auditID: z.string().min(1),
  level: z.string().default(''),
  stage: z.enum([AuditStage.RequestReceived, AuditStage.ResponseStarted, AuditStage.ResponseComplete, AuditStage.Panic]),
  verb: z.string().min(1),
  requestURI: z.string().default(''),
  user: userInfo,
  impersonatedUser: userInfo.optional(),
  sourceIPs: z.array(z.string()).default([]),
  userAgent: z.string().optional(),
  objectRef: objectReference.optional(),
  responseStatus: responseStatus.optional(),
  requestObject: z.unknown().optional(),
  responseObject: z.unknown().optional(),
  requestReceivedTimestamp: auditTime,
  stageTimestamp: z.string().optional(),
  annotations: z.record(z.string(), z.string()).default({}),
});

const stringList = z.array(z.string()).catch([]);
const lenientUserInfo = z.object({
  username: z.string().catch(''),
  uid: z.string().optional().catch(undefined),
  groups: stringList.default([]),
  extra: z.record(z.string(), z.array(z.string())).optional().catch(undefined),
});

/**
 * The second chance for an event the fast path refused: malformed optional decorations are dropped
 * (`catch`) rather than costing the whole event; the identity of the request (id, stage, verb, time)
 * must still be right. Catching costs time on every field, so it is not the first try.
 */
const lenientAuditEventSchema = auditEventSchema.extend({
  // Absent only when the repairs removed an empty one: it is derived after validation.
  auditID: z.string().min(1).optional(),
  level: z.string().catch(''),
  requestURI: z.string().catch(''),
  user: lenientUserInfo,
  impersonatedUser: lenientUserInfo.optional().catch(undefined),
  sourceIPs: stringList.default([]),
  userAgent: z.string().optional().catch(undefined),
  objectRef: objectReference.optional().catch(undefined),
  responseStatus: responseStatus.optional().catch(undefined),
  stageTimestamp: z.string().optional().catch(undefined),
  annotations: z.record(z.string(), z.string()).catch({}).default({}),
});

const NO_REPAIRS: readonly RepairReason[] = Object.freeze([]);
const KIND_AND_API_VERSION_MISSING: readonly RepairReason[] = Object.freeze([RepairReason.missingKindAndApiVersion]);

/**
 * Validates one decoded JSON value as an audit event (v1, v1beta1, or without apiVersion) and normalizes it.
 *
 * A complete event takes the fast path: one strict parse. An event a log pipeline trimmed or reformatted
 * fails it and takes the slow path ({@link repairAuditEvent}): missing `auditID` derived, missing or unknown
 * `stage` taken as ResponseComplete, missing `user` an unknown person, times in other formats converted;
 * every repair is returned by reason. Vendor fields (`p_*`, `_id`, `@timestamp`, ...) are not kept.
 */
export function normalizeAuditEvent(value: unknown): NormalizeResult {
  if (!isAuditEventLike(value)) {
    return { ok: false, reason: SkipReason.notAnAuditEvent, detail: 'not an audit.k8s.io Event' };
  }
  const object = value as Record<string, unknown>;
  const apiVersion = object.apiVersion;
  if (apiVersion !== undefined && !(typeof apiVersion === 'string' && AUDIT_API_VERSIONS.has(apiVersion))) {
    return { ok: false, reason: SkipReason.notAnAuditEvent, detail: `unsupported apiVersion ${JSON.stringify(apiVersion)}` };
  }
  // v1beta1 (and older exporters) wrote `timestamp` instead of `requestReceivedTimestamp`.
  const candidate =
    object.requestReceivedTimestamp === undefined && typeof object.timestamp === 'string'
      ? { ...object, requestReceivedTimestamp: object.timestamp }
      : object;
  // A well-formed event is read by hand first (the schema costs a few microseconds an event), then by the schema.
  const fast = wellFormedAuditEvent(candidate) ?? schemaFastPath(candidate);
  if (fast !== undefined) {
    const repairs = apiVersion === undefined && object.kind === undefined ? KIND_AND_API_VERSION_MISSING : NO_REPAIRS;
    return { ok: true, event: fast, repairs };
  }
  const repaired = repairAuditEvent(candidate);
  const parsed = lenientAuditEventSchema.safeParse(repaired.candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(event)';
    return { ok: false, reason: SkipReason.invalidAuditEvent, detail: `${field}: ${issue?.message ?? 'invalid'}` };
  }
  const data = parsed.data;
  const auditID = data.auditID ?? deriveAuditId(data);
  return { ok: true, event: toAuditEvent(data, auditID), repairs: repaired.repairs };
}

/** The strict schema's reading of an event, as normalization's fast path gives it; undefined when it needs repairs. */
export function schemaFastPath(candidate: unknown): AuditEvent | undefined {
  const fast = auditEventSchema.safeParse(candidate);
  return fast.success && !isUnconvertedTime(fast.data.stageTimestamp) ? toAuditEvent(fast.data, fast.data.auditID) : undefined;
}

type ParsedAuditEvent = Omit<z.infer<typeof auditEventSchema>, 'auditID'>;

function toAuditEvent(data: ParsedAuditEvent, auditID: string): AuditEvent {
  // Every event gets the same fields in the same order (absent ones undefined): one object shape, so
  // the property reads of ~40 rules over every event stay fast (monomorphic) in the JavaScript engine.
  return {
    auditID,
    level: data.level,
    stage: data.stage,
    verb: data.verb.toLowerCase(),
    requestURI: data.requestURI,
    user: data.user,
    impersonatedUser: data.impersonatedUser,
    sourceIPs: data.sourceIPs,
    userAgent: data.userAgent,
    objectRef: data.objectRef,
    responseStatus: data.responseStatus,
    requestObject: data.requestObject,
    responseObject: data.responseObject,
    requestReceivedTimestamp: data.requestReceivedTimestamp,
    stageTimestamp: data.stageTimestamp,
    annotations: data.annotations,
  };
}

/**
 * An object that claims to be an audit event: `kind: Event` of the audit API, the tell-tale `auditID`, or,
 * for events a pipeline stripped of both, the audit fields themselves: a `verb`, what it acted on
 * (`objectRef` or `requestURI`) and who asked (`user` or `sourceIPs`).
 */
export function isAuditEventLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    'auditID' in record ||
    (record.kind === 'Event' && typeof record.apiVersion === 'string' && record.apiVersion.startsWith('audit.k8s.io/')) ||
    hasAuditFields(record)
  );
}

function hasAuditFields(record: Record<string, unknown>): boolean {
  return (
    typeof record.verb === 'string' &&
    (typeof record.objectRef === 'object' || typeof record.requestURI === 'string') &&
    (typeof record.user === 'object' || Array.isArray(record.sourceIPs))
  );
}
