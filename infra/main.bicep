// Argus: everything one resource group needs for a working, secure deployment (`azd up` or
// `az deployment group create`, see the README). Names derive from a resource token so that two
// environments never collide; nothing here needs the internet to compile (no registry modules).
//
// Streaming the AKS clusters' audit logs to the audit hub is separate, because it acts on other resource
// groups or the whole subscription: modules/aksAuditStreaming.bicep (one cluster) and
// modules/aksAuditPolicy.bicep (a policy, every current and future cluster of a subscription).
targetScope = 'resourceGroup'

@description('Name of the environment (azd sets it): part of the resource token and of the tags.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Entra ID tenant that issues the user tokens the API accepts (AUTH_TENANT_ID).')
param authTenantId string = tenant().tenantId

@description('Accepted token audiences, comma-separated: the API app registration\'s client id and/or application id URI (AUTH_AUDIENCE).')
@minLength(1)
param authAudience string

@description('Token issuer (AUTH_ISSUER); empty: the tenant\'s Entra ID v2.0 issuer.')
param authIssuer string = ''

@description('JWKS URL of the token signing keys (AUTH_JWKS_URI); empty: the tenant\'s Entra ID keys.')
param authJwksUri string = ''

@description('JSON overrides of the detection allow-lists (DETECTION_LISTS); empty: the built-in lists.')
param detectionLists string = ''

@description('JSON overrides of the workload controls\' lists (WORKLOAD_SETTINGS); empty: the defaults.')
param workloadSettings string = ''

@description('Threat-intel feeds refreshed every 6 hours (THREAT_INTEL_FEEDS): a JSON array of { name, url (https), kind: tor-exit | ip | domain, format: lines }; empty: the bundled snapshots only.')
param threatIntelFeeds string = ''

@description('Comma-separated host names the threat-intel feeds (and their redirects) may be fetched from (THREAT_INTEL_FEED_HOSTS), e.g. check.torproject.org.')
param threatIntelFeedHosts string = ''

@description('Name of the hub the AKS diagnostic settings stream the audit logs to (AUDIT_EVENTHUB_NAME).')
param auditEventHubName string = 'insights-logs-kube-audit'

@description('Partitions of the audit hub: the upper bound of parallel ingestion instances (fixed once created).')
@minValue(1)
@maxValue(32)
param auditEventHubPartitionCount int = 4

@description('Partitions of the node-events hub: the upper bound of parallel node ingestion instances (fixed once created).')
@minValue(1)
@maxValue(32)
param nodeEventHubPartitionCount int = 4

@description('Days the Event Hubs keep events (1 to 7 on the Standard tier).')
@minValue(1)
@maxValue(7)
param eventHubMessageRetentionInDays int = 1

@description('Findings of one rule, cluster and entity within this many minutes are one alert (ALERT_AGGREGATION_WINDOW_IN_MINUTES).')
@minValue(1)
@maxValue(1440)
param alertAggregationWindowInMinutes int = 60

@description('Days after a subscription\'s plan is switched on during which the first-seen rules only learn (LEARNING_PERIOD_IN_DAYS).')
@minValue(0)
@maxValue(90)
param learningPeriodInDays int = 7

@description('Seconds a Function App instance reuses a subscription\'s plan and suppression rules before reading them again (SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS).')
@minValue(0)
@maxValue(3600)
param subscriptionSettingsCacheTtlInSeconds int = 60

@description('Seconds between an instance\'s usage writes of one Event Hubs partition; a crash loses at most this long of the usage counts of each partition the instance held (USAGE_FLUSH_INTERVAL_IN_SECONDS, 0: after every batch).')
@minValue(0)
@maxValue(3600)
param usageFlushIntervalInSeconds int = 60

@description('Seconds an instance keeps the stateful rules\' observations that raise nothing before writing them, per state document; what raises an alert is written at once; a crash loses at most this long of them (DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS, 0: in their batch).')
@minValue(0)
@maxValue(3600)
param detectionStateFlushIntervalInSeconds int = 60

@description('Seconds a change must be old before the pull export serves it, so that a write committed after a page was read is still ahead of the SIEM\'s cursor (EXPORT_SETTLE_SECONDS).')
@minValue(1)
@maxValue(300)
param exportSettleSeconds int = 10

@description('Requests a minute each ingestion key may make on each of POST /api/ingest/audit and /api/ingest/node, per Function App instance; beyond it 429 with Retry-After (INGEST_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(1000000)
param ingestRateLimitPerMinute int = 6000

@description('Requests a minute each principal may make on each pull export route, per Function App instance; beyond it 429 with Retry-After (EXPORT_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(100000)
param exportRateLimitPerMinute int = 120

@description('Simulations a minute each principal may start, per Function App instance; beyond it 429 with Retry-After (SIMULATION_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(1000)
param simulationRateLimitPerMinute int = 10

@description('NCRONTAB schedule (six fields, seconds first) of the scheduled attack simulation (SIMULATION_SCHEDULE); default every 6 hours.')
@minLength(11)
param simulationSchedule string = '0 0 */6 * * *'

@description('Minutes after which a simulation whose expected alerts have not all arrived has failed (SIMULATION_TIMEOUT_IN_MINUTES).')
@minValue(1)
@maxValue(120)
param simulationTimeoutInMinutes int = 15

@description('Name of the Cosmos DB database (COSMOS_DATABASE_NAME).')
param cosmosDatabaseName string = 'argus'

@description('0 (default): serverless Cosmos DB account. Otherwise: provisioned, with this autoscale maximum RU/s (1000 or more) shared by the database.')
@minValue(0)
@maxValue(1000000)
param cosmosAutoscaleMaxThroughput int = 0

@description('Most instances the Function App scales out to.')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Memory of one Function App instance in MB.')
@allowed([ 512, 2048, 4096 ])
param functionInstanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName, application: 'argus' }
var names = {
  logAnalytics: 'log-argus-${resourceToken}'
  applicationInsights: 'appi-argus-${resourceToken}'
  storage: 'stargus${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  eventHubNamespace: 'evhns-argus-${resourceToken}'
  cosmos: 'cosmos-argus-${resourceToken}'
  plan: 'plan-argus-${resourceToken}'
  functionApp: 'func-argus-${resourceToken}'
  keyVault: 'kv-argus-${resourceToken}'
}

// The key-encryption key of the stored secrets (SECRETS_KEY_ID names it without a version).
var secretsKeyName = 'argus-secrets-kek'

// The hub of alert changes (ALERT_EVENTS_EVENTHUB_NAME, config.ts's default): known at compile time, like
// auditEventHubName, because the role assignments module names resources after it (what-if needs that).
var alertEventsHubName = 'alert-events'
// The hub the node webhook forwards the node sensors' events to (NODE_EVENTHUB_NAME, config.ts's default),
// known at compile time for the same reason.
var nodeEventHubName = 'node-events'

// The Send-only rule the AKS diagnostic settings use (see modules/eventHubs.bicep for why one exists).
var diagnosticsSendRuleName = 'aks-diagnostics-send'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: names.storage
    deploymentContainerName: names.deploymentContainer
  }
}

module eventHubs 'modules/eventHubs.bicep' = {
  name: 'eventHubs'
  params: {
    location: location
    tags: tags
    namespaceName: names.eventHubNamespace
    auditHubName: auditEventHubName
    auditHubPartitionCount: auditEventHubPartitionCount
    nodeHubName: nodeEventHubName
    nodeHubPartitionCount: nodeEventHubPartitionCount
    alertEventsHubName: alertEventsHubName
    messageRetentionInDays: eventHubMessageRetentionInDays
    diagnosticsSendRuleName: diagnosticsSendRuleName
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    tags: tags
    accountName: names.cosmos
    databaseName: cosmosDatabaseName
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    tags: tags
    vaultName: names.keyVault
    keyName: secretsKeyName
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  dependsOn: [ monitoring ]
  params: {
    location: location
    tags: tags
    planName: names.plan
    functionAppName: names.functionApp
    storageAccountName: names.storage
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsName: names.applicationInsights
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    auditEventHubName: eventHubs.outputs.auditHubName
    auditEventHubConsumerGroup: eventHubs.outputs.ingestionConsumerGroupName
    nodeEventHubName: eventHubs.outputs.nodeHubName
    nodeEventHubConsumerGroup: eventHubs.outputs.nodeIngestionConsumerGroupName
    alertEventsHubName: eventHubs.outputs.alertEventsHubName
    alertEventsConsumerGroup: eventHubs.outputs.exportConsumerGroupName
    alertAggregationWindowInMinutes: alertAggregationWindowInMinutes
    learningPeriodInDays: learningPeriodInDays
    subscriptionSettingsCacheTtlInSeconds: subscriptionSettingsCacheTtlInSeconds
    usageFlushIntervalInSeconds: usageFlushIntervalInSeconds
    detectionStateFlushIntervalInSeconds: detectionStateFlushIntervalInSeconds
    exportSettleSeconds: exportSettleSeconds
    ingestRateLimitPerMinute: ingestRateLimitPerMinute
    exportRateLimitPerMinute: exportRateLimitPerMinute
    simulationRateLimitPerMinute: simulationRateLimitPerMinute
    simulationSchedule: simulationSchedule
    simulationTimeoutInMinutes: simulationTimeoutInMinutes
    authTenantId: authTenantId
    authAudience: authAudience
    authIssuer: authIssuer
    authJwksUri: authJwksUri
    detectionLists: detectionLists
    workloadSettings: workloadSettings
    threatIntelFeeds: threatIntelFeeds
    threatIntelFeedHosts: threatIntelFeedHosts
    keyEncryptionKeyUri: keyVault.outputs.keyUri
  }
}

module roleAssignments 'modules/roleAssignments.bicep' = {
  name: 'roleAssignments'
  dependsOn: [ monitoring ]
  params: {
    functionAppName: names.functionApp
    principalId: functionApp.outputs.principalId
    storageAccountName: names.storage
    eventHubNamespaceName: names.eventHubNamespace
    auditEventHubName: auditEventHubName
    nodeEventHubName: nodeEventHubName
    alertEventsHubName: alertEventsHubName
    cosmosAccountName: names.cosmos
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
    keyEncryptionKeyName: secretsKeyName
  }
}

@description('Name of the resource group (azd reads it).')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the API.')
output API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Object id of the Function App\'s managed identity: what a customer grants "Azure Event Hubs Data Sender" on the hub a push export sends to (docs/export/README.md).')
output FUNCTION_APP_PRINCIPAL_ID string = functionApp.outputs.principalId

@description('Endpoint of the Cosmos DB account.')
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint

@description('Host name of the Event Hubs namespace.')
output EVENTHUB_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace

@description('Name of the audit hub.')
output AUDIT_EVENTHUB_NAME string = eventHubs.outputs.auditHubName

@description('Consumer group the ingestion function reads the audit hub with.')
output AUDIT_EVENTHUB_CONSUMER_GROUP string = eventHubs.outputs.ingestionConsumerGroupName

@description('Name of the node-events hub: what the node webhook (POST /api/ingest/node) forwards the node sensors\' events to.')
output NODE_EVENTHUB_NAME string = eventHubs.outputs.nodeHubName

@description('Consumer group the node ingestion function reads the node-events hub with.')
output NODE_EVENTHUB_CONSUMER_GROUP string = eventHubs.outputs.nodeIngestionConsumerGroupName

@description('Name of the alert-events hub: every alert creation and change, read by the push export.')
output ALERT_EVENTS_EVENTHUB_NAME string = eventHubs.outputs.alertEventsHubName

@description('Resource id of the Event Hubs namespace: a parameter of the AKS streaming module and policy.')
output EVENTHUB_NAMESPACE_ID string = resourceId('Microsoft.EventHub/namespaces', names.eventHubNamespace)

@description('The key-encryption key of the stored secrets, without a version (SECRETS_KEY_ID): what `argus rotate-secrets-key` re-wraps to after the vault rotates it.')
output SECRETS_KEY_ID string = keyVault.outputs.keyUri

@description('Name of the Send-only authorization rule the AKS diagnostic settings use (its id, never its key).')
output AKS_DIAGNOSTICS_RULE_NAME string = diagnosticsSendRuleName
