import { parseArgs } from 'node:util';
import { ArgusEnvironment, ConfigurationError, loadConfig } from '../shared/config';
import { createKeyEncryptionKey } from '../shared/secrets/createSecretProtector';
import { LocalKeyFileKeyEncryptionKey } from '../shared/secrets/localKeyFileKeyEncryptionKey';
import { SecretProtector } from '../shared/secrets/secretProtector';
import { createCosmosClient } from '../shared/store/createCosmosClient';
import { rotateStoredSecrets } from '../shared/store/rotateStoredSecrets';
import { type CliIo } from './cliIo';

export const ROTATE_SECRETS_KEY_USAGE = `Usage: argus rotate-secrets-key [--local] [--new-key-version] [--json]

Re-wraps every stored data key (webhook secrets, the simulation signing key, the ingestion-key verifiers)
with the newest version of the key-encryption key, and seals values older documents still hold in
plaintext. No secret is decrypted into a document, and nothing already on the newest version is written:
run it again after an interruption. Exit code 0 when every document is on the newest version, 1 when
some could not be read (each is named), 2 for bad usage or settings.

  --local            the local runtime: the store of a running \`npm start\` (ARGUS_LOCAL_COSMOS_PORT) and
                     the key file of the data folder (ARGUS_LOCAL_DATA_DIR/keys/secrets-kek.json).
                     Without it, the production settings in the environment (COSMOS__accountEndpoint,
                     SECRETS_KEY_ID, ...) and your Azure login (Cosmos DB Built-in Data Contributor on the
                     account, Key Vault Crypto User on the key)
  --new-key-version  the local key file only: add a new version first (in Azure the vault's rotation
                     policy or \`az keyvault key rotate\` does that)
  --json             the report as JSON`;

/** `argus rotate-secrets-key`: the rotation of shared/store/rotateStoredSecrets.ts against the store of the settings. */
export async function rotateSecretsKeyCommand(args: string[], io: CliIo, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let options: { local?: boolean; 'new-key-version'?: boolean; json?: boolean; help?: boolean };
  try {
    options = parseArgs({
      args,
      options: { local: { type: 'boolean' }, 'new-key-version': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    io.stderr.write(`argus rotate-secrets-key: ${error instanceof Error ? error.message : String(error)}\n\n${ROTATE_SECRETS_KEY_USAGE}\n`);
    return 2;
  }
  if (options.help === true) {
    io.stdout.write(`${ROTATE_SECRETS_KEY_USAGE}\n`);
    return 0;
  }
  let config;
  try {
    config = loadConfig(options.local === true ? { ...env, ARGUS_ENVIRONMENT: ArgusEnvironment.local } : env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    io.stderr.write(`argus rotate-secrets-key: ${error.message}\n`);
    return 2;
  }
  const kek = createKeyEncryptionKey(config.secrets);
  if (options['new-key-version'] === true) {
    if (!(kek instanceof LocalKeyFileKeyEncryptionKey)) {
      io.stderr.write('argus rotate-secrets-key: --new-key-version adds a version to the local key file only; rotate the Key Vault key with `az keyvault key rotate`.\n');
      return 2;
    }
    io.stderr.write(`new key version ${await kek.addVersion()}\n`);
  }
  const client = createCosmosClient(config.cosmos);
  try {
    const report = await rotateStoredSecrets(client.database(config.cosmos.databaseName), new SecretProtector(kek));
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout.write(
        [
          `key version        ${report.keyId}`,
          `documents read     ${report.documents} (${report.documentsUpdated} written)`,
          `re-wrapped         ${report.rewrapped}`,
          `sealed (plaintext) ${report.migrated}`,
          `already current    ${report.alreadyCurrent}`,
          `changed meanwhile  ${report.changedConcurrently}${report.changedConcurrently > 0 ? ' (run again)' : ''}`,
          `failed             ${report.failed.length}`,
          ...report.failed.map((failure) => `  ${failure.document}: ${failure.message}`),
        ].join('\n') + '\n',
      );
    }
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    client.dispose();
  }
}
