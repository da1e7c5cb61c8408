/**
 * The key-encryption key (KEK) of the envelope encryption (shared/secrets/envelope.ts): it only ever wraps and
 * unwraps the random data-encryption keys (DEKs) the secrets are encrypted with, and never leaves its home. In
 * production it is an RSA key in Azure Key Vault (keyVaultKeyEncryptionKey.ts); locally and in tests an AES key in a
 * versioned file of the data folder (localKeyFileKeyEncryptionKey.ts). Two implementations because the backing
 * service differs; everything above this interface is the same code in both.
 */

/** A DEK wrapped by one version of the KEK. */
export interface WrappedKey {
  /** The KEK version that wrapped it, with its version (a Key Vault key id `https://<vault>/keys/<name>/<version>`). */
  keyId: string;
  /** The wrapping algorithm (`RSA-OAEP-256` in Key Vault, `A256KW` for the local key file). */
  algorithm: string;
  wrapped: Uint8Array;
}

export interface KeyEncryptionKey {
  /** Wraps a DEK with the newest version of the key. */
  wrapKey(dek: Uint8Array): Promise<WrappedKey>;
  /** Unwraps a DEK with the version that wrapped it (`keyId`, as `wrapKey` returned it). */
  unwrapKey(wrapped: Uint8Array, keyId: string, algorithm: string): Promise<Uint8Array>;
  /** The id (with version) of the newest version: what `wrapKey` uses now, and what a rotation re-wraps to. */
  currentKeyId(): Promise<string>;
}

export const KeyEncryptionKeyErrorCode = {
  /** The stored key id names a version the key does not have (removed, or never existed). */
  keyVersionUnknown: 'KeyVersionUnknown',
  /** The stored key id is not a version of the configured key (another vault or key name): never sent anywhere. */
  keyNotAllowed: 'KeyNotAllowed',
  /** The key refused the wrapped bytes (altered, or wrapped by another key). */
  unwrapFailed: 'UnwrapFailed',
  /** The key could not be reached (network, throttling, service error): worth trying again. */
  unavailable: 'KeyUnavailable',
} as const;
export type KeyEncryptionKeyErrorCode = (typeof KeyEncryptionKeyErrorCode)[keyof typeof KeyEncryptionKeyErrorCode];

export class KeyEncryptionKeyError extends Error {
  override readonly name = 'KeyEncryptionKeyError';
  constructor(
    readonly code: KeyEncryptionKeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Only an unreachable key is transient; the other codes stay the same however often one tries. */
  get transient(): boolean {
    return this.code === KeyEncryptionKeyErrorCode.unavailable;
  }
}

/** Whether an error is a key-encryption key that could not be reached (a batch that met it should be retried). */
export function isTransientKeyError(error: unknown): boolean {
  return error instanceof KeyEncryptionKeyError && error.transient;
}
