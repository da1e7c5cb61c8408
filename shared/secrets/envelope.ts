import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of the service's secrets (webhook signing secrets, the simulation signing key, the ingestion-key
 * verifiers): each secret has its own random 256-bit data-encryption key (DEK); the secret is encrypted with it
 * (AES-256-GCM, a random 96-bit nonce), and only the DEK wrapped by the key-encryption key (keyEncryptionKey.ts) is
 * stored beside it. The associated data names the document and field the secret belongs to, so a ciphertext copied
 * into another document (another subscription, target or cluster) does not decrypt. The associated data never names
 * the KEK version: re-wrapping the DEK under a new version (the rotation) leaves the ciphertext as it is.
 *
 * Pure but for the random bytes: the KEK calls and the DEK cache are in secretProtector.ts.
 */

export const ENVELOPE_VERSION = 1;
export const CONTENT_ENCRYPTION = 'A256GCM';
export const VERIFIER_MAC = 'HS256';
export const DEK_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What is stored for an encrypted secret. Binary fields are base64url. */
export interface SealedSecret {
  v: typeof ENVELOPE_VERSION;
  /** The KEK version that wrapped the DEK (a Key Vault key id with its version). */
  kid: string;
  /** How the DEK is wrapped (`RSA-OAEP-256`, `A256KW`). */
  alg: string;
  wrappedKey: string;
  enc: typeof CONTENT_ENCRYPTION;
  iv: string;
  ciphertext: string;
  tag: string;
}

/**
 * What is stored to check a presented secret without being able to recover or test it offline: an HMAC-SHA256 of
 * the value under a DEK that is stored only wrapped. Whoever reads the database has a MAC they cannot recompute.
 */
export interface SealedVerifier {
  v: typeof ENVELOPE_VERSION;
  kid: string;
  alg: string;
  wrappedKey: string;
  mac: typeof VERIFIER_MAC;
  value: string;
}

/** The parts of a sealed secret the DEK produces. */
export interface EncryptedParts {
  iv: string;
  ciphertext: string;
  tag: string;
}

export function generateDek(): Buffer {
  return randomBytes(DEK_BYTES);
}

export function encryptWithDek(dek: Uint8Array, plaintext: Uint8Array, associatedData: string): EncryptedParts {
  const iv = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64url'), ciphertext: ciphertext.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

/** The plaintext; throws when the ciphertext, nonce, tag or associated data is not what was sealed. */
export function decryptWithDek(dek: Uint8Array, parts: EncryptedParts, associatedData: string): Buffer {
  const iv = Buffer.from(parts.iv, 'base64url');
  const tag = Buffer.from(parts.tag, 'base64url');
  if (iv.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new Error('the nonce or the tag has the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', dek, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(parts.ciphertext, 'base64url')), decipher.final()]);
}

/** HMAC-SHA256 of the associated data and the value (length-prefixed, so the two cannot be shifted into each other). */
export function macWithDek(dek: Uint8Array, value: Uint8Array, associatedData: string): Buffer {
  const context = Buffer.from(associatedData, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(context.length);
  return createHmac('sha256', dek).update(length).update(context).update(value).digest();
}

const base64url = /^[A-Za-z0-9_-]*$/;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The fields a sealed secret and a sealed verifier share: the envelope version, the wrapping key and its algorithm. */
function wrappedKeyHeader(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  return v['v'] === ENVELOPE_VERSION && isText(v['kid']) && isText(v['alg']) ? v : undefined;
}

const areBase64url = (parts: readonly unknown[]): boolean => parts.every((part) => typeof part === 'string' && base64url.test(part));

/** Whether a stored value has the shape of a sealed secret (legacy documents hold the plaintext instead). */
export function isSealedSecret(value: unknown): value is SealedSecret {
  const v = wrappedKeyHeader(value);
  return v !== undefined && v['enc'] === CONTENT_ENCRYPTION && areBase64url([v['wrappedKey'], v['iv'], v['ciphertext'], v['tag']]);
}

export function isSealedVerifier(value: unknown): value is SealedVerifier {
  const v = wrappedKeyHeader(value);
  return v !== undefined && v['mac'] === VERIFIER_MAC && areBase64url([v['wrappedKey'], v['value']]);
}
