// The Function App's identity gets exactly the data-plane rights it uses, each on the one resource it
// needs, never at resource-group or subscription scope.

@description('Name of the Function App: role assignment names derive from it, so they are known before deployment.')
param functionAppName string

@description('Object id of the Function App\'s managed identity.')
param principalId string

@description('Name of the host/deployment storage account.')
param storageAccountName string

@description('Name of the Event Hubs namespace.')
param eventHubNamespaceName string

@description('Name of the audit hub: the app reads it (ingestAuditEvents) and sends to it (ingestAuditWebhook).')
param auditEventHubName string

@description('Name of the node-events hub: the app reads it (ingestNodeEvents) and sends to it (ingestNodeWebhook).')
param nodeEventHubName string

@description('Name of the alert-events hub: the app sends alert changes to it (ingestion, status API) and reads it (deliverAlertExports).')
param alertEventsHubName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Key Vault of the secrets\' key-encryption key.')
param keyVaultName string

@description('Name of the key-encryption key in that vault.')
param keyEncryptionKeyName string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Wrap, unwrap and read the key (the public part and its versions); never export, delete or change it.
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424'
}

// Cosmos DB built-in data-plane role "Cosmos DB Built-in Data Contributor".
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

// Blob: the host's leases and the deployment package; Queue: the host's blob-trigger and retry queues;
// Table: the host's timer and durable bookkeeping. Owner on blobs is what the Flex host documents.
var storageRoles = [ roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor ]
// Event Hubs roles on each hub the app uses, never on the namespace.
// Audit hub: Receiver for the ingestAuditEvents trigger (the host and the scale controller read the hub's
// partitions with it); Sender for ingestAuditWebhook, which forwards webhook audit events to the same hub,
// and for the attack simulation, which publishes its audit events there.
var auditHubRoles = [ roles.eventHubsDataReceiver, roles.eventHubsDataSender ]
// Node-events hub: Receiver for the ingestNodeEvents trigger; Sender for ingestNodeWebhook, which forwards
// the node sensors' events to it, and for the attack simulation's node events.
var nodeHubRoles = [ roles.eventHubsDataReceiver, roles.eventHubsDataSender ]
// Alert-events hub: Sender for the ingestion and the status API, which publish every alert creation and
// change; Receiver for the deliverAlertExports trigger (consumer group ALERT_EVENTS_CONSUMER_GROUP).
var alertEventsHubRoles = [ roles.eventHubsDataReceiver, roles.eventHubsDataSender ]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource auditHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: auditEventHubName
}

resource nodeHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: nodeEventHubName
}

resource alertEventsHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: eventHubNamespace
  name: alertEventsHubName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secretsKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' existing = {
  parent: keyVault
  name: keyEncryptionKeyName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, functionAppName, roleId)
    scope: storage
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource auditHubRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in auditHubRoles: {
    name: guid(auditHub.id, functionAppName, roleId)
    scope: auditHub
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource nodeHubRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in nodeHubRoles: {
    name: guid(nodeHub.id, functionAppName, roleId)
    scope: nodeHub
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource alertEventsHubRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in alertEventsHubRoles: {
    name: guid(alertEventsHub.id, functionAppName, roleId)
    scope: alertEventsHub
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, functionAppName, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// On the key itself, not the vault: the app can use this one key and nothing else in the vault.
resource secretsKeyCryptoUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(secretsKey.id, functionAppName, roles.keyVaultCryptoUser)
  scope: secretsKey
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
  }
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, functionAppName, cosmosDataContributorRoleId)
  properties: {
    principalId: principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    scope: cosmos.id
  }
}
