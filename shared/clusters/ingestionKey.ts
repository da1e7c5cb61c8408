import { createHash, randomBytes } from 'node:crypto';

/**
 * A cluster's ingestion key: the bearer token its API server's audit webhook presents. The key names its
 * registration (`argus1.<subscriptionId>.<clusterName>.<secret>`), so the webhook finds it with one point
 * read instead of a query; the registration stores only a keyed verifier of the key's SHA-256
 * (ingestionKeyVerifier.ts), and the secret's 32 random bytes make guessing hopeless. The subscription id
 * and cluster name are not secret.
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
  /** SHA-256 of the key, lower-case hex: what the registration's verifier is made of. */
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
