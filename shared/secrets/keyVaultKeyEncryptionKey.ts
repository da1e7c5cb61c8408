import type { TokenCredential } from '@azure/identity';
import { CryptographyClient, type CryptographyClientOptions, KeyClient, type KeyClientOptions, parseKeyVaultKeyIdentifier } from '@azure/keyvault-keys';
import { KeyEncryptionKeyError, KeyEncryptionKeyErrorCode, type KeyEncryptionKey, type WrappedKey } from './keyEncryptionKey';

/**
 * The key-encryption key in production: an RSA key in Azure Key Vault (infra/modules/keyVault.bicep), used through the
 * app's managed identity (role "Key Vault Crypto User" on the key) with RSA-OAEP-256, so the key never leaves the vault.
 *
 * `SECRETS_KEY_ID` names the key without a version. Wrapping asks the vault which version is the newest (reused for
 * `currentVersionTtlInMs`) and then wraps with that version's own client, so the stored key id is exactly the version
 * that wrapped (the SDK's client of a versionless id would report the version it first fetched while the vault wraps
 * with the newest one). Unwrapping uses the version the document names, and only if it is a version of the configured
 * key in the configured vault: a key id altered in the database never sends the app's token anywhere else.
 */

export const KEY_VAULT_WRAP_ALGORITHM = 'RSA-OAEP-256';

export interface KeyVaultKeyEncryptionKeyOptions {
  /** Options of the SDK clients (a local test vault: `disableChallengeResourceVerification`, fewer retries). */
  clientOptions?: KeyClientOptions & CryptographyClientOptions;
  /** How long the newest version is reused for wrapping before asking the vault again (default 5 minutes). */
  currentVersionTtlInMs?: number;
  nowInMs?: () => number;
}

export class KeyVaultKeyEncryptionKey implements KeyEncryptionKey {
  readonly vaultUrl: string;
  readonly keyName: string;
  private readonly keyClient: KeyClient;
  private readonly cryptographyClients = new Map<string, CryptographyClient>();
  private current: { keyId: Promise<string>; expiresAtMs: number } | undefined;
  private readonly ttlInMs: number;
  private readonly nowInMs: () => number;

  constructor(
    /** `https://<vault>.vault.azure.net/keys/<name>`, without a version. */
    keyId: string,
    private readonly credential: TokenCredential,
    private readonly options: KeyVaultKeyEncryptionKeyOptions = {},
  ) {
    const parsed = parseKeyVaultKeyIdentifier(keyId.replace(/(?<!\/)\/+$/, ''));
    if (parsed.version !== undefined) throw new Error(`The secrets key id ${keyId} names a version; give the key without it, so that new versions are used.`);
    this.vaultUrl = parsed.vaultUrl;
    this.keyName = parsed.name;
    this.keyClient = new KeyClient(this.vaultUrl, credential, options.clientOptions);
    this.ttlInMs = options.currentVersionTtlInMs ?? 300_000;
    this.nowInMs = options.nowInMs ?? Date.now;
  }

  async wrapKey(dek: Uint8Array): Promise<WrappedKey> {
    const keyId = await this.cachedCurrentKeyId();
    const result = await this.call(keyId, () => this.cryptographyClientOf(keyId).wrapKey(KEY_VAULT_WRAP_ALGORITHM, dek));
    return { keyId, algorithm: KEY_VAULT_WRAP_ALGORITHM, wrapped: result.result };
  }

  async unwrapKey(wrapped: Uint8Array, keyId: string, algorithm: string): Promise<Uint8Array> {
    if (algorithm !== KEY_VAULT_WRAP_ALGORITHM || !this.isVersionOfKey(keyId)) {
      throw new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.keyNotAllowed, `${keyId} (${algorithm}) is not an ${KEY_VAULT_WRAP_ALGORITHM} version of ${this.vaultUrl}/keys/${this.keyName}`);
    }
    const result = await this.call(keyId, () => this.cryptographyClientOf(keyId).unwrapKey(KEY_VAULT_WRAP_ALGORITHM, wrapped));
    return result.result;
  }

  /** The newest version's id, asked of the vault (the key's `keys/read`, part of Key Vault Crypto User). */
  async currentKeyId(): Promise<string> {
    const key = await this.call(`${this.vaultUrl}/keys/${this.keyName}`, () => this.keyClient.getKey(this.keyName));
    if (key.id === undefined) throw new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.unavailable, `Key Vault gave no id for key ${this.keyName}`);
    this.current = { keyId: Promise.resolve(key.id), expiresAtMs: this.nowInMs() + this.ttlInMs };
    return key.id;
  }

  private cachedCurrentKeyId(): Promise<string> {
    if (this.current !== undefined && this.current.expiresAtMs > this.nowInMs()) return this.current.keyId;
    const loading = { keyId: this.currentKeyId(), expiresAtMs: this.nowInMs() + this.ttlInMs };
    loading.keyId.catch(() => {
      if (this.current === loading) this.current = undefined;
    });
    this.current = loading;
    return loading.keyId;
  }

  private isVersionOfKey(keyId: string): boolean {
    try {
      const parsed = parseKeyVaultKeyIdentifier(keyId);
      return parsed.vaultUrl.toLowerCase() === this.vaultUrl.toLowerCase() && parsed.name === this.keyName && parsed.version !== undefined && parsed.version !== '';
    } catch {
      return false;
    }
  }

  private cryptographyClientOf(keyId: string): CryptographyClient {
    let client = this.cryptographyClients.get(keyId);
    if (client === undefined) {
      client = new CryptographyClient(keyId, this.credential, this.options.clientOptions);
      this.cryptographyClients.set(keyId, client);
    }
    return client;
  }

  /** Runs a vault call; its failure as a KeyEncryptionKeyError (transient unless the vault said the version is unknown or refused the bytes). */
  private async call<T>(keyId: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toKeyEncryptionKeyError(error, keyId);
    }
  }
}

function toKeyEncryptionKeyError(error: unknown, keyId: string): KeyEncryptionKeyError {
  if (error instanceof KeyEncryptionKeyError) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404) return new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.keyVersionUnknown, `Key Vault has no ${keyId} (404): ${message}`, { cause: error });
  if (status === 400) return new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.unwrapFailed, `Key Vault refused the operation with ${keyId} (400): ${message}`, { cause: error });
  if (typeof status === 'number' || (error as { name?: unknown }).name === 'RestError') {
    const hint = status === 401 || status === 403 ? ' (does the app identity hold "Key Vault Crypto User" on the key?)' : '';
    return new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.unavailable, `Key Vault did not answer for ${keyId} (${typeof status === 'number' ? status : 'no response'})${hint}: ${message}`, { cause: error });
  }
  // The SDK's own checks (key expired, not yet valid, operation not allowed on the key): the same on every try.
  return new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.unwrapFailed, `${keyId}: ${message}`, { cause: error });
}
