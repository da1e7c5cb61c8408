import { randomBytes } from 'node:crypto';
import { staticTokenCredential } from '../../../shared/azure/createClusterSource';
import { KeyEncryptionKeyError } from '../../../shared/secrets/keyEncryptionKey';
import { KEY_VAULT_WRAP_ALGORITHM, KeyVaultKeyEncryptionKey } from '../../../shared/secrets/keyVaultKeyEncryptionKey';
import { SecretProtector } from '../../../shared/secrets/secretProtector';
import { type LocalKeyVault, startLocalKeyVault } from '../../support/localKeyVault';

/**
 * The Key Vault key-encryption key through the real `@azure/keyvault-keys` clients, against a local endpoint that
 * speaks the Key Vault REST shapes and its 401 bearer challenge (test/support/localKeyVault.ts).
 */

const TOKEN = 'kv-test-token';

describe('KeyVaultKeyEncryptionKey', () => {
  let vault: LocalKeyVault;
  let now = 0;
  const kekOf = (keyId = vault.keyId) =>
    new KeyVaultKeyEncryptionKey(keyId, staticTokenCredential(TOKEN), {
      // The local vault is plain HTTP on 127.0.0.1, not *.vault.azure.net: the SDK would refuse both otherwise.
      clientOptions: { disableChallengeResourceVerification: true, allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
      currentVersionTtlInMs: 1000,
      nowInMs: () => now,
    });
  const errorOf = async (promise: Promise<unknown>): Promise<KeyEncryptionKeyError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof KeyEncryptionKeyError) return error;
      throw error;
    }
    throw new Error('expected a KeyEncryptionKeyError');
  };

  beforeEach(async () => {
    vault = await startLocalKeyVault({ token: TOKEN });
    now = 0;
  });
  afterEach(() => vault.close());

  it('when a data key is wrapped and unwrapped, then the SDK answers the bearer challenge, the key id names the version, and the key comes back', async () => {
    const kek = kekOf();
    const dek = randomBytes(32);
    const wrapped = await kek.wrapKey(dek);
    expect(wrapped.algorithm).toBe(KEY_VAULT_WRAP_ALGORITHM);
    expect(wrapped.keyId).toBe(`${vault.keyId}/${vault.versions()[0]!}`);
    expect(Buffer.from(wrapped.wrapped)).not.toEqual(dek);
    expect(Buffer.from(await kek.unwrapKey(wrapped.wrapped, wrapped.keyId, wrapped.algorithm))).toEqual(dek);

    // The first request of each client went without a token and got the challenge; every later one carried the token.
    expect(vault.requests[0]).toMatchObject({ authorized: false });
    expect(vault.requests.filter((r) => !r.authorized).length).toBeLessThanOrEqual(3);
    const operations = vault.requests.filter((r) => r.authorized).map((r) => `${r.method} ${r.path}`);
    expect(operations).toEqual(expect.arrayContaining([`POST /keys/argus-secrets-kek/${vault.versions()[0]!}/wrapkey`, `POST /keys/argus-secrets-kek/${vault.versions()[0]!}/unwrapkey`]));
    expect(new Set(vault.requests.map((r) => r.apiVersion))).toEqual(new Set(['2025-07-01']));
  });

  it('when the vault key is rotated, then new wraps name the new version once the current version is asked again, and older wraps still unwrap', async () => {
    const kek = kekOf();
    const before = await kek.wrapKey(randomBytes(32));
    const newKeyId = vault.rotate();
    expect((await kek.wrapKey(randomBytes(32))).keyId).toBe(before.keyId);
    now += 1001;
    const after = await kek.wrapKey(randomBytes(32));
    expect(after.keyId).toBe(newKeyId);
    expect(await kek.currentKeyId()).toBe(newKeyId);
    expect((await kek.unwrapKey(before.wrapped, before.keyId, before.algorithm)).length).toBe(32);
  });

  it('when a version is removed from the vault, then unwrapping with it is KeyVersionUnknown, not a transient fault', async () => {
    const kek = kekOf();
    const wrapped = await kek.wrapKey(randomBytes(32));
    vault.rotate();
    vault.removeVersion(vault.versions()[0]!);
    const error = await errorOf(kekOf().unwrapKey(wrapped.wrapped, wrapped.keyId, wrapped.algorithm));
    expect(error).toMatchObject({ code: 'KeyVersionUnknown', transient: false });
  });

  it('when the wrapped bytes are altered, then the vault refuses them: UnwrapFailed', async () => {
    const kek = kekOf();
    const wrapped = await kek.wrapKey(randomBytes(32));
    const altered = Buffer.from(wrapped.wrapped);
    altered[0] = altered[0]! ^ 0xff;
    expect(await errorOf(kek.unwrapKey(altered, wrapped.keyId, wrapped.algorithm))).toMatchObject({ code: 'UnwrapFailed', transient: false });
  });

  it('when a stored key id names another vault or key, or has no version, then it is refused without any request (the token goes nowhere else)', async () => {
    const kek = kekOf();
    const wrapped = await kek.wrapKey(randomBytes(32));
    const sent = vault.requests.length;
    for (const keyId of ['https://attacker.vault.azure.net/keys/argus-secrets-kek/0123', `${vault.url}/keys/other-key/${vault.versions()[0]!}`, vault.keyId]) {
      expect(await errorOf(kek.unwrapKey(wrapped.wrapped, keyId, wrapped.algorithm))).toMatchObject({ code: 'KeyNotAllowed' });
    }
    expect(await errorOf(kek.unwrapKey(wrapped.wrapped, wrapped.keyId, 'RSA1_5'))).toMatchObject({ code: 'KeyNotAllowed' });
    expect(vault.requests.length).toBe(sent);
  });

  it('when the vault is down, then the error is transient (a batch that meets it is retried)', async () => {
    const kek = kekOf();
    await vault.close();
    expect(await errorOf(kek.wrapKey(randomBytes(32)))).toMatchObject({ code: 'KeyUnavailable', transient: true });
    vault = await startLocalKeyVault({ token: TOKEN });
  });

  it('when the key id names a version, then the key-encryption key refuses it at construction', () => {
    expect(() => kekOf(`${vault.keyId}/0123456789abcdef`)).toThrow(/names a version/);
  });

  it('when secrets are sealed and opened through the vault many times, then each data key is unwrapped by the vault once', async () => {
    const protector = new SecretProtector(kekOf());
    const sealed = await protector.seal('whsec_vault', 'argus/test/doc');
    const fresh = new SecretProtector(kekOf());
    for (let i = 0; i < 5; i++) expect(await fresh.openText(sealed, 'argus/test/doc', 'test doc')).toBe('whsec_vault');
    expect(vault.requests.filter((r) => r.authorized && r.path.endsWith('/unwrapkey'))).toHaveLength(1);
    expect(JSON.stringify(sealed)).not.toContain('whsec_vault');
  });
});
