using './main.bicep'

// Values come from the environment so that azd (`azd env set NAME value`) and a plain
// `az deployment group create --parameters infra/main.bicepparam` read the same file.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'argus')
// Required: the API app registration's client id or application id URI (no default on purpose).
param authAudience = readEnvironmentVariable('ARGUS_AUTH_AUDIENCE')
param auditEventHubPartitionCount = int(readEnvironmentVariable('ARGUS_AUDIT_HUB_PARTITIONS', '4'))
param nodeEventHubPartitionCount = int(readEnvironmentVariable('ARGUS_NODE_HUB_PARTITIONS', '4'))
param cosmosAutoscaleMaxThroughput = int(readEnvironmentVariable('ARGUS_COSMOS_AUTOSCALE_MAX_RU', '0'))
param alertAggregationWindowInMinutes = int(readEnvironmentVariable('ARGUS_ALERT_AGGREGATION_WINDOW_IN_MINUTES', '60'))
param learningPeriodInDays = int(readEnvironmentVariable('ARGUS_LEARNING_PERIOD_IN_DAYS', '7'))
param subscriptionSettingsCacheTtlInSeconds = int(readEnvironmentVariable('ARGUS_SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS', '60'))
param usageFlushIntervalInSeconds = int(readEnvironmentVariable('ARGUS_USAGE_FLUSH_INTERVAL_IN_SECONDS', '60'))
param detectionStateFlushIntervalInSeconds = int(readEnvironmentVariable('ARGUS_DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS', '60'))
param exportSettleSeconds = int(readEnvironmentVariable('ARGUS_EXPORT_SETTLE_SECONDS', '10'))
param ingestRateLimitPerMinute = int(readEnvironmentVariable('ARGUS_INGEST_RATE_LIMIT_PER_MINUTE', '6000'))
param exportRateLimitPerMinute = int(readEnvironmentVariable('ARGUS_EXPORT_RATE_LIMIT_PER_MINUTE', '120'))
param simulationRateLimitPerMinute = int(readEnvironmentVariable('ARGUS_SIMULATION_RATE_LIMIT_PER_MINUTE', '10'))
param simulationSchedule = readEnvironmentVariable('ARGUS_SIMULATION_SCHEDULE', '0 0 */6 * * *')
param simulationTimeoutInMinutes = int(readEnvironmentVariable('ARGUS_SIMULATION_TIMEOUT_IN_MINUTES', '15'))
