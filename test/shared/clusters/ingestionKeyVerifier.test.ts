import { generateIngestionKey, parseIngestionKey } from '../../../shared/clusters/ingestionKey';
import { createIngestionKeyVerifier, currentKeyVerifierOf, verifyIngestionKeyWithVerifiers } from '../../../shared/clusters/ingestionKeyVerifier';
import { LocalKeyFileKeyEncryptionKey, localKeyFilePath } from '../../../shared/secrets/localKeyFileKeyEncryptionKey';
import { SecretAccessError, SecretProtector } from '../../../shared/secrets/secretProtector';
import { createTemporaryDirectory } from '../../support/temporaryDirectory';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const NOW = new Date('2026-11-02T10:00:00.000Z');

describe('verifyIngestionKeyWithVerifiers', () => {
  const dataDir = createTemporaryDirectory();
  afterAll(() => dataDir.remove());
  const protector = new SecretProtector(new LocalKeyFileKeyEncryptionKey(localKeyFilePath(dataDir.path)));
  const current = generateIngestionKey(SUB, 'kind-dev');
  const previous = generateIngestionKey(SUB, 'kind-dev');
  const other = generateIngestionKey(SUB, 'kind-dev');
  const parsed = (key: string) => parseIngestionKey(key)!;
  const verifierOf = (keyHash: string, clusterName = 'kind-dev') => createIngestionKeyVerifier(protector, SUB, clusterName, keyHash);
  const verify = (key: string, stored: object, now = NOW) =>
    verifyIngestionKeyWithVerifiers(protector, parsed(key), { subscriptionId: SUB, clusterName: 'kind-dev', ...stored }, now);

  it('when the key is the current one, then it is accepted; another key of the same cluster is refused', async () => {
    const stored = { keyVerifier: await verifierOf(current.keyHash) };
    expect(await verify(current.key, stored)).toBe(true);
    expect(await verify(other.key, stored)).toBe(false);
  });

  it('when the stored verifier is read, then it holds neither the key, nor its secret, nor its hash', async () => {
    const text = JSON.stringify(await verifierOf(current.keyHash));
    for (const part of [current.key, current.key.split('.').at(-1)!, current.keyHash, Buffer.from(current.keyHash, 'hex').toString('base64url')]) expect(text).not.toContain(part);
  });

  it('when the key is the previous one within its grace, then it is accepted; after the grace, refused', async () => {
    const stored = { keyVerifier: await verifierOf(current.keyHash), previousKeyVerifier: await verifierOf(previous.keyHash), previousKeyExpiresAtUtc: '2026-11-02T10:30:00.000Z' };
    expect(await verify(previous.key, stored)).toBe(true);
    expect(await verify(previous.key, stored, new Date('2026-11-02T10:30:00.000Z'))).toBe(false);
    expect(await verify(current.key, stored, new Date('2026-11-02T11:00:00.000Z'))).toBe(true);
  });

  it('when a previous verifier has no expiry, then the previous key is refused', async () => {
    expect(await verify(previous.key, { keyVerifier: await verifierOf(current.keyHash), previousKeyVerifier: await verifierOf(previous.keyHash) })).toBe(false);
  });

  it('when a verifier of another cluster is copied into this registration, then the key it was made for is refused here', async () => {
    expect(await verify(current.key, { keyVerifier: await verifierOf(current.keyHash, 'other-cluster') })).toBe(false);
  });

  it('when a registration from before the verifiers holds plain hashes, then they are still checked (current and previous within grace)', async () => {
    expect(await verify(current.key, { keyHash: current.keyHash })).toBe(true);
    expect(await verify(other.key, { keyHash: current.keyHash })).toBe(false);
    expect(await verify(previous.key, { keyVerifier: await verifierOf(current.keyHash), previousKeyHash: previous.keyHash, previousKeyExpiresAtUtc: '2026-11-02T10:30:00.000Z' })).toBe(true);
  });

  it('when a plain hash is malformed or there is nothing stored, then nothing matches (and nothing throws)', async () => {
    expect(await verify(current.key, { keyHash: 'abc' })).toBe(false);
    expect(await verify(current.key, { keyHash: '' })).toBe(false);
    expect(await verify(current.key, {})).toBe(false);
  });

  it('when a plain hash is converted to a verifier, then the same key matches it', async () => {
    const converted = await currentKeyVerifierOf(protector, { subscriptionId: SUB, clusterName: 'kind-dev', keyHash: current.keyHash });
    expect(await verify(current.key, { keyVerifier: converted })).toBe(true);
  });

  it('when the verifier was made under a key version that is gone, then a SecretAccessError names the registration', async () => {
    const verifier = { ...(await verifierOf(current.keyHash)), kid: 'argus-local:keys/secrets-kek/ffffffffffffffffffffffffffffffff' };
    await expect(verify(current.key, { keyVerifier: verifier })).rejects.toThrow(SecretAccessError);
    await expect(verify(current.key, { keyVerifier: verifier })).rejects.toMatchObject({ document: `clusters/${SUB}/kind-dev`, reason: 'KeyVersionUnknown' });
  });
});
