import { SubscriptionProblemKind } from './clusterSource';

/** What an ARM call that failed means to Argus: a subscription problem, and how long Azure asked to wait. */
export interface ArmFailure {
  kind: SubscriptionProblemKind;
  /** `HTTP 403 AuthorizationFailed`, `ECONNREFUSED`: codes only, never a payload. */
  detail: string;
  /** Worth another attempt: 429, 5xx, or no response at all (connection refused, reset, timeout). */
  transient: boolean;
  /** On 429: `retry-after` (seconds or an HTTP date) or `x-ms-user-quota-resets-after` (hh:mm:ss), when given. */
  retryAfterInMs?: number;
}

interface HeaderBag {
  get(name: string): string | undefined | null;
}

/**
 * Classifies what an Azure SDK client threw (the `RestError` of either SDK generation, or a Node.js system error):
 * 401/403 -> no read access, 429 -> throttled, anything else (connection refused, timeouts, 5xx) -> unreachable.
 */
export function armFailureOf(error: unknown): ArmFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { statusCode?: unknown; code?: unknown; response?: { headers?: HeaderBag } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
  const detail = status === undefined ? (code ?? 'no response') : `HTTP ${status}${code === undefined ? '' : ` ${code}`}`;
  if (status === 401 || status === 403) return { kind: SubscriptionProblemKind.NoReadAccess, detail, transient: false };
  if (status === 429) {
    const retryAfterInMs = retryAfterOf(e.response?.headers);
    return { kind: SubscriptionProblemKind.Throttled, detail, transient: true, ...(retryAfterInMs === undefined ? {} : { retryAfterInMs }) };
  }
  return { kind: SubscriptionProblemKind.Unreachable, detail, transient: status === undefined || status >= 500 };
}

/** How long to wait before the next attempt: what Azure asked, else 1 s, 2 s, 4 s, ... */
export function retryDelayOf(failure: ArmFailure, attempt: number): number {
  return failure.retryAfterInMs ?? 1000 * 2 ** attempt;
}

function retryAfterOf(headers: HeaderBag | undefined): number | undefined {
  if (headers === undefined || typeof headers.get !== 'function') return undefined;
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const resetsAfter = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(headers.get('x-ms-user-quota-resets-after')?.trim() ?? '');
  if (resetsAfter !== null) return Math.ceil((Number(resetsAfter[1]) * 3600 + Number(resetsAfter[2]) * 60 + Number(resetsAfter[3])) * 1000);
  return undefined;
}
