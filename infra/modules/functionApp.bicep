// The Function App on the Flex Consumption plan (FC1, Linux, Node 22) with a system-assigned managed
// identity. Everything it reaches (host storage, deployment package, Cosmos DB, Event Hubs, Key Vault, Application
// Insights) is reached with that identity: no key or connection string in any setting.

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the Function App.')
param functionAppName string

@description('Name of the storage account of the host (AzureWebJobsStorage) and of the deployment package.')
param storageAccountName string

@description('URL of the blob container Flex Consumption deploys the package from.')
param deploymentContainerUrl string

@description('Name of the Application Insights component the app reports to.')
param applicationInsightsName string

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of one instance in MB.')
@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int

@description('Endpoint of the Cosmos DB account (COSMOS__accountEndpoint).')
param cosmosEndpoint string

@description('Name of the Cosmos DB database (COSMOS_DATABASE_NAME).')
param cosmosDatabaseName string

@description('Host name of the Event Hubs namespace (EVENTHUB__fullyQualifiedNamespace).')
param eventHubsFullyQualifiedNamespace string

@description('Name of the audit hub (AUDIT_EVENTHUB_NAME).')
param auditEventHubName string

@description('Consumer group the ingestion function reads the audit hub with (AUDIT_EVENTHUB_CONSUMER_GROUP).')
param auditEventHubConsumerGroup string

@description('Name of the node-events hub the node webhook forwards to and the node ingestion reads (NODE_EVENTHUB_NAME).')
param nodeEventHubName string

@description('Consumer group the node ingestion function reads the node-events hub with (NODE_EVENTHUB_CONSUMER_GROUP).')
param nodeEventHubConsumerGroup string

@description('Name of the alert-events hub the ingestion and the status API publish alert changes to and the push export reads (ALERT_EVENTS_EVENTHUB_NAME).')
param alertEventsHubName string

@description('Consumer group the push export reads the alert-events hub with (ALERT_EVENTS_CONSUMER_GROUP).')
param alertEventsConsumerGroup string

@description('Seconds a change must be old before the pull export serves it (EXPORT_SETTLE_SECONDS).')
@minValue(1)
@maxValue(300)
param exportSettleSeconds int

@description('Requests a minute per ingestion key and ingestion route, per instance (INGEST_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(1000000)
param ingestRateLimitPerMinute int

@description('Requests a minute per principal and pull export route, per instance (EXPORT_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(100000)
param exportRateLimitPerMinute int

@description('Simulations a minute a principal may start, per instance (SIMULATION_RATE_LIMIT_PER_MINUTE, 0: no limit).')
@minValue(0)
@maxValue(1000)
param simulationRateLimitPerMinute int

@description('NCRONTAB schedule (six fields, seconds first) of the scheduled attack simulation (SIMULATION_SCHEDULE).')
@minLength(11)
param simulationSchedule string

@description('Minutes after which a simulation whose expected alerts have not all arrived has failed (SIMULATION_TIMEOUT_IN_MINUTES).')
@minValue(1)
@maxValue(120)
param simulationTimeoutInMinutes int

@description('Findings of one rule, cluster and entity within this many minutes are one alert (ALERT_AGGREGATION_WINDOW_IN_MINUTES).')
@minValue(1)
@maxValue(1440)
param alertAggregationWindowInMinutes int

@description('Days after a subscription\'s plan is switched on during which the first-seen rules only learn (LEARNING_PERIOD_IN_DAYS).')
@minValue(0)
@maxValue(90)
param learningPeriodInDays int

@description('Seconds an instance reuses a subscription\'s plan and suppression rules (SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS).')
@minValue(0)
@maxValue(3600)
param subscriptionSettingsCacheTtlInSeconds int

@description('Seconds between an instance\'s usage writes of one Event Hubs partition (USAGE_FLUSH_INTERVAL_IN_SECONDS).')
@minValue(0)
@maxValue(3600)
param usageFlushIntervalInSeconds int

@description('Seconds an instance keeps the stateful rules\' observations that raise nothing before writing them (DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS).')
@minValue(0)
@maxValue(3600)
param detectionStateFlushIntervalInSeconds int

@description('Entra ID tenant of the user tokens (AUTH_TENANT_ID).')
param authTenantId string

@description('Accepted token audiences, comma-separated (AUTH_AUDIENCE).')
param authAudience string

@description('Token issuer (AUTH_ISSUER); empty: derived from the tenant.')
param authIssuer string

@description('JWKS URL (AUTH_JWKS_URI); empty: derived from the tenant.')
param authJwksUri string

@description('JSON overrides of the detection allow-lists (DETECTION_LISTS); empty: the built-in lists.')
param detectionLists string

@description('JSON overrides of the workload controls\' lists (WORKLOAD_SETTINGS): excludedNamespaces, allowedImagePrefixes, allowedServicePorts; empty: the defaults.')
param workloadSettings string

@description('Threat-intel feeds (THREAT_INTEL_FEEDS), a JSON array; empty: the bundled snapshots only.')
param threatIntelFeeds string

@description('Host names the threat-intel feeds may be fetched from (THREAT_INTEL_FEED_HOSTS), comma-separated.')
param threatIntelFeedHosts string

@description('The Key Vault key that wraps the stored secrets\' data keys, without a version (SECRETS_KEY_ID).')
param keyEncryptionKeyUri string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  // azd deploys the `api` service of azure.yaml to the resource with this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Exactly the names shared/config.ts reads (test/infra/bicep.test.ts checks both ways), plus the host's
// and the Functions extensions' identity-based connection settings. Optional settings are written empty
// when not given: config.ts treats an empty value as unset.
// Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must NOT be set here.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // shared/config.ts
    ARGUS_ENVIRONMENT: 'production'
    COSMOS__accountEndpoint: cosmosEndpoint
    COSMOS_DATABASE_NAME: cosmosDatabaseName
    AUTH_TENANT_ID: authTenantId
    AUTH_AUDIENCE: authAudience
    AUTH_ISSUER: authIssuer
    AUTH_JWKS_URI: authJwksUri
    DETECTION_LISTS: detectionLists
    WORKLOAD_SETTINGS: workloadSettings
    AUDIT_EVENTHUB_NAME: auditEventHubName
    AUDIT_EVENTHUB_CONSUMER_GROUP: auditEventHubConsumerGroup
    NODE_EVENTHUB_NAME: nodeEventHubName
    NODE_EVENTHUB_CONSUMER_GROUP: nodeEventHubConsumerGroup
    EVENTHUB__fullyQualifiedNamespace: eventHubsFullyQualifiedNamespace
    ALERT_AGGREGATION_WINDOW_IN_MINUTES: string(alertAggregationWindowInMinutes)
    LEARNING_PERIOD_IN_DAYS: string(learningPeriodInDays)
    SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: string(subscriptionSettingsCacheTtlInSeconds)
    USAGE_FLUSH_INTERVAL_IN_SECONDS: string(usageFlushIntervalInSeconds)
    DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS: string(detectionStateFlushIntervalInSeconds)
    ALERT_EVENTS_EVENTHUB_NAME: alertEventsHubName
    ALERT_EVENTS_CONSUMER_GROUP: alertEventsConsumerGroup
    EXPORT_SETTLE_SECONDS: string(exportSettleSeconds)
    // Request-rate limits, per instance (shared/http/rateLimits.ts).
    INGEST_RATE_LIMIT_PER_MINUTE: string(ingestRateLimitPerMinute)
    EXPORT_RATE_LIMIT_PER_MINUTE: string(exportRateLimitPerMinute)
    SIMULATION_RATE_LIMIT_PER_MINUTE: string(simulationRateLimitPerMinute)
    SIMULATION_SCHEDULE: simulationSchedule
    SIMULATION_TIMEOUT_IN_MINUTES: string(simulationTimeoutInMinutes)
    // The cluster configuration assessment refresh (config.ts's default: every 6 hours, at half past).
    ASSESSMENT_SCHEDULE: '0 30 */6 * * *'
    // The correlation of alerts into incidents (config.ts's default: every 5 minutes).
    INCIDENT_SCHEDULE: '0 */5 * * * *'
    // Threat-intel feeds, fetched by the refreshThreatIntelFeeds timer (config.ts's default: every 6 hours, at a
    // quarter past) from the allow-listed hosts only; with no feed the timer fetches nothing.
    THREAT_INTEL_FEEDS: threatIntelFeeds
    THREAT_INTEL_FEED_HOSTS: threatIntelFeedHosts
    THREAT_INTEL_FEED_SCHEDULE: '0 15 */6 * * *'
    // The key-encryption key of the stored secrets (envelope encryption), used with the system-assigned identity
    // (Key Vault Crypto User on the key, roleAssignments.bicep), so SECRETS_KEY_CLIENT_ID stays unset.
    SECRETS_KEY_ID: keyEncryptionKeyUri
    // Identity-based connections of the Functions extensions (Cosmos DB and Event Hubs bindings/triggers
    // named COSMOS and EVENTHUB): the system-assigned identity, so no __clientId (COSMOS__clientId and
    // EVENTHUB__clientId stay unset on purpose).
    COSMOS__credential: 'managedidentity'
    EVENTHUB__credential: 'managedidentity'
    // Host storage through the managed identity (roles in roleAssignments.bicep).
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    // Telemetry with Entra ID (the component has local auth disabled): Monitoring Metrics Publisher.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  }
}

// Basic-auth publishing (FTP and SCM) off: deployments go through Entra ID.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: { allow: false }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: { allow: false }
}

@description('Name of the Function App.')
output name string = functionApp.name

@description('Object id of the app\'s system-assigned managed identity.')
output principalId string = functionApp.identity.principalId

@description('Default host name of the app.')
output defaultHostName string = functionApp.properties.defaultHostName
