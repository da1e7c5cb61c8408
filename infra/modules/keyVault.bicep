// Key Vault of the key-encryption key (shared/secrets/): the RSA key that wraps the data keys the stored secrets
// (webhook signing secrets, the simulation signing key, the ingestion-key verifiers) are encrypted with. Access is
// Azure RBAC only (no access policies): the app's identity gets "Key Vault Crypto User" on the key alone
// (roleAssignments.bicep), enough to wrap, unwrap and read the key's public part, never to export or delete it.
// Soft delete (90 days) and purge protection: a deleted vault or key can be recovered, never purged early, so no one
// can destroy the secrets' key by accident or on purpose. A vault name stays taken while it is soft-deleted.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Key Vault (3-24 letters, digits and -).')
@minLength(3)
@maxLength(24)
param vaultName string

@description('Name of the key-encryption key (what SECRETS_KEY_ID names, without a version).')
param keyName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
  }
}

// RSA 3072, wrap and unwrap only. The vault makes a new version 90 days before the current one expires (two years
// after it was made) and notifies (Event Grid) 30 days before; the app wraps with the newest version within minutes,
// and `argus rotate-secrets-key` re-wraps the stored data keys before the old version expires.
resource key 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: keyName
  tags: tags
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: [ 'wrapKey', 'unwrapKey' ]
    attributes: {
      enabled: true
      exportable: false
    }
    rotationPolicy: {
      attributes: {
        expiryTime: 'P2Y'
      }
      lifetimeActions: [
        {
          trigger: { timeBeforeExpiry: 'P90D' }
          action: { type: 'rotate' }
        }
        {
          trigger: { timeBeforeExpiry: 'P30D' }
          action: { type: 'notify' }
        }
      ]
    }
  }
}

@description('Name of the Key Vault.')
output vaultName string = vault.name

@description('Name of the key-encryption key.')
output keyName string = key.name

@description('The key\'s id without a version (what SECRETS_KEY_ID holds): https://<vault>.vault.azure.net/keys/<name>.')
output keyUri string = key.properties.keyUri
