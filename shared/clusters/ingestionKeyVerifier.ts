import { timingSafeEqual } from 'node:crypto';
import { type SealedVerifier } from '../secrets/envelope';
import { type SecretProtector } from '../secrets/secretProtector';
import { hashIngestionKey, type ParsedIngestionKey } from './ingestionKey';

/**
 * What a cluster registration stores to check its ingestion keys: a keyed verifier, HMAC-SHA256 under a data key that
 * is stored only wrapped by the key-encryption key in Key Vault (shared/secrets/envelope.ts), of the key's SHA-256,
 * bound to the registration (subscription and cluster). Chosen over encrypting the hash: the verifier stays one-way
 * even for someone holding the data key, a presented key is checked by one HMAC and one constant-time comparison
 * (the data key is cached per instance), and a copy of the database gives nothing to test a key against offline:
 * without the vault, no one can compute what a guessed or leaked key would have to match. Its input is the key's
 * SHA-256, what registrations stored before, so those documents are converted without the key (on the next key
 * issue, or by `argus rotate-secrets-key`); until then their plain hashes are still checked, in constant time.
 */

/** The registration fields a presented key is checked against. */
export interface StoredKeyVerifiers {
  subscriptionId: string;
  clusterName: string;
  keyVerifier?: SealedVerifier;
  /** SHA-256 hex of the key: registrations written before the keyed verifiers. */
  keyHash?: string;
  previousKeyVerifier?: SealedVerifier;
  previousKeyHash?: string;
  previousKeyExpiresAtUtc?: string;
}

export function ingestionKeyAssociatedData(subscriptionId: string, clusterName: string): string {
  return `argus/clusters/${subscriptionId.toLowerCase()}/${clusterName.toLowerCase()}/ingestionKey`;
}

export function clusterRegistrationDocument(subscriptionId: string, clusterName: string): string {
  return `clusters/${subscriptionId}/${clusterName}`;
}

/** A verifier of a key from its SHA-256 (hex, as `generateIngestionKey` gives it and registrations stored it). */
export function createIngestionKeyVerifier(protector: SecretProtector, subscriptionId: string, clusterName: string, keyHash: string): Promise<SealedVerifier> {
  return protector.createVerifier(Buffer.from(keyHash, 'hex'), ingestionKeyAssociatedData(subscriptionId, clusterName));
}

/**
 * Whether the key matches the registration's current key, or its previous key while that is within its grace at
 * `now`. Both comparisons always run, so the time taken does not say which matched. A verifier that cannot be read
 * throws (a `SecretAccessError` naming the registration, or a transient key error).
 */
export async function verifyIngestionKeyWithVerifiers(protector: SecretProtector, key: ParsedIngestionKey, stored: StoredKeyVerifiers, now: Date): Promise<boolean> {
  const presented = Buffer.from(hashIngestionKey(key.key), 'hex');
  const associatedData = ingestionKeyAssociatedData(stored.subscriptionId, stored.clusterName);
  const document = clusterRegistrationDocument(stored.subscriptionId, stored.clusterName);
  const matches = async (verifier: SealedVerifier | undefined, legacyHash: string | undefined): Promise<boolean> => {
    if (verifier !== undefined) return protector.matchesVerifier(verifier, presented, associatedData, document);
    return legacyHash !== undefined && sameHash(presented, legacyHash);
  };
  const [matchesCurrent, matchesPrevious] = await Promise.all([
    matches(stored.keyVerifier, stored.keyHash),
    matches(stored.previousKeyVerifier, stored.previousKeyHash),
  ]);
  const previousValid = stored.previousKeyExpiresAtUtc !== undefined && Date.parse(stored.previousKeyExpiresAtUtc) > now.getTime();
  return matchesCurrent || (previousValid && matchesPrevious);
}

/** The registration's current key as a verifier: its own, or one made from a plain hash of an older document. */
export async function currentKeyVerifierOf(protector: SecretProtector, stored: StoredKeyVerifiers): Promise<SealedVerifier | undefined> {
  if (stored.keyVerifier !== undefined) return stored.keyVerifier;
  return stored.keyHash === undefined ? undefined : createIngestionKeyVerifier(protector, stored.subscriptionId, stored.clusterName, stored.keyHash);
}

function sameHash(presented: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  // A malformed stored hash (wrong length) matches nothing; timingSafeEqual needs equal lengths.
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
