import { StatusCodes } from '@azure/cosmos';

/**
 * Which store failures a later retry of the same work can fix. The ingestion function throws on these
 * so that the Functions retry policy retries the batch; any other failure is about the data (400, 409,
 * 412, 413, ...) and retrying would fail the same way.
 *
 * The shapes are those @azure/cosmos 4.9 throws: an `ErrorResponse` with the HTTP status as a numeric
 * `code` and a `substatus`; its `TimeoutError` (`code` 'TimeoutError') when its request timeout aborts a
 * call; and the core-rest-pipeline `RestError` with the socket's `code` ('ECONNRESET', ...) or
 * 'REQUEST_SEND_ERROR' when a request never got an HTTP answer.
 */

/** Thrown by store callers to mark a failure as transient while keeping the original as `cause`. */
export class TransientStoreError extends Error {
  override readonly name = 'TransientStoreError';
  readonly code = 'TransientStoreFault';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Cosmos statuses Microsoft documents as worth retrying: 408 timeout, 410 gone (a partition moved),
 * 429 throttled (reaches us only once the SDK's own retries are spent), 449 retry-with (a concurrent
 * update), 503 unavailable. 500 is left out on purpose: Cosmos documents it as a service fault to
 * report, not one that a retry fixes.
 */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([
  StatusCodes.RequestTimeout,
  StatusCodes.Gone,
  StatusCodes.TooManyRequests,
  StatusCodes.RetryWith,
  StatusCodes.ServiceUnavailable,
]);

/** Status + substatus pairs that are transient although their status in general is not. */
const TRANSIENT_SUBSTATUSES: readonly { status: number; substatus: number; why: string }[] = [
  { status: StatusCodes.NotFound, substatus: 1002, why: 'read session not yet available in this replica' },
  { status: StatusCodes.Forbidden, substatus: 3, why: 'writes forbidden while the write region fails over' },
];

/**
 * Codes of a request that got no HTTP answer: Node's socket and DNS errors, the pipeline's own
 * REQUEST_SEND_ERROR, PARSE_ERROR (the response stream broke while being read) and the SDK's timeout.
 * A DNS miss (ENOTFOUND) is here because the SDK itself treats it as a reason to retry elsewhere.
 */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
  'TimeoutError',
]);

/** Names of errors that mean "the call was cut short", whatever their `code`. */
const INTERRUPTED_ERROR_NAMES: ReadonlySet<string> = new Set(['TransientStoreError', 'TimeoutError', 'AbortError']);

/** Causes are followed this deep at most: a guard against cycles and absurd chains. */
const MAX_CAUSE_DEPTH = 8;

/** True when the error, or any error it wraps (`cause`, `AggregateError.errors`), is a transient store fault. */
export function isTransientStoreError(error: unknown): boolean {
  return isTransientAtDepth(error, 0);
}

function isTransientAtDepth(error: unknown, depth: number): boolean {
  if (depth > MAX_CAUSE_DEPTH || typeof error !== 'object' || error === null) return false;
  if (error instanceof TransientStoreError || isTransientItself(error as Record<string, unknown>)) return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  if (isTransientAtDepth(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isTransientAtDepth(inner, depth + 1));
}

function isTransientItself(error: Record<string, unknown>): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) {
    if (TRANSIENT_STATUSES.has(status)) return true;
    const substatus = numberOf(error.substatus);
    if (TRANSIENT_SUBSTATUSES.some((t) => t.status === status && t.substatus === substatus)) return true;
    // An HTTP answer that is not transient is final, whatever the message says.
    return false;
  }
  if (typeof error.code === 'string' && CONNECTION_ERROR_CODES.has(error.code)) return true;
  if (typeof error.name === 'string' && INTERRUPTED_ERROR_NAMES.has(error.name)) return true;
  // Node's "socket hang up" carries ECONNRESET, but wrappers sometimes keep only the message.
  return typeof error.message === 'string' && /socket hang up/i.test(error.message);
}

/** The HTTP status: the SDK's `code` (number, or a numeric string from some paths), else a pipeline `statusCode`. */
function httpStatusOf(error: Record<string, unknown>): number | undefined {
  for (const candidate of [error.code, error.statusCode]) {
    const status = numberOf(candidate);
    if (status !== undefined && status >= 100 && status <= 599) return status;
  }
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
