// The Event Hubs namespace: the audit hub the AKS clusters stream to, the node-events hub the node webhook
// (ingestNodeWebhook) forwards the node sensors' events to, the alert-events hub Argus publishes alert
// changes to (read by the push export, deliverAlertExports), and the consumer groups the functions read with.
//
// Local (SAS) auth stays ENABLED on this namespace, deliberately: Azure Monitor diagnostic settings can
// only send to an Event Hub through a namespace authorization rule (eventHubAuthorizationRuleId, a SAS
// key); they have no Entra ID / managed identity option, and with disableLocalAuth the AKS audit records
// stop arriving (documented limitation, MicrosoftDocs/azure-docs#119932). The safe thing is therefore:
//   - one dedicated rule with the Send right only (no Listen, no Manage), so a leaked key can neither read
//     audit logs nor change the namespace; the hub already exists, so Manage (needed only to let Azure
//     Monitor create a hub per category) is not granted;
//   - Argus itself never uses a key: it reads and writes with its managed identity (Event Hubs Data
//     Receiver / Sender roles, EVENTHUB__fullyQualifiedNamespace + __credential settings);
//   - no key or connection string is ever output or put in an app setting.
// Not verified against a live subscription: if a live test shows Send alone is refused, add 'Listen'.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Event Hubs namespace.')
param namespaceName string

@description('Name of the hub the AKS diagnostic settings stream the audit logs to.')
param auditHubName string

@description('Partitions of the audit hub (fixed once created on the Standard tier): the upper bound of parallel ingestion instances.')
@minValue(1)
@maxValue(32)
param auditHubPartitionCount int

@description('Name of the hub the node webhook forwards the node sensors\' events (Tetragon, Falco) to and the node ingestion reads.')
param nodeHubName string

@description('Partitions of the node-events hub (fixed once created on the Standard tier): the upper bound of parallel node ingestion instances.')
@minValue(1)
@maxValue(32)
param nodeHubPartitionCount int

@description('Days the hubs keep events (Standard tier: 1 to 7).')
@minValue(1)
@maxValue(7)
param messageRetentionInDays int

@description('Name of the hub Argus publishes every alert creation and change to (the push export reads it).')
param alertEventsHubName string

@description('Throughput units of the namespace.')
@minValue(1)
@maxValue(40)
param capacity int = 1

@description('Name of the namespace authorization rule (Send only) that the AKS diagnostic settings use.')
param diagnosticsSendRuleName string


resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: capacity
  }
  properties: {
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    // See the comment at the top: diagnostic settings need a SAS rule.
    disableLocalAuth: false
    isAutoInflateEnabled: false
  }
}

resource auditHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: auditHubName
  properties: {
    partitionCount: auditHubPartitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

// Read by the ingestion function (issue 4): a group of its own, never $Default, so that other readers of
// the hub (a SIEM, a debugging session) do not steal its checkpoints.
resource ingestionConsumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: auditHub
  name: 'argus-ingestion'
}

resource nodeHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: nodeHubName
  properties: {
    partitionCount: nodeHubPartitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

// Read by the node ingestion (ingestNodeEvents), for the same reason as the audit hub's group.
resource nodeIngestionConsumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: nodeHub
  name: 'argus-ingestion'
}

resource alertEventsHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: alertEventsHubName
  properties: {
    partitionCount: 2
    messageRetentionInDays: messageRetentionInDays
  }
}

resource exportConsumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: alertEventsHub
  name: 'argus-export'
}

resource diagnosticsSendRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = {
  parent: namespace
  name: diagnosticsSendRuleName
  properties: {
    rights: [ 'Send' ]
  }
}

@description('Name of the Event Hubs namespace.')
output namespaceName string = namespace.name

@description('Host name of the namespace, what EVENTHUB__fullyQualifiedNamespace holds (from the endpoint, so any Azure cloud works).')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

@description('Name of the audit hub.')
output auditHubName string = auditHub.name

@description('Name of the node-events hub.')
output nodeHubName string = nodeHub.name

@description('Name of the alert-events hub.')
output alertEventsHubName string = alertEventsHub.name

@description('Consumer group of the ingestion function on the audit hub.')
output ingestionConsumerGroupName string = ingestionConsumerGroup.name

@description('Consumer group of the node ingestion function on the node-events hub.')
output nodeIngestionConsumerGroupName string = nodeIngestionConsumerGroup.name

@description('Consumer group of the export on the alert-events hub.')
output exportConsumerGroupName string = exportConsumerGroup.name

@description('Resource id of the Send-only authorization rule for the AKS diagnostic settings (an id, not a key).')
output diagnosticsSendRuleId string = diagnosticsSendRule.id
