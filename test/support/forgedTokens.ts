import { createHmac, createSign, KeyObject } from 'node:crypto';
import type { CryptoKey } from 'jose';

/**
 * Raw compact-JWS building blocks for attack tests: they write exactly the header a test asks for (jose's
 * signers refuse to lie), so a token can claim one algorithm and carry a signature made with another.
 */

/** One segment of a compact JWS: base64url of the JSON value, or of the string as it is. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** `header.payload.signature` with a real RSASSA-PKCS1-v1_5 SHA-256 signature, whatever the header's `alg` says. */
export function signWithRs256(header: object, payload: unknown, privateKey: CryptoKey): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(KeyObject.from(privateKey));
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** `header.payload.signature` with an HMAC-SHA256 over the signing input, keyed with `secret` (algorithm confusion). */
export function signWithHs256(header: object, payload: unknown, secret: string): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The segment with the lowest spare bit of its last character flipped: it decodes to the same bytes but is not
 * the canonical encoding. Throws when the segment has no spare bits (its length is a multiple of 4).
 */
export function withSpareBitFlipped(segment: string): string {
  const last = ALPHABET.indexOf(segment.slice(-1));
  if (segment.length % 4 === 0 || last < 0) throw new Error(`a segment of length ${segment.length} has no spare bits to flip`);
  return `${segment.slice(0, -1)}${ALPHABET.charAt(last ^ 1)}`;
}
