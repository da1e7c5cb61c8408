import { timingSafeEqual } from 'node:crypto';
import {
  CONTENT_ENCRYPTION,
  decryptWithDek,
  encryptWithDek,
  ENVELOPE_VERSION,
  generateDek,
  isSealedSecret,
  isSealedVerifier,
  macWithDek,
  type SealedSecret,
  type SealedVerifier,
  VERIFIER_MAC,
} from './envelope';
import { KeyEncryptionKeyError, type KeyEncryptionKey } from './keyEncryptionKey';

/**
 * Seals and opens the service's secrets with envelope encryption (envelope.ts) under a key-encryption key, and keeps
 * the unwrapped DEKs of an instance in memory (bounded, with a time to live), so that steady traffic (every webhook
 * delivery, every ingestion request) unwraps each DEK once per instance and TTL, not once per use.
 */

export const SecretAccessReason = {
  /** The stored value is not a sealed secret of a version this code reads. */
  malformed: 'MalformedSecret',
  /** The ciphertext, nonce, tag or the document it is bound to is not what was sealed. */
  tampered: 'SecretTampered',
  keyVersionUnknown: 'KeyVersionUnknown',
  keyNotAllowed: 'KeyNotAllowed',
  unwrapFailed: 'UnwrapFailed',
} as const;
export type SecretAccessReason = (typeof SecretAccessReason)[keyof typeof SecretAccessReason];

/**
 * A stored secret that cannot be read, naming the document it is in; never transient (trying again gives the same
 * answer). An unreachable key-encryption key is a transient `KeyEncryptionKeyError` instead.
 */
export class SecretAccessError extends Error {
  override readonly name = 'SecretAccessError';
  readonly code = 'SecretUnavailable';
  constructor(
    /** The document and field, e.g. `exportSettings/<subscription> target soar`. */
    readonly document: string,
    readonly reason: SecretAccessReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`The secret of ${document} cannot be read (${reason}): ${detail}`, options);
  }
}

export interface SecretProtectorOptions {
  /** How long an unwrapped DEK is kept (default 1 hour): a KEK version disabled in Key Vault stops working within it. */
  dekCacheTtlInMs?: number;
  /** How many unwrapped DEKs are kept (default 10,000: every cluster's verifier and every webhook target of a busy instance). */
  dekCacheSize?: number;
  nowInMs?: () => number;
}

interface CachedDek {
  dek: Promise<Buffer>;
  expiresAtMs: number;
}

export class SecretProtector {
  private readonly deks = new Map<string, CachedDek>();
  private readonly ttlInMs: number;
  private readonly maxEntries: number;
  private readonly nowInMs: () => number;

  constructor(
    readonly kek: KeyEncryptionKey,
    options: SecretProtectorOptions = {},
  ) {
    this.ttlInMs = options.dekCacheTtlInMs ?? 3_600_000;
    this.maxEntries = Math.max(1, options.dekCacheSize ?? 10_000);
    this.nowInMs = options.nowInMs ?? Date.now;
  }

  /** Encrypts a secret under a new DEK, bound to `associatedData` (the document and field it is stored in). */
  async seal(plaintext: Uint8Array | string, associatedData: string): Promise<SealedSecret> {
    const dek = generateDek();
    const wrapped = await this.kek.wrapKey(dek);
    const parts = encryptWithDek(dek, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, associatedData);
    this.remember(wrapped.keyId, wrapped.algorithm, Buffer.from(wrapped.wrapped).toString('base64url'), dek);
    return {
      v: ENVELOPE_VERSION,
      kid: wrapped.keyId,
      alg: wrapped.algorithm,
      wrappedKey: Buffer.from(wrapped.wrapped).toString('base64url'),
      enc: CONTENT_ENCRYPTION,
      ...parts,
    };
  }

  /** The plaintext of a sealed secret stored in `document`; a `SecretAccessError` naming it when it cannot be read. */
  async open(sealed: unknown, associatedData: string, document: string): Promise<Buffer> {
    if (!isSealedSecret(sealed)) throw new SecretAccessError(document, SecretAccessReason.malformed, 'the stored value is not a sealed secret of version 1');
    const dek = await this.dekOf(sealed, document);
    try {
      return decryptWithDek(dek, sealed, associatedData);
    } catch (error) {
      throw new SecretAccessError(document, SecretAccessReason.tampered, 'the ciphertext does not authenticate for this document', { cause: error });
    }
  }

  async openText(sealed: unknown, associatedData: string, document: string): Promise<string> {
    return (await this.open(sealed, associatedData, document)).toString('utf8');
  }

  /** A verifier of `value` under a new DEK: HMAC-SHA256 of the associated data and the value. */
  async createVerifier(value: Uint8Array, associatedData: string): Promise<SealedVerifier> {
    const dek = generateDek();
    const wrapped = await this.kek.wrapKey(dek);
    const wrappedKey = Buffer.from(wrapped.wrapped).toString('base64url');
    this.remember(wrapped.keyId, wrapped.algorithm, wrappedKey, dek);
    return { v: ENVELOPE_VERSION, kid: wrapped.keyId, alg: wrapped.algorithm, wrappedKey, mac: VERIFIER_MAC, value: macWithDek(dek, value, associatedData).toString('base64url') };
  }

  /** Whether `value` is what the verifier was made of, for this associated data; compared in constant time. */
  async matchesVerifier(verifier: unknown, value: Uint8Array, associatedData: string, document: string): Promise<boolean> {
    if (!isSealedVerifier(verifier)) throw new SecretAccessError(document, SecretAccessReason.malformed, 'the stored value is not a sealed verifier of version 1');
    const dek = await this.dekOf(verifier, document);
    const expected = Buffer.from(verifier.value, 'base64url');
    const presented = macWithDek(dek, value, associatedData);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  }

  /**
   * The same sealed value with its DEK wrapped by the KEK's newest version (`currentKeyId`); the ciphertext or MAC is
   * untouched and no plaintext is produced. The value itself when it is already wrapped by that version.
   */
  async rewrap<T extends SealedSecret | SealedVerifier>(sealed: T, currentKeyId: string, document: string): Promise<T> {
    if (sealed.kid === currentKeyId) return sealed;
    const dek = await this.dekOf(sealed, document);
    const wrapped = await this.kek.wrapKey(dek);
    const wrappedKey = Buffer.from(wrapped.wrapped).toString('base64url');
    this.remember(wrapped.keyId, wrapped.algorithm, wrappedKey, dek);
    return { ...sealed, kid: wrapped.keyId, alg: wrapped.algorithm, wrappedKey };
  }

  currentKeyId(): Promise<string> {
    return this.kek.currentKeyId();
  }

  /** Forgets every unwrapped DEK (tests; an operator who removed a key version and wants it to stop at once). */
  clearCache(): void {
    this.deks.clear();
  }

  private dekOf(sealed: { kid: string; alg: string; wrappedKey: string }, document: string): Promise<Buffer> {
    const cacheKey = `${sealed.kid}\n${sealed.alg}\n${sealed.wrappedKey}`;
    const now = this.nowInMs();
    const cached = this.deks.get(cacheKey);
    if (cached !== undefined && cached.expiresAtMs > now) {
      // Most recently used last: the first entry is the one evicted.
      this.deks.delete(cacheKey);
      this.deks.set(cacheKey, cached);
      return cached.dek;
    }
    const entry: CachedDek = {
      dek: this.kek.unwrapKey(Buffer.from(sealed.wrappedKey, 'base64url'), sealed.kid, sealed.alg).then(
        (dek) => Buffer.from(dek),
        (error: unknown) => {
          if (this.deks.get(cacheKey) === entry) this.deks.delete(cacheKey);
          throw toAccessError(error, sealed.kid, document);
        },
      ),
      expiresAtMs: now + this.ttlInMs,
    };
    this.store(cacheKey, entry);
    return entry.dek;
  }

  private remember(kid: string, alg: string, wrappedKey: string, dek: Buffer): void {
    this.store(`${kid}\n${alg}\n${wrappedKey}`, { dek: Promise.resolve(dek), expiresAtMs: this.nowInMs() + this.ttlInMs });
  }

  private store(cacheKey: string, entry: CachedDek): void {
    this.deks.delete(cacheKey);
    this.deks.set(cacheKey, entry);
    while (this.deks.size > this.maxEntries) {
      const oldest = this.deks.keys().next().value;
      if (oldest === undefined) break;
      this.deks.delete(oldest);
    }
  }
}

/** A KEK failure as the document's error; a transient one (the key could not be reached) stays as it is. */
function toAccessError(error: unknown, kid: string, document: string): unknown {
  if (!(error instanceof KeyEncryptionKeyError) || error.transient) return error;
  const reason =
    error.code === 'KeyVersionUnknown' ? SecretAccessReason.keyVersionUnknown : error.code === 'KeyNotAllowed' ? SecretAccessReason.keyNotAllowed : SecretAccessReason.unwrapFailed;
  return new SecretAccessError(document, reason, `key ${kid}: ${error.message}`, { cause: error });
}
