import { type AuditEvent, AuditStage, type ObjectReference, type ResponseStatus, type UserInfo } from './auditEvent';
import { JsonTextScanner, KeyTable } from './jsonTextScanner';
import { isAuditTime } from './auditTime';
import { AUDIT_API_VERSIONS } from './normalizeAuditEvent';
import { isUnconvertedTime } from './repairAuditEvent';

/**
 * The selective decoder: reads an audit event's JSON text (AKS `properties.log`) without building its bodies.
 *
 * The fields rules and the index decide on (verb, stage, objectRef, user, impersonatedUser, sourceIPs, userAgent,
 * responseStatus, times, annotations) are read while the whole text is validated; `requestObject` and `responseObject`
 * (most of an event's bytes: node status, leases, pod specs) are only stepped over and parsed when something reads
 * them. The result equals `normalizeAuditEvent(JSON.parse(text))` for every text it accepts: it accepts only
 * well-formed events (those normalization's fast path takes unchanged, no repair), and returns undefined for
 * anything else, which the caller then decodes in full. The differential tests hold the two paths together.
 */
export function scanAuditEvent(text: string): AuditEvent | undefined {
  const scanner = JsonTextScanner.of(text);
  if (scanner === undefined || !scanner.take(OPEN_BRACE)) return undefined;
  const head = new ScannedHead();
  if (!scanner.take(CLOSE_BRACE)) {
    for (;;) {
      const member = scanner.keyIn(topLevelKeys);
      if (member < 0 || !head.member(scanner, member)) return undefined;
      const more = scanner.nextMember(CLOSE_BRACE);
      if (more === undefined) return undefined;
      if (!more) break;
    }
  }
  return scanner.atEnd() ? head.event(text) : undefined;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const stages: ReadonlySet<string> = new Set(Object.values(AuditStage));

/** Where a body's JSON sits in the text. */
interface Span {
  start: number;
  end: number;
}

/** The top-level members the decoder reads; the key table numbers them from 1 in this order (0: any other key). */
const TOP_LEVEL_KEYS = [
  'kind',
  'apiVersion',
  'auditID',
  'level',
  'stage',
  'verb',
  'requestURI',
  'user',
  'impersonatedUser',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
  // v1beta1's `timestamp` stands in for a missing request time: normalization's business, as is `__proto__`.
  'timestamp',
  '__proto__',
] as const;
const topLevelKeys = new KeyTable(TOP_LEVEL_KEYS);

/** The top-level members read so far; a member named twice is left to the full path (JSON.parse keeps the last). */
class ScannedHead {
  /** Bit n: member n was read. */
  private seen = 0;
  private kindOrApiVersion = false;
  auditID: string | undefined;
  level = '';
  stage: AuditStage | undefined;
  verb: string | undefined;
  requestURI = '';
  user: UserInfo | undefined;
  impersonatedUser: UserInfo | undefined;
  sourceIPs: string[] = [];
  userAgent: string | undefined;
  objectRef: ObjectReference | undefined;
  responseStatus: ResponseStatus | undefined;
  requestObject: Span | undefined;
  responseObject: Span | undefined;
  requestReceivedTimestamp: string | undefined;
  stageTimestamp: string | undefined;
  annotations: Record<string, string> = {};

  /** Reads one member's value; false when the event is not one the fast path can take as it is. */
  member(scanner: JsonTextScanner, member: number): boolean {
    if (member === 0) return scanner.skipValue();
    const bit = 1 << member;
    if ((this.seen & bit) !== 0) return false;
    this.seen |= bit;
    // The table's own strings: the cases compare by identity.
    switch (TOP_LEVEL_KEYS[member - 1]) {
      case 'kind':
        this.kindOrApiVersion = true;
        return scanner.skipValue();
      case 'apiVersion':
        this.kindOrApiVersion = true;
        return AUDIT_API_VERSIONS.has(scanner.string());
      case 'auditID':
        return (this.auditID = scanner.string()) !== undefined && this.auditID !== '';
      case 'level':
        return (this.level = scanner.string() as string) !== undefined;
      case 'stage': {
        const stage = scanner.string();
        this.stage = stage as AuditStage;
        return stage !== undefined && stages.has(stage);
      }
      case 'verb':
        return (this.verb = scanner.string()) !== undefined && this.verb !== '';
      case 'requestURI':
        return (this.requestURI = scanner.string() as string) !== undefined;
      case 'user':
        return (this.user = userInfo(scanner)) !== undefined;
      case 'impersonatedUser':
        return (this.impersonatedUser = userInfo(scanner)) !== undefined;
      case 'sourceIPs':
        return (this.sourceIPs = scanner.stringArray() as string[]) !== undefined;
      case 'userAgent':
        return (this.userAgent = scanner.string()) !== undefined;
      case 'objectRef':
        return (this.objectRef = objectReference(scanner)) !== undefined;
      case 'responseStatus':
        return (this.responseStatus = responseStatus(scanner)) !== undefined;
      case 'requestObject':
        return (this.requestObject = span(scanner)) !== undefined;
      case 'responseObject':
        return (this.responseObject = span(scanner)) !== undefined;
      case 'requestReceivedTimestamp':
        return (this.requestReceivedTimestamp = scanner.string()) !== undefined;
      case 'stageTimestamp':
        return (this.stageTimestamp = scanner.string()) !== undefined;
      case 'annotations':
        return (this.annotations = stringRecord(scanner, readString) as Record<string, string>) !== undefined;
      default:
        return false;
    }
  }

  /** The normalized event, or undefined when a required field is missing or a time needs the slow path. */
  event(text: string): AuditEvent | undefined {
    const { auditID, stage, verb, user, requestReceivedTimestamp, stageTimestamp } = this;
    if (auditID === undefined || stage === undefined || verb === undefined || user === undefined || requestReceivedTimestamp === undefined) return undefined;
    // An event without kind and apiVersion is counted as repaired: the full path names that.
    if (!this.kindOrApiVersion || !isAuditTime(requestReceivedTimestamp) || isUnconvertedTime(stageTimestamp)) return undefined;
    // The bodies come last, added to the head: turning a data property into an accessor would make the object slow.
    const event: Omit<AuditEvent, 'requestObject' | 'responseObject'> = {
      auditID,
      level: this.level,
      stage,
      verb: verb.toLowerCase(),
      requestURI: this.requestURI,
      user,
      impersonatedUser: this.impersonatedUser,
      sourceIPs: this.sourceIPs,
      userAgent: this.userAgent,
      objectRef: this.objectRef,
      responseStatus: this.responseStatus,
      requestReceivedTimestamp,
      stageTimestamp,
      annotations: this.annotations,
    };
    if (this.requestObject !== undefined || this.responseObject !== undefined) return withLazyBodies(event, text, this.requestObject, this.responseObject);
    const withoutBodies = event as AuditEvent;
    withoutBodies.requestObject = undefined;
    withoutBodies.responseObject = undefined;
    return withoutBodies;
  }
}

/**
 * The event with its bodies parsed on first read, each once (its text was validated: the parse cannot fail). The
 * properties stay own and enumerable, so spreading, serializing and comparing the event read them like any other.
 * The accessors are shared by every event and keep their state on the event (under a symbol, not enumerable):
 * accessors made per event would give every event an object shape of its own, slow to create and to read.
 */
function withLazyBodies(head: Omit<AuditEvent, 'requestObject' | 'responseObject'>, text: string, request: Span | undefined, response: Span | undefined): AuditEvent {
  const bodies: LazyBodies = { text, request, response, requestObject: UNREAD, responseObject: UNREAD };
  Object.defineProperty(head, LAZY_BODIES, { value: bodies });
  Object.defineProperty(head, 'requestObject', requestObjectProperty);
  return Object.defineProperty(head, 'responseObject', responseObjectProperty);
}

const LAZY_BODIES = Symbol('lazy bodies');
const UNREAD = Symbol('unread');

interface LazyBodies {
  text: string;
  request: Span | undefined;
  response: Span | undefined;
  requestObject: unknown;
  responseObject: unknown;
}

type WithLazyBodies = AuditEvent & { [LAZY_BODIES]: LazyBodies };

function parseSpan(text: string, span: Span | undefined): unknown {
  return span === undefined ? undefined : JSON.parse(text.slice(span.start, span.end));
}

/** The accessor pair of one body, made once and shared by every event. */
function lazyBodyProperty(body: 'requestObject' | 'responseObject', span: 'request' | 'response'): PropertyDescriptor {
  return {
    enumerable: true,
    configurable: true,
    get(this: WithLazyBodies): unknown {
      const bodies = this[LAZY_BODIES];
      const value = bodies[body];
      return value === UNREAD ? (bodies[body] = parseSpan(bodies.text, bodies[span])) : value;
    },
    set(this: WithLazyBodies, value: unknown) {
      this[LAZY_BODIES][body] = value;
    },
  };
}

const requestObjectProperty = lazyBodyProperty('requestObject', 'request');
const responseObjectProperty = lazyBodyProperty('responseObject', 'response');

const readString = (scanner: JsonTextScanner): string | undefined => scanner.string();
const readStringArray = (scanner: JsonTextScanner): string[] | undefined => scanner.stringArray();

function span(scanner: JsonTextScanner): Span | undefined {
  const start = scanner.position;
  return scanner.skipValue() ? { start, end: scanner.position } : undefined;
}

/**
 * Members of a nested object, unescaped keys only; the reader of each value says whether it was well-formed, and
 * refuses a key it has read before (JSON.parse would keep the last: the full path's case).
 */
function members(scanner: JsonTextScanner, read: (key: string) => boolean): boolean {
  if (!scanner.take(OPEN_BRACE)) return false;
  if (scanner.take(CLOSE_BRACE)) return true;
  for (;;) {
    const key = scanner.key();
    if (key === undefined || key === '__proto__' || !read(key)) return false;
    const more = scanner.nextMember(CLOSE_BRACE);
    if (more === undefined) return false;
    if (!more) return true;
  }
}

function userInfo(scanner: JsonTextScanner): UserInfo | undefined {
  let username: string | undefined;
  let uid: string | undefined;
  let groups: string[] | undefined;
  let extra: Record<string, string[]> | undefined;
  const ok = members(scanner, (key) => {
    switch (key) {
      case 'username':
        return username === undefined && (username = scanner.string()) !== undefined;
      case 'uid':
        return uid === undefined && (uid = scanner.string()) !== undefined;
      case 'groups':
        return groups === undefined && (groups = scanner.stringArray()) !== undefined;
      case 'extra':
        return extra === undefined && (extra = stringRecord(scanner, readStringArray)) !== undefined;
      default:
        return scanner.skipValue();
    }
  });
  if (!ok || username === undefined) return undefined;
  // Built in the schema's order, as normalization builds it: the same object shapes on both paths keep rules fast.
  const user = { username } as UserInfo;
  if (uid !== undefined) user.uid = uid;
  user.groups = groups ?? [];
  if (extra !== undefined) user.extra = extra;
  return user;
}

/** objectRef's fields in the schema's order. */
const objectReferenceFields = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const;
const objectReferenceFieldIndex: ReadonlyMap<string, number> = new Map(objectReferenceFields.map((field, index) => [field, index]));

function objectReference(scanner: JsonTextScanner): ObjectReference | undefined {
  const values: (string | undefined)[] = [];
  const ok = members(scanner, (key) => {
    const index = objectReferenceFieldIndex.get(key);
    if (index === undefined) return scanner.skipValue();
    const value = scanner.string();
    if (value === undefined || values[index] !== undefined) return false;
    values[index] = value;
    return true;
  });
  if (!ok) return undefined;
  const reference: ObjectReference = {};
  for (let index = 0; index < objectReferenceFields.length; index++) {
    const value = values[index];
    if (value !== undefined) reference[objectReferenceFields[index] as keyof ObjectReference] = value;
  }
  return reference;
}

function responseStatus(scanner: JsonTextScanner): ResponseStatus | undefined {
  const read: ResponseStatus = {};
  const ok = members(scanner, (key) => {
    switch (key) {
      case 'code': {
        const code = scanner.number();
        // HTTP codes only: an odd number is the full path's to judge (integer checks, huge values).
        if (code === undefined || !Number.isInteger(code) || code < 0 || code > 999 || read.code !== undefined) return false;
        read.code = code;
        return true;
      }
      case 'status':
      case 'reason':
      case 'message': {
        const value = scanner.string();
        if (value === undefined || read[key] !== undefined) return false;
        read[key] = value;
        return true;
      }
      default:
        return scanner.skipValue();
    }
  });
  if (!ok) return undefined;
  const status: ResponseStatus = {};
  if (read.code !== undefined) status.code = read.code;
  if (read.status !== undefined) status.status = read.status;
  if (read.reason !== undefined) status.reason = read.reason;
  if (read.message !== undefined) status.message = read.message;
  return status;
}

function stringRecord<Value>(scanner: JsonTextScanner, value: (scanner: JsonTextScanner) => Value | undefined): Record<string, Value> | undefined {
  const record: Record<string, Value> = {};
  const ok = members(scanner, (key) => {
    const read = value(scanner);
    if (read === undefined || Object.hasOwn(record, key)) return false;
    record[key] = read;
    return true;
  });
  return ok ? record : undefined;
}
