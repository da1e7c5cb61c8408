import { Readable } from 'node:stream';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';
import { rotateSecretsKeyCommand } from '../../local/rotateSecretsKeyCommand';
import { generateIngestionKey, parseIngestionKey } from '../../shared/clusters/ingestionKey';
import { createIngestionKeyVerifier, verifyIngestionKeyWithVerifiers } from '../../shared/clusters/ingestionKeyVerifier';
import { defaultClusterIdentity } from '../../shared/clusters/clusterRegistration';
import { deliverExportChanges } from '../../shared/export/deliverExportChanges';
import { type ExportSettings, type WebhookTarget } from '../../shared/export/exportTargets';
import { openWebhookSecret, sealWebhookSecrets } from '../../shared/export/webhookSecrets';
import { type SealedSecret } from '../../shared/secrets/envelope';
import { LocalKeyFileKeyEncryptionKey, localKeyFilePath } from '../../shared/secrets/localKeyFileKeyEncryptionKey';
import { SecretProtector } from '../../shared/secrets/secretProtector';
import { getClusterRegistration, issueClusterKey, saveClusterRegistration } from '../../shared/store/clusterStore';
import { getExportSettings, saveExportSettings } from '../../shared/store/exportSettingsStore';
import { type SecretRotationReport } from '../../shared/store/rotateStoredSecrets';
import { getOrCreateSimulationSigningKey } from '../../shared/store/serviceStateStore';
import { type ExportDeadLetter } from '../../shared/store/exportDeadLetterStore';
import { alertChangedEventOf } from '../../shared/messaging/alertChangedEvents';
import { TargetCircuitBreaker } from '../../shared/export/deliveryRetry';
import { startTestCosmos, type TestCosmos } from '../support/testCosmos';
import { createTemporaryDirectory } from '../support/temporaryDirectory';
import { variedAlert } from '../support/alertFixtures';

const SEALED_SUB = '7c000000-0000-4000-8000-000000000001';
const LEGACY_SUB = '7c000000-0000-4000-8000-000000000002';
const BROKEN_SUB = '7c000000-0000-4000-8000-000000000003';
const SEALED_SECRET = 'whsec_sealedsealedsealedsealedsealedsealedseal';
const LEGACY_SECRET = 'whsec_legacylegacylegacylegacylegacylegacylega';
const SIGNING_KEY = Buffer.alloc(32, 7);
const BY = { principalId: 'test-setup', principalName: 'test setup' };

function captureIo(): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
      stdin: Readable.from([]),
      now: () => new Date(),
      elapsedInMs: () => 0,
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const webhook = (name: string, secret: WebhookTarget['secret']): WebhookTarget => ({
  name,
  kind: 'webhook',
  enabled: true,
  format: 'json',
  url: 'https://soar.example.com/',
  secret,
  secretCreatedAtUtc: '2026-11-01T00:00:00.000Z',
});
const settingsOf = (subscriptionId: string, targets: WebhookTarget[]): ExportSettings => ({ id: subscriptionId, subscriptionId, targets, updatedAtUtc: '2026-11-01T00:00:00.000Z', updatedBy: BY });

describe('argus rotate-secrets-key', () => {
  let cosmos: TestCosmos;
  const dataDir = createTemporaryDirectory();
  const kek = new LocalKeyFileKeyEncryptionKey(localKeyFilePath(dataDir.path));
  const keys = { sealed: generateIngestionKey(SEALED_SUB, 'sealed-cluster'), legacy: generateIngestionKey(LEGACY_SUB, 'legacy-cluster') };
  let env: Record<string, string>;

  const run = async (...args: string[]) => {
    const captured = captureIo();
    const code = await rotateSecretsKeyCommand(['--local', '--json', ...args], captured.io, env);
    return { code, report: code === 2 ? undefined : (JSON.parse(captured.stdout()) as SecretRotationReport), stderr: captured.stderr() };
  };
  const rawDocuments = async (): Promise<string> => {
    const texts = await Promise.all(
      ['exportSettings', 'clusters', 'serviceState'].map(async (id) => JSON.stringify((await cosmos.database.container(id).items.query('SELECT * FROM c').fetchAll()).resources)),
    );
    return texts.join('\n');
  };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    env = { COSMOS__accountEndpoint: cosmos.server.endpoint, ARGUS_LOCAL_DATA_DIR: dataDir.path };
    const protector = new SecretProtector(kek);
    // Written by this version: sealed secrets and a keyed verifier.
    await saveExportSettings(cosmos.database, await sealWebhookSecrets(settingsOf(SEALED_SUB, [webhook('soar', SEALED_SECRET)]), protector));
    const sealedRegistration = issueClusterKey(undefined, {
      key: keys.sealed,
      keyVerifier: await createIngestionKeyVerifier(protector, SEALED_SUB, 'sealed-cluster', keys.sealed.keyHash),
      identity: defaultClusterIdentity(SEALED_SUB, 'sealed-cluster'),
      previousKeyValidForMinutes: 0,
      by: BY,
      now: new Date(),
    });
    await saveClusterRegistration(cosmos.database, sealedRegistration);
    // Written before secrets were encrypted: plaintext secret, plain hash, plaintext signing key.
    await saveExportSettings(cosmos.database, settingsOf(LEGACY_SUB, [webhook('legacy', LEGACY_SECRET)]));
    const { keyVerifier: _verifier, ...legacyRegistration } = issueClusterKey(undefined, {
      key: keys.legacy,
      keyVerifier: await createIngestionKeyVerifier(protector, LEGACY_SUB, 'legacy-cluster', keys.legacy.keyHash),
      identity: defaultClusterIdentity(LEGACY_SUB, 'legacy-cluster'),
      previousKeyValidForMinutes: 0,
      by: BY,
      now: new Date(),
    });
    await saveClusterRegistration(cosmos.database, { ...legacyRegistration, keyHash: keys.legacy.keyHash });
    await cosmos.database.container('serviceState').items.create({ id: 'simulationSigningKey', key: SIGNING_KEY.toString('base64'), createdAtUtc: '2026-11-01T00:00:00.000Z' });
  });
  afterAll(async () => {
    await cosmos.close();
    dataDir.remove();
  });

  it('when documents from before encryption exist, then they are still read: the plaintext webhook secret, the plain hash and the signing key', async () => {
    const protector = new SecretProtector(kek);
    const legacy = (await getExportSettings(cosmos.database, LEGACY_SUB))!.targets[0] as WebhookTarget;
    expect(await openWebhookSecret(protector, LEGACY_SUB, legacy)).toBe(LEGACY_SECRET);
    const registration = (await getClusterRegistration(cosmos.database, LEGACY_SUB, 'legacy-cluster'))!.registration;
    expect(await verifyIngestionKeyWithVerifiers(protector, parseIngestionKey(keys.legacy.key)!, registration, new Date())).toBe(true);
    expect(Buffer.from(await getOrCreateSimulationSigningKey(cosmos.database, protector, () => Buffer.alloc(32), new Date()))).toEqual(SIGNING_KEY);
  });

  it('when the key file gets a new version and the command runs, then every data key is re-wrapped to it, the plaintext is sealed, and the report counts it', async () => {
    const oldKeyId = await kek.currentKeyId();
    const { code, report, stderr } = await run('--new-key-version');
    expect(code).toBe(0);
    const newKeyId = await kek.currentKeyId();
    expect(newKeyId).not.toBe(oldKeyId);
    expect(stderr).toContain(`new key version ${newKeyId}`);
    expect(report).toEqual({
      keyId: newKeyId,
      documents: 5,
      documentsUpdated: 5,
      rewrapped: 2,
      migrated: 3,
      alreadyCurrent: 0,
      changedConcurrently: 0,
      failed: [],
    });
    const raw = await rawDocuments();
    expect(raw).not.toContain(oldKeyId);
    for (const plaintext of [SEALED_SECRET, LEGACY_SECRET, keys.legacy.keyHash, keys.sealed.keyHash, SIGNING_KEY.toString('base64'), SIGNING_KEY.toString('base64url')]) expect(raw).not.toContain(plaintext);
    expect(raw).not.toMatch(/"keyHash"|"key":/);
  });

  it('when the old key version is removed after the rotation, then every secret still opens, the keys still authenticate and a wrong key does not', async () => {
    const [oldKeyId] = await kek.listKeyIds();
    expect(await kek.removeVersion(oldKeyId!)).toBe(true);
    const protector = new SecretProtector(new LocalKeyFileKeyEncryptionKey(localKeyFilePath(dataDir.path)));
    const targetOf = async (subscriptionId: string) => (await getExportSettings(cosmos.database, subscriptionId))!.targets[0] as WebhookTarget;
    expect(await openWebhookSecret(protector, SEALED_SUB, await targetOf(SEALED_SUB))).toBe(SEALED_SECRET);
    expect(await openWebhookSecret(protector, LEGACY_SUB, await targetOf(LEGACY_SUB))).toBe(LEGACY_SECRET);
    expect(Buffer.from(await getOrCreateSimulationSigningKey(cosmos.database, protector, () => Buffer.alloc(32), new Date()))).toEqual(SIGNING_KEY);
    for (const [subscriptionId, clusterName, key] of [[SEALED_SUB, 'sealed-cluster', keys.sealed], [LEGACY_SUB, 'legacy-cluster', keys.legacy]] as const) {
      const registration = (await getClusterRegistration(cosmos.database, subscriptionId, clusterName))!.registration;
      expect(await verifyIngestionKeyWithVerifiers(protector, parseIngestionKey(key.key)!, registration, new Date())).toBe(true);
      const wrong = generateIngestionKey(subscriptionId, clusterName);
      expect(await verifyIngestionKeyWithVerifiers(protector, parseIngestionKey(wrong.key)!, registration, new Date())).toBe(false);
    }
  });

  it('when the command runs again, then nothing is written: every data key is already current (idempotent)', async () => {
    const { code, report } = await run();
    expect(code).toBe(0);
    expect(report).toMatchObject({ documents: 5, documentsUpdated: 0, rewrapped: 0, migrated: 0, alreadyCurrent: 5, failed: [] });
  });

  it('when a document was sealed under a key version that is gone, then the command reports it by name and exits 1, and a delivery to it is dead-lettered, not a crash', async () => {
    const protector = new SecretProtector(kek);
    const sealed = await sealWebhookSecrets(settingsOf(BROKEN_SUB, [webhook('orphan', 'whsec_orphan')]), protector);
    const target = sealed.targets[0] as WebhookTarget;
    const orphan: WebhookTarget = { ...target, secret: { ...(target.secret as SealedSecret), kid: 'argus-local:keys/secrets-kek/0123456789abcdef0123456789abcdef' } };
    await saveExportSettings(cosmos.database, { ...sealed, targets: [orphan] });

    const { code, report } = await run();
    expect(code).toBe(1);
    expect(report?.failed).toEqual([
      { document: `exportSettings/${BROKEN_SUB} target orphan`, reason: 'KeyVersionUnknown', message: expect.stringContaining('0123456789abcdef0123456789abcdef') as string },
    ]);
    expect(report).toMatchObject({ documents: 6, alreadyCurrent: 5 });

    const letters: ExportDeadLetter[] = [];
    const alert = variedAlert(1, BROKEN_SUB);
    const summary = await deliverExportChanges([alertChangedEventOf(alert)], {
      exportSettingsOf: () => getExportSettings(cosmos.database, BROKEN_SUB),
      eventHubSender: () => {
        throw new Error('no Event Hub target');
      },
      webhookSecretOf: (subscriptionId, target) => openWebhookSecret(protector, subscriptionId, target),
      postWebhook: () => Promise.reject(new Error('must not be called without a secret')),
      retry: {},
      breakerOf: () => new TargetCircuitBreaker(),
      writeDeadLetters: (written) => {
        letters.push(...written);
        return Promise.resolve();
      },
      productVersion: 'test',
      now: () => new Date(),
    });
    expect(summary).toMatchObject({ delivered: 0, deadLettered: 1, webhookAttempts: 0 });
    expect(letters[0]).toMatchObject({ reason: 'secretUnavailable', targetName: 'orphan', detail: expect.stringContaining(`exportSettings/${BROKEN_SUB} target orphan`) as string });
  });

  it('when the option is unknown, --new-key-version is asked of a Key Vault key, or the production settings are missing, then it is bad usage (2) naming the problem', async () => {
    const unknown = captureIo();
    expect(await main(['rotate-secrets-key', '--bogus'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toMatch(/bogus/);
    const production = captureIo();
    expect(await rotateSecretsKeyCommand([], production.io, { COSMOS__accountEndpoint: 'https://cosmos-argus.documents.azure.com:443/' })).toBe(2);
    expect(production.stderr()).toContain('SECRETS_KEY_ID is required');
    const kv = captureIo();
    const code = await rotateSecretsKeyCommand(['--local', '--new-key-version'], kv.io, { ...env, SECRETS_KEY_ID: 'https://kv-argus.vault.azure.net/keys/argus-secrets-kek' });
    expect(code).toBe(2);
    expect(kv.stderr()).toContain('az keyvault key rotate');
  });
});
