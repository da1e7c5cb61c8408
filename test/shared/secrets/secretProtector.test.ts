import { statSync } from 'node:fs';
import { type SealedSecret } from '../../../shared/secrets/envelope';
import { type KeyEncryptionKey } from '../../../shared/secrets/keyEncryptionKey';
import { LocalKeyFileKeyEncryptionKey, localKeyFilePath } from '../../../shared/secrets/localKeyFileKeyEncryptionKey';
import { SecretAccessError, SecretProtector } from '../../../shared/secrets/secretProtector';
import { createTemporaryDirectory } from '../../support/temporaryDirectory';

const AAD = 'argus/exportSettings/sub-a/webhook/soar/secret';
const SECRET = 'whsec_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';

/** A key-encryption key that counts its unwraps. */
function counting(kek: KeyEncryptionKey): KeyEncryptionKey & { unwraps: number } {
  const counted = {
    unwraps: 0,
    wrapKey: (dek: Uint8Array) => kek.wrapKey(dek),
    unwrapKey: (wrapped: Uint8Array, keyId: string, algorithm: string) => {
      counted.unwraps++;
      return kek.unwrapKey(wrapped, keyId, algorithm);
    },
    currentKeyId: () => kek.currentKeyId(),
  };
  return counted;
}

describe('SecretProtector with the local key file', () => {
  const dataDir = createTemporaryDirectory();
  afterAll(() => dataDir.remove());
  const kek = new LocalKeyFileKeyEncryptionKey(localKeyFilePath(dataDir.path));
  const protector = new SecretProtector(kek);

  async function accessErrorOf(promise: Promise<unknown>): Promise<SecretAccessError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof SecretAccessError) return error;
      throw error;
    }
    throw new Error('expected a SecretAccessError');
  }

  it('when a secret is sealed, then the stored shape has no plaintext and opens to the secret', async () => {
    const sealed = await protector.seal(SECRET, AAD);
    expect(sealed).toEqual({
      v: 1,
      kid: expect.stringMatching(/^argus-local:keys\/secrets-kek\/[0-9a-f]{32}$/) as string,
      alg: 'A256KW',
      wrappedKey: expect.stringMatching(/^[A-Za-z0-9_-]{54}$/) as string,
      enc: 'A256GCM',
      iv: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) as string,
      ciphertext: expect.any(String) as string,
      tag: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string,
    });
    const raw = JSON.stringify(sealed);
    expect(raw).not.toContain(SECRET);
    expect(raw).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(await new SecretProtector(kek).openText(sealed, AAD, 'exportSettings/sub-a target soar')).toBe(SECRET);
  });

  it('when the key file is created, then it is private to the user (0600)', async () => {
    await kek.currentKeyId();
    expect(statSync(localKeyFilePath(dataDir.path)).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['the ciphertext', (s: SealedSecret) => ({ ...s, ciphertext: flip(s.ciphertext) })],
    ['the tag', (s: SealedSecret) => ({ ...s, tag: flip(s.tag) })],
    ['the nonce', (s: SealedSecret) => ({ ...s, iv: flip(s.iv) })],
  ])('when %s is altered, then opening fails closed, naming the document', async (_what, alter) => {
    const sealed = await protector.seal(SECRET, AAD);
    const error = await accessErrorOf(protector.open(alter(sealed), AAD, 'exportSettings/sub-a target soar'));
    expect(error).toMatchObject({ code: 'SecretUnavailable', reason: 'SecretTampered', document: 'exportSettings/sub-a target soar' });
    expect(error.message).toContain('exportSettings/sub-a target soar');
    expect(error.message).not.toContain(SECRET);
  });

  it('when a sealed secret is copied into another document (other associated data), then it does not open', async () => {
    const sealed = await protector.seal(SECRET, AAD);
    const error = await accessErrorOf(protector.open(sealed, 'argus/exportSettings/sub-b/webhook/soar/secret', 'exportSettings/sub-b target soar'));
    expect(error).toMatchObject({ reason: 'SecretTampered', document: 'exportSettings/sub-b target soar' });
  });

  it('when the wrapped data key is altered, then unwrapping fails closed (UnwrapFailed), not a crash', async () => {
    const sealed = await protector.seal(SECRET, AAD);
    const error = await accessErrorOf(new SecretProtector(kek).open({ ...sealed, wrappedKey: flip(sealed.wrappedKey) }, AAD, 'doc'));
    expect(error).toMatchObject({ reason: 'UnwrapFailed' });
  });

  it('when the stored key id names a version the key file does not have, then the error is KeyVersionUnknown and names the document and the version', async () => {
    const sealed = await protector.seal(SECRET, AAD);
    const unknown = 'argus-local:keys/secrets-kek/00000000000000000000000000000000';
    const error = await accessErrorOf(new SecretProtector(kek).open({ ...sealed, kid: unknown }, AAD, 'clusters/sub-a/kind-dev'));
    expect(error).toMatchObject({ reason: 'KeyVersionUnknown', document: 'clusters/sub-a/kind-dev' });
    expect(error.message).toContain(unknown);
  });

  it('when the stored value is not a sealed secret, then the error is MalformedSecret', async () => {
    expect(await accessErrorOf(protector.open({ v: 2 }, AAD, 'doc'))).toMatchObject({ reason: 'MalformedSecret' });
  });

  it('when a secret is opened many times, then its data key is unwrapped once; after the TTL, once more', async () => {
    let now = 0;
    const kekCounting = counting(kek);
    const sealed = await protector.seal(SECRET, AAD);
    const cached = new SecretProtector(kekCounting, { dekCacheTtlInMs: 1000, nowInMs: () => now });
    await Promise.all(Array.from({ length: 20 }, () => cached.open(sealed, AAD, 'doc')));
    expect(kekCounting.unwraps).toBe(1);
    now = 1001;
    await cached.open(sealed, AAD, 'doc');
    expect(kekCounting.unwraps).toBe(2);
  });

  it('when more data keys are used than the cache holds, then the least recently used one is unwrapped again', async () => {
    const kekCounting = counting(kek);
    const bounded = new SecretProtector(kekCounting, { dekCacheSize: 2 });
    const [a, b, c] = await Promise.all([protector.seal('a', AAD), protector.seal('b', AAD), protector.seal('c', AAD)]);
    for (const sealed of [a, b, a, c]) await bounded.open(sealed, AAD, 'doc');
    expect(kekCounting.unwraps).toBe(3);
    await bounded.open(a, AAD, 'doc');
    expect(kekCounting.unwraps).toBe(3);
    await bounded.open(b, AAD, 'doc');
    expect(kekCounting.unwraps).toBe(4);
  });

  it('when a verifier is made, then the same value for the same document matches, another value or document does not', async () => {
    const verifier = await protector.createVerifier(Buffer.from('the value'), AAD);
    expect(JSON.stringify(verifier)).not.toContain(Buffer.from('the value').toString('base64url'));
    expect(await protector.matchesVerifier(verifier, Buffer.from('the value'), AAD, 'doc')).toBe(true);
    expect(await protector.matchesVerifier(verifier, Buffer.from('the valuf'), AAD, 'doc')).toBe(false);
    expect(await protector.matchesVerifier(verifier, Buffer.from('the value'), `${AAD}x`, 'doc')).toBe(false);
  });

  it('when a sealed secret is re-wrapped to a new version, then only its key id and wrapped key change and it still opens', async () => {
    const sealed = await protector.seal(SECRET, AAD);
    const newKeyId = await kek.addVersion();
    const rewrapped = await protector.rewrap(sealed, newKeyId, 'doc');
    expect(rewrapped).toEqual({ ...sealed, kid: newKeyId, wrappedKey: expect.any(String) as string });
    expect(rewrapped.wrappedKey).not.toBe(sealed.wrappedKey);
    expect(await protector.rewrap(rewrapped, newKeyId, 'doc')).toBe(rewrapped);
    await kek.removeVersion(sealed.kid);
    expect(await new SecretProtector(kek).openText(rewrapped, AAD, 'doc')).toBe(SECRET);
  });

  it('when two processes create the key file at once, then both use the same key', async () => {
    const dir = createTemporaryDirectory();
    try {
      const path = localKeyFilePath(dir.path);
      const ids = await Promise.all(Array.from({ length: 4 }, () => new LocalKeyFileKeyEncryptionKey(path).currentKeyId()));
      expect(new Set(ids).size).toBe(1);
    } finally {
      dir.remove();
    }
  });
});

/** The base64url text with its first character changed (a different byte). */
function flip(text: string): string {
  return `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
}
