import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The request header that carries `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-argus-signature';
/** The request header that carries the delivery's id: the same on every retry of one delivery. */
export const WEBHOOK_DELIVERY_HEADER = 'x-argus-delivery';
/** The request header that names the event delivered (`alertChanged`: an alert was raised or changed). */
export const WEBHOOK_EVENT_HEADER = 'x-argus-event';

const SECRET_PREFIX = 'whsec_';
const SIGNATURE_PREFIX = 'sha256=';
const SIGNATURE_PATTERN = /^sha256=[0-9a-f]{64}$/;

/** A new signing secret: 32 random bytes, base64url, prefixed `whsec_`. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The signature header's value for a body: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body
 * bytes, keyed with the secret's UTF-8 bytes (the whole secret, `whsec_` prefix included).
 */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `${SIGNATURE_PREFIX}${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex')}`;
}

/** True when the header is the body's signature under the secret; false for a missing or malformed header. */
export function verifyWebhookSignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const received = header.trim().toLowerCase();
  if (!SIGNATURE_PATTERN.test(received)) return false;
  const expected = Buffer.from(signWebhookBody(secret, body), 'utf8');
  const actual = Buffer.from(received, 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
