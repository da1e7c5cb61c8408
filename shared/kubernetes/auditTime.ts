import { z } from 'zod';

/** The request time of a well-formed event: RFC 3339 with a zone. */
export const auditTime = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time' });

/** Whether a request time passes normalization's fast path as it stands (no conversion). */
export function isAuditTime(value: string): boolean {
  return auditTime.safeParse(value).success;
}
