// Cosmos DB (NoSQL API): account, database and every container of shared/store/containers.ts, which is
// the source of truth (test/infra/bicep.test.ts checks that `containers` below equals it). Key auth is
// disabled: the app signs in with its managed identity (data-plane role assigned in roleAssignments.bicep).

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Cosmos DB account.')
param accountName string

@description('Name of the database (what COSMOS_DATABASE_NAME holds).')
param databaseName string

@description('0 for a serverless account (the default: pay per request); otherwise a provisioned account with this autoscale maximum RU/s shared by the database.')
@minValue(0)
@maxValue(1000000)
param autoscaleMaxThroughput int = 0

var serverless = autoscaleMaxThroughput == 0

@description('A container as shared/store/containers.ts defines it.')
type containerDefinition = {
  id: string
  partitionKey: { paths: string[] }
  indexingPolicy: object?
  @description('Seconds a document lives (Cosmos DB TTL); absent: forever.')
  defaultTtl: int?
}

// Mirror of shared/store/containers.ts: change both together (the infra test fails otherwise). TTLs are
// literal seconds (2592000 = 30 days, DEAD_LETTER_TTL_IN_SECONDS / SIMULATION_TTL_IN_SECONDS) so that the
// compiled template holds the value the test compares, not an expression.
var containers containerDefinition[] = [
  {
    id: 'alerts'
    partitionKey: { paths: [ '/subscriptionId' ] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [ { path: '/*' } ]
      excludedPaths: [ { path: '/"_etag"/?' } ]
      compositeIndexes: [
        [
          { path: '/timeGeneratedUtc', order: 'descending' }
          { path: '/id', order: 'descending' }
        ]
        [
          { path: '/status', order: 'ascending' }
          { path: '/timeGeneratedUtc', order: 'descending' }
          { path: '/id', order: 'descending' }
        ]
        [
          { path: '/severity', order: 'ascending' }
          { path: '/timeGeneratedUtc', order: 'descending' }
          { path: '/id', order: 'descending' }
        ]
        // The incremental export reads changes oldest first (shared/store/alertChangeStore.ts).
        [
          { path: '/lastModifiedUtc', order: 'ascending' }
          { path: '/id', order: 'ascending' }
        ]
      ]
    }
  }
  { id: 'plans', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'roleAssignments', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'suppressionRules', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'clusters', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'usage', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'deadLetters', partitionKey: { paths: [ '/partitionId' ] }, defaultTtl: 2592000 }
  // A subscription's push-export targets (one document per subscription).
  { id: 'exportSettings', partitionKey: { paths: [ '/subscriptionId' ] } }
  // Push deliveries that kept failing; they expire like dead letters.
  { id: 'exportDeadLetters', partitionKey: { paths: [ '/subscriptionId' ] }, defaultTtl: 2592000 }
  // Attack simulations and what arrived of them (the health history).
  { id: 'simulations', partitionKey: { paths: [ '/subscriptionId' ] }, defaultTtl: 2592000 }
  // Cluster configuration assessments, their exemptions, and the refresh runs (kept 30 days).
  {
    id: 'assessments'
    partitionKey: { paths: [ '/subscriptionId' ] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [ { path: '/*' } ]
      excludedPaths: [ { path: '/"_etag"/?' } ]
      // The incremental export of assessment changes reads them oldest first (queryAssessmentChanges).
      compositeIndexes: [
        [
          { path: '/exportedChangeUtc', order: 'ascending' }
          { path: '/id', order: 'ascending' }
        ]
      ]
    }
  }
  { id: 'assessmentExemptions', partitionKey: { paths: [ '/subscriptionId' ] } }
  { id: 'assessmentRefreshes', partitionKey: { paths: [ '/subscriptionId' ] }, defaultTtl: 2592000 }
  // The live workload inventory: per-item TTL on (-1), only the tombstones of deleted workloads expire (7 days).
  { id: 'workloads', partitionKey: { paths: [ '/subscriptionId' ] }, defaultTtl: -1 }
  // The stateful rules' memory: one document per cluster and rule, each expiring 90 days after its last change.
  { id: 'detectionState', partitionKey: { paths: [ '/subscriptionId' ] }, defaultTtl: -1 }
  // Custom threat-intel sets (one document per set).
  { id: 'threatIntelSets', partitionKey: { paths: [ '/subscriptionId' ] } }
  // Configured threat-intel feeds as last fetched (one document per feed, the service's own: partitioned by id).
  { id: 'threatIntelFeeds', partitionKey: { paths: [ '/id' ] } }
  // Incidents: alerts correlated per cluster, listed newest first like alerts.
  {
    id: 'incidents'
    partitionKey: { paths: [ '/subscriptionId' ] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [ { path: '/*' } ]
      excludedPaths: [ { path: '/"_etag"/?' } ]
      compositeIndexes: [
        [
          { path: '/timeGeneratedUtc', order: 'descending' }
          { path: '/id', order: 'descending' }
        ]
        // The incremental export of incident changes reads them oldest first (queryIncidentChanges).
        [
          { path: '/exportedChangeUtc', order: 'ascending' }
          { path: '/id', order: 'ascending' }
        ]
      ]
    }
  }
  // The service's own documents, not a tenant's (simulation signing key, pipeline health summary).
  { id: 'serviceState', partitionKey: { paths: [ '/id' ] } }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: serverless ? [ { name: 'EnableServerless' } ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.id
    properties: {
      resource: {
        id: container.id
        partitionKey: {
          paths: container.partitionKey.paths
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.?indexingPolicy
        defaultTtl: container.?defaultTtl
      }
    }
  }
]

@description('Name of the Cosmos DB account.')
output accountName string = account.name

@description('Endpoint of the account (what COSMOS__accountEndpoint holds).')
output endpoint string = account.properties.documentEndpoint

@description('Names of the deployed containers.')
output containerNames string[] = [for (container, i) in containers: sqlContainers[i].name]
