import type { ContainerDefinition } from '@azure/cosmos';

/**
 * Every Cosmos DB container Argus uses: the single source of truth for the local runtime (which creates
 * them), the tests, and the Bicep deployment (checked against this module).
 *
 * Tenant data is partitioned by `/subscriptionId`, so every tenant query is a single-partition query and
 * one subscription can never read another's documents by accident of a missing filter.
 */
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
      ],
    },
  },
  { id: 'plans', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'roleAssignments', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'suppressionRules', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'clusters', partitionKey: { paths: ['/subscriptionId'] } },
  { id: 'usage', partitionKey: { paths: ['/subscriptionId'] } },
  // Records the pipeline could not use, kept for inspection; partitioned by hub partition, not tenant,
  // because a record that cannot be decoded has no trustworthy subscription.
  { id: 'deadLetters', partitionKey: { paths: ['/partitionId'] } },
] as const satisfies readonly ContainerDefinition[];

export type ContainerName = (typeof containerDefinitions)[number]['id'];
