import { DefaultAzureCredential } from '@azure/identity';
import type { SecretsConfig } from '../config';
import { type KeyEncryptionKey } from './keyEncryptionKey';
import { KeyVaultKeyEncryptionKey } from './keyVaultKeyEncryptionKey';
import { LocalKeyFileKeyEncryptionKey } from './localKeyFileKeyEncryptionKey';
import { SecretProtector } from './secretProtector';

/**
 * The key-encryption key of the settings: the Key Vault key of `SECRETS_KEY_ID` through the app's managed identity
 * (`DefaultAzureCredential`: the system-assigned identity in Azure, `SECRETS_KEY_CLIENT_ID` for a user-assigned one,
 * the developer's login elsewhere); without it (local mode only: production requires it) the local key file.
 */
export function createKeyEncryptionKey(config: SecretsConfig): KeyEncryptionKey {
  if (config.keyVaultKeyId === undefined) return new LocalKeyFileKeyEncryptionKey(config.localKeyFile);
  const credential = new DefaultAzureCredential(config.managedIdentityClientId === undefined ? {} : { managedIdentityClientId: config.managedIdentityClientId });
  return new KeyVaultKeyEncryptionKey(config.keyVaultKeyId, credential);
}

export function createSecretProtector(config: SecretsConfig): SecretProtector {
  return new SecretProtector(createKeyEncryptionKey(config));
}
