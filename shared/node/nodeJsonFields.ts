/** Readers of the scalar fields of node events, total over untrusted JSON. */

/**
 * A number from a protobuf JSON field: 32-bit integers are JSON numbers, 64-bit ones are strings
 * (`"sock_cookie": "1844..."`), and shippers sometimes turn numbers into strings. Undefined when not numeric.
 */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A non-empty string, else undefined. */
export function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const RFC_3339 = /^\d{4}-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `value` is an RFC 3339 timestamp (nanoseconds allowed) with fields in range (every event pays for this: no Date). */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC_3339.exec(value);
  if (match === null) return false;
  const month = Number(match[1]);
  const day = Number(match[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= (DAYS_IN_MONTH[month - 1] ?? 0) && Number(match[3]) < 24 && Number(match[4]) < 60 && Number(match[5]) < 61;
}
