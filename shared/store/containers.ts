import type { ContainerDefinition } from '@azure/cosmos';

/**
 * Every Cosmos DB container Argus uses: the single source of truth for the local runtime (which creates
 * them), the tests, and the Bicep deployment (checked against this module).
 *
 * Tenant data is partitioned by `/subscriptionId`, so every tenant query is a single-partition query and
 * one subscription can never read another's documents by accident of a missing filter.
 */
/** How long a dead letter is kept. */
export const DEAD_LETTER_TTL_IN_SECONDS = 30 * 24 * 60 * 60;
/** How long a simulation's record is kept. */
export const SIMULATION_TTL_IN_SECONDS = 30 * 24 * 60 * 60;

export const containerDefinitions = [
  {
    id: 'alerts',
    partitionKey: { paths: ['/subscriptionId'] },
    // Lists are newest first (ORDER BY timeGeneratedUtc DESC, id DESC, keyset-paged: timeGeneratedUtc never
    // changes once written, unlike startTimeUtc), which needs a composite index; a single-value status or
    // severity filter leads the ORDER BY (see shared/store/alertStore.ts).
    indexingPolicy: {
      indexingMode: 'consistent',
      automatic: true,
      includedPaths: [{ path: '/*' }],
      excludedPaths: [{ path: '/"_etag"/?' }],
      compositeIndexes: [
        [
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        [
          { path: '/status', order: 'ascending' },
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        [
          { path: '/severity', order: 'ascending' },
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        // The incremental export reads changes oldest first (see shared/store/alertChangeStore.ts).
        [
          { path: '/lastModifiedUtc', order: 'ascending' },
          { path: '/id', order: 'ascending' },
        ],
      ],
    },
  },
  { id: 'plans', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'roleAssignments', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'suppressionRules', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'clusters', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'usage', partitionKey: { paths: ['/subscriptionId'] } },
  // Records the pipeline could not use, kept for inspection; partitioned by hub partition, not tenant,
  // because a record that cannot be decoded has no trustworthy subscription. They expire after 30 days
  // (Cosmos DB TTL, in seconds), so a misconfigured source cannot grow the container without bound.
  { id: 'deadLetters', partitionKey: { paths: ['/partitionId'] }, defaultTtl: DEAD_LETTER_TTL_IN_SECONDS },
  // A subscription's push-export targets (one document per subscription, id = subscription id).
  { id: 'exportSettings', partitionKey: { paths: ['/subscriptionId'] } },
  // Push deliveries that kept failing, served to the subscription's admins; they expire like dead letters.
  { id: 'exportDeadLetters', partitionKey: { paths: ['/subscriptionId'] }, defaultTtl: DEAD_LETTER_TTL_IN_SECONDS },
  // Attack simulations and what arrived of them; kept 30 days (the health history).
  { id: 'simulations', partitionKey: { paths: ['/subscriptionId'] }, defaultTtl: SIMULATION_TTL_IN_SECONDS },
  // Cluster configuration assessments (one per check and cluster, shared/store/assessmentStore.ts), the owners'
  // exemptions of them, and the refresh runs (`POST .../assessments/refresh`, kept 30 days like simulations).
  {
    id: 'assessments',
    partitionKey: { paths: ['/subscriptionId'] },
    // The incremental export of assessment changes reads them oldest first (queryAssessmentChanges).
    indexingPolicy: {
      indexingMode: 'consistent',
      automatic: true,
      includedPaths: [{ path: '/*' }],
      excludedPaths: [{ path: '/"_etag"/?' }],
      compositeIndexes: [
        [
          { path: '/exportedChangeUtc', order: 'ascending' },
          { path: '/id', order: 'ascending' },
        ],
      ],
    },
  },
  { id: 'assessmentExemptions', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'assessmentRefreshes', partitionKey: { paths: ['/subscriptionId'] }, defaultTtl: SIMULATION_TTL_IN_SECONDS },
  // The live workload inventory from the audit stream (shared/store/workloadInventoryStore.ts): one document per
  // cluster, kind, namespace and name. Per-item TTL on (-1: nothing expires by default): only the tombstones of
  // deleted workloads carry a `ttl` and expire (WORKLOAD_TOMBSTONE_TTL_IN_SECONDS).
  { id: 'workloads', partitionKey: { paths: ['/subscriptionId'] }, defaultTtl: -1 },
  // The stateful rules' memory (shared/store/detectionStateStore.ts): one document per cluster and rule, each expiring
  // 90 days after its last change (per-item `ttl`; -1 turns per-item TTL on).
  { id: 'detectionState', partitionKey: { paths: ['/subscriptionId'] }, defaultTtl: -1 },
  // Custom threat-intel sets (shared/store/threatIntelSetStore.ts): one document per set, id = set name.
  { id: 'threatIntelSets', partitionKey: { paths: ['/subscriptionId'] } },
  // Configured threat-intel feeds as last fetched (shared/store/threatIntelFeedStore.ts): the service's own documents,
  // used for every subscription, so partitioned by id (= feed name) like serviceState.
  { id: 'threatIntelFeeds', partitionKey: { paths: ['/id'] } },
  // Incidents: alerts correlated per cluster (shared/store/incidentStore.ts), listed newest first like alerts.
  {
    id: 'incidents',
    partitionKey: { paths: ['/subscriptionId'] },
    indexingPolicy: {
      indexingMode: 'consistent',
      automatic: true,
      includedPaths: [{ path: '/*' }],
      excludedPaths: [{ path: '/"_etag"/?' }],
      compositeIndexes: [
        [
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        // The incremental export of incident changes reads them oldest first (queryIncidentChanges).
        [
          { path: '/exportedChangeUtc', order: 'ascending' },
          { path: '/id', order: 'ascending' },
        ],
      ],
    },
  },
  // The service's own documents, not a tenant's: the simulation signing key, the pipeline health summary.
  { id: 'serviceState', partitionKey: { paths: ['/id'] } },
] as const satisfies readonly ContainerDefinition[];

export type ContainerName = (typeof containerDefinitions)[number]['id'];
