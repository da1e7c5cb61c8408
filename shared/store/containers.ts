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
  // because a record that cannot be decoded has no trustworthy subscription. They expire after 30 days
  // (Cosmos DB TTL, in seconds), so a misconfigured source cannot grow the container without bound.
  { id: 'deadLetters', partitionKey: { paths: ['/partitionId'] }, defaultTtl: DEAD_LETTER_TTL_IN_SECONDS },
] as const satisfies readonly ContainerDefinition[];

export type ContainerName = (typeof containerDefinitions)[number]['id'];
