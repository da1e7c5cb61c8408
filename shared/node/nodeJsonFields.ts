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

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether `value` is an RFC 3339 timestamp (nanoseconds allowed) of a real date. */
export function isRfc3339(value: unknown): value is string {
  return typeof value === 'string' && RFC_3339.test(value) && !Number.isNaN(Date.parse(value.replace(/(\.\d{3})\d+/, '$1')));
}
