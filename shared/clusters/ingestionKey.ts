import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A cluster's ingestion key: the bearer token its API server's audit webhook presents. The key names its
 * registration (`argus1.<subscriptionId>.<clusterName>.<secret>`), so the webhook finds it with one point
 * read instead of a query; only the SHA-256 of the whole key is stored, and the secret's 32 random bytes
 * make guessing hopeless. The subscription id and cluster name are not secret.
 */

/** The version tag that starts every key; a future format gets a new one. */
const KEY_VERSION = 'argus1';
const SECRET_BYTES = 32;
/** base64url without padding of 32 bytes: 43 characters. */
const SECRET_LENGTH = 43;
/** How many characters of the secret the `keyId` shows. */
const KEY_ID_LENGTH = 8;

const keyPattern =
  /^argus1\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z0-9][a-z0-9_-]{0,62})\.([A-Za-z0-9_-]{43})$/;

export interface IngestionKey {
  /** The whole key text, shown to the owner once. */
  key: string;
  subscriptionId: string;
  clusterName: string;
  /** SHA-256 of the key, lower-case hex: what the registration stores. */
  keyHash: string;
  /** The first characters of the secret: lets owners tell keys apart without revealing them. */
  keyId: string;
}

/** The registration a presented key claims to belong to. */
export interface ParsedIngestionKey {
  key: string;
  subscriptionId: string;
  clusterName: string;
}

/** The `keyId` of a presented key (the first characters of its secret, as `generateIngestionKey` gives it): not secret. */
export function ingestionKeyIdOf(key: ParsedIngestionKey): string {
  return key.key.slice(key.key.lastIndexOf('.') + 1).slice(0, KEY_ID_LENGTH);
}

/** What a key is checked against: the registration's current hash and, during a rotation's grace, the previous one. */
export interface StoredKeyHashes {
  keyHash: string;
  previousKeyHash?: string;
  previousKeyExpiresAtUtc?: string;
}

/** A new key for a registration; `subscriptionId` and `clusterName` lower case, as the registration stores them. */
export function generateIngestionKey(subscriptionId: string, clusterName: string): IngestionKey {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const key = `${KEY_VERSION}.${subscriptionId}.${clusterName}.${secret}`;
  if (parseIngestionKey(key) === undefined) throw new Error('generateIngestionKey: the subscription id or cluster name cannot be part of a key.');
  return { key, subscriptionId, clusterName, keyHash: hashIngestionKey(key), keyId: secret.slice(0, KEY_ID_LENGTH) };
}

/**
 * Reads a presented key. Strict: exactly the form `generateIngestionKey` makes, nothing trimmed or
 * re-cased; anything else is undefined, with no reason (the caller answers a generic 401).
 */
export function parseIngestionKey(text: string): ParsedIngestionKey | undefined {
  const match = keyPattern.exec(text);
  if (!match) return undefined;
  const [, subscriptionId = '', clusterName = '', secret = ''] = match;
  // 43 base64url characters carry 258 bits: the last 2 must be zero for the text to be exactly 32 bytes.
  if (secret.length !== SECRET_LENGTH || Buffer.from(secret, 'base64url').toString('base64url') !== secret) return undefined;
  return { key: text, subscriptionId, clusterName };
}

export function hashIngestionKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Whether the key matches the registration's current hash, or its previous hash while that is still
 * within its grace period at `now`. Compared in constant time.
 */
export function verifyIngestionKey(key: ParsedIngestionKey, stored: StoredKeyHashes, now: Date): boolean {
  const presented = createHash('sha256').update(key.key, 'utf8').digest();
  const matchesCurrent = sameHash(presented, stored.keyHash);
  const previousValid =
    stored.previousKeyHash !== undefined &&
    stored.previousKeyExpiresAtUtc !== undefined &&
    Date.parse(stored.previousKeyExpiresAtUtc) > now.getTime();
  // Both comparisons always run, so the time taken does not say which hash matched.
  const matchesPrevious = sameHash(presented, stored.previousKeyHash ?? '');
  return matchesCurrent || (previousValid && matchesPrevious);
}

function sameHash(presented: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  // A malformed stored hash (wrong length) matches nothing; timingSafeEqual needs equal lengths.
  if (stored.length !== presented.length) return false;
  return timingSafeEqual(presented, stored);
}
