import { type AuditEvent, AuditStage, type ObjectReference, type ResponseStatus, type UserInfo } from './auditEvent';
import { isAuditTime } from './auditTime';
import { isUnconvertedTime } from './repairAuditEvent';

/**
 * Normalization's fast path read by hand: a parsed event that the strict schema would take as it is comes out exactly
 * as the schema gives it (the same fields, the same defaults, unknown fields dropped, the verb in lower case), in about
 * a tenth of the time. Anything it is not sure of (a field of another type, `null`, an odd status code, a
 * `__proto__` key) gives undefined and the schema decides. Pure; `normalizeAuditEvent` calls it, and a property test
 * holds it to the schema (`test/shared/kubernetes/wellFormedAuditEvent.test.ts`).
 */
export function wellFormedAuditEvent(event: Record<string, unknown>): AuditEvent | undefined {
  const { auditID, level = '', stage, verb, requestURI = '', userAgent, requestReceivedTimestamp, stageTimestamp } = event;
  if (typeof auditID !== 'string' || auditID === '' || typeof level !== 'string' || typeof verb !== 'string' || verb === '' || typeof requestURI !== 'string') return undefined;
  if (typeof stage !== 'string' || !stages.has(stage) || (userAgent !== undefined && typeof userAgent !== 'string')) return undefined;
  if (typeof requestReceivedTimestamp !== 'string' || (stageTimestamp !== undefined && typeof stageTimestamp !== 'string')) return undefined;
  const user = userInfo(event.user);
  const impersonatedUser = event.impersonatedUser === undefined ? undefined : userInfo(event.impersonatedUser);
  const sourceIPs = event.sourceIPs === undefined ? [] : stringArray(event.sourceIPs);
  const objectRef = event.objectRef === undefined ? undefined : objectReference(event.objectRef);
  const responseStatus = event.responseStatus === undefined ? undefined : status(event.responseStatus);
  const annotations = event.annotations === undefined ? {} : stringRecord(event.annotations, stringValue);
  if (user === undefined || sourceIPs === undefined || annotations === undefined) return undefined;
  if ((event.impersonatedUser !== undefined && impersonatedUser === undefined) || (event.objectRef !== undefined && objectRef === undefined)) return undefined;
  if (event.responseStatus !== undefined && responseStatus === undefined) return undefined;
  if (!isAuditTime(requestReceivedTimestamp) || isUnconvertedTime(stageTimestamp)) return undefined;
  // The order and fields of normalization's own output: one object shape for every event.
  return {
    auditID,
    level,
    stage: stage as AuditStage,
    verb: verb.toLowerCase(),
    requestURI,
    user,
    impersonatedUser,
    sourceIPs,
    userAgent,
    objectRef,
    responseStatus,
    requestObject: event.requestObject,
    responseObject: event.responseObject,
    requestReceivedTimestamp,
    stageTimestamp,
    annotations,
  };
}

const stages: ReadonlySet<string> = new Set(Object.values(AuditStage));

/** A plain JSON object (the schema's notion of an object), or undefined. */
function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A copy of an array of strings (the schema copies too); undefined for anything else. */
function stringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const item of value) if (typeof item !== 'string') return undefined;
  return value.slice() as string[];
}

/** A copy of an object whose every value reads as `read` says; a `__proto__` key is left to the schema. */
function stringRecord<Value>(value: unknown, read: (item: unknown) => Value | undefined): Record<string, Value> | undefined {
  const object = objectOf(value);
  if (object === undefined) return undefined;
  const record: Record<string, Value> = {};
  for (const key of Object.keys(object)) {
    const item = read(object[key]);
    if (item === undefined || key === '__proto__') return undefined;
    record[key] = item;
  }
  return record;
}

function userInfo(value: unknown): UserInfo | undefined {
  const object = objectOf(value);
  if (object === undefined) return undefined;
  const { username, uid } = object;
  if (typeof username !== 'string' || (uid !== undefined && typeof uid !== 'string')) return undefined;
  const groups = object.groups === undefined ? [] : stringArray(object.groups);
  const extra = object.extra === undefined ? undefined : stringRecord(object.extra, stringArray);
  if (groups === undefined || (object.extra !== undefined && extra === undefined)) return undefined;
  // The schema's order, present fields only.
  const user = { username } as UserInfo;
  if (uid !== undefined) user.uid = uid;
  user.groups = groups;
  if (extra !== undefined) user.extra = extra;
  return user;
}

const objectReferenceFields = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const;

function objectReference(value: unknown): ObjectReference | undefined {
  const object = objectOf(value);
  if (object === undefined) return undefined;
  const reference: ObjectReference = {};
  for (const field of objectReferenceFields) {
    const item = object[field];
    if (item === undefined) continue;
    if (typeof item !== 'string') return undefined;
    reference[field] = item;
  }
  return reference;
}

function status(value: unknown): ResponseStatus | undefined {
  const object = objectOf(value);
  if (object === undefined) return undefined;
  const { code, status: text, reason, message } = object;
  // HTTP codes only: other numbers are the schema's to judge (its integer check has its own bounds).
  if (code !== undefined && !(typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 999)) return undefined;
  if ((text !== undefined && typeof text !== 'string') || (reason !== undefined && typeof reason !== 'string') || (message !== undefined && typeof message !== 'string')) return undefined;
  const result: ResponseStatus = {};
  if (code !== undefined) result.code = code;
  if (text !== undefined) result.status = text;
  if (reason !== undefined) result.reason = reason;
  if (message !== undefined) result.message = message;
  return result;
}
