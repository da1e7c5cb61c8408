import type { Database, SqlParameter } from '@azure/cosmos';
import {
  createInventoryDocumentId,
  documentKeyOf,
  foldInventoryChanges,
  type InventoryChange,
  type InventoryDocument,
  type InventoryKind,
} from '../posture/workloadInventory';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { mapWithConcurrency } from './mapWithConcurrency';
import { type SelfSpecifiedWorkloads } from './selfSpecifiedWorkloads';
import { withoutSystemProperties } from './systemProperties';

/**
 * The workloads container: the live workload inventory the audit stream keeps (shared/posture/workloadInventory.ts),
 * one document per (cluster, kind, namespace, name), id `createInventoryDocumentId`, partition `/subscriptionId`.
 *
 * Written only by the ingestion, one conditional read-modify-write per document and batch (foldIntoDocument), so two
 * instances folding the same workload never lose an update, and a replayed batch writes nothing (the fold keeps the
 * last audit id and refuses older events). A deleted workload stays as a tombstone with a per-item `ttl`: late events
 * of it do not bring it back, and it expires a week later (the container's `defaultTtl` is -1: nothing else does).
 */

const CONTAINER = 'workloads';
const WRITE_CONCURRENCY = 16;

/** How long a deleted workload's tombstone is kept (Cosmos DB per-item TTL, in seconds). */
export const WORKLOAD_TOMBSTONE_TTL_IN_SECONDS = 7 * 24 * 60 * 60;

/** An inventory document as stored: tombstones carry their time to live. */
export type StoredInventoryDocument = InventoryDocument & { ttl?: number };

/** One audit event's inventory change, with the subscription (partition) of its cluster. */
export interface SubscriptionInventoryChange {
  subscriptionId: string;
  change: InventoryChange;
}

export interface InventoryWriteStats extends FoldRequestStats {
  /** Changes folded. */
  changes: number;
  /** Documents created or replaced. */
  documentsWritten: number;
  /** Documents whose changes were all folded changes of an owner known to be self-specified: neither read nor written. */
  documentsSkipped: number;
}

/**
 * Folds the changes into their documents: grouped by document (the owner's for a folded pod, ReplicaSet or Job), in
 * the order given (event order), each document read once and written at most once. Store faults are thrown (a
 * document that keeps changing under concurrent writers as a TransientStoreError): the caller retries the batch.
 *
 * With the instance's `selfSpecified` memory, a document whose changes are all folded changes of an owner seen
 * self-specified within the hour is left alone: the fold would change nothing (see SelfSpecifiedWorkloads).
 */
export async function recordInventoryChanges(
  database: Database,
  changes: readonly SubscriptionInventoryChange[],
  now: Date,
  selfSpecified?: SelfSpecifiedWorkloads,
): Promise<InventoryWriteStats> {
  const stats = emptyFoldRequestStats();
  const byDocument = new Map<string, { subscriptionId: string; id: string; changes: InventoryChange[] }>();
  for (const { subscriptionId, change } of changes) {
    const key = documentKeyOf(change);
    const id = createInventoryDocumentId(subscriptionId, key.cluster, key.kind, key.namespace, key.name);
    const group = byDocument.get(id);
    if (group === undefined) byDocument.set(id, { subscriptionId, id, changes: [change] });
    else group.changes.push(change);
  }
  const container = database.container(CONTAINER);
  const nowUtc = now.toISOString();
  const nowInMs = now.getTime();
  let documentsWritten = 0;
  let documentsSkipped = 0;
  const groups = [...byDocument.values()].filter((group) => {
    const skip = selfSpecified?.has(memoKeyOf(group), nowInMs) === true && group.changes.every((change) => change.ownerKey !== undefined);
    if (skip) documentsSkipped++;
    return !skip;
  });
  await mapWithConcurrency(groups, WRITE_CONCURRENCY, async (group) => {
    const outcome = await foldIntoDocument<StoredInventoryDocument>(
      container,
      group.id,
      group.subscriptionId,
      (stored) => {
        const next = foldInventoryChanges(stored === undefined ? undefined : withoutTtl(stored), group.changes, nowUtc);
        return next === undefined ? undefined : withTombstoneTtl(next);
      },
      stats,
      undefined,
      // A workload's own create opens its changes: mostly a new document, created without the read that would answer
      // 404 (one that existed, a re-create after a delete, costs the 409 and the read).
      { createFirst: isOwnCreate(group.changes[0]) },
    );
    if (outcome.kind !== 'unchanged') documentsWritten++;
    if (outcome.document?.specFrom === 'self' && !outcome.document.deleted) selfSpecified?.remember(memoKeyOf(group), nowInMs);
  });
  return { ...stats, changes: changes.length, documentsWritten, documentsSkipped };
}

function isOwnCreate(change: InventoryChange | undefined): boolean {
  return change?.created === true && change.ownerKey === undefined;
}

function memoKeyOf(group: { subscriptionId: string; id: string }): string {
  return `${group.subscriptionId}\n${group.id}`;
}

/** What a list can be narrowed to; every field is optional. */
export interface WorkloadFilters {
  /** A cluster's canonical resource id (lower-case parts, as stored). */
  clusterResourceId?: string;
  /** A cluster name (lower case): every cluster of that name in the subscription. */
  clusterName?: string;
  namespace?: string;
  kind?: InventoryKind;
  /** Also the tombstones of deleted workloads (default: only the current ones). */
  includeDeleted?: boolean;
}

/** Where a page ends: lists are ordered by id, keyset-paged. */
export interface WorkloadPosition {
  id: string;
}

export interface WorkloadPage {
  workloads: InventoryDocument[];
  /** The last workload of this page when there may be more. */
  next?: WorkloadPosition;
}

/** One page of a subscription's workloads, by id, after `after`. */
export async function listWorkloads(
  database: Database,
  subscriptionId: string,
  filters: WorkloadFilters,
  paging: { top: number; after?: WorkloadPosition },
): Promise<WorkloadPage> {
  const { where, parameters } = whereClause(subscriptionId, filters);
  const clauses = [where];
  if (paging.after !== undefined) {
    clauses.push('c.id > @after');
    parameters.push({ name: '@after', value: paging.after.id });
  }
  const { resources } = await database
    .container(CONTAINER)
    .items.query<StoredInventoryDocument>(
      { query: `SELECT TOP ${paging.top + 1} * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c.id ASC`, parameters },
      { partitionKey: subscriptionId, maxItemCount: paging.top + 1 },
    )
    .fetchAll();
  const workloads = resources.slice(0, paging.top).map(fromStored);
  const last = workloads.at(-1);
  return { workloads, ...(resources.length > paging.top && last !== undefined ? { next: { id: last.id } } : {}) };
}

/** Every current workload of a subscription, of every cluster (the assessment refresh's read: one partition), by id. */
export async function listSubscriptionWorkloads(database: Database, subscriptionId: string): Promise<InventoryDocument[]> {
  const { where, parameters } = whereClause(subscriptionId, {});
  const { resources } = await database
    .container(CONTAINER)
    .items.query<StoredInventoryDocument>({ query: `SELECT * FROM c WHERE ${where}`, parameters }, { partitionKey: subscriptionId })
    .fetchAll();
  return resources.map(fromStored).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every current workload of one cluster (the workload evaluation's read: one partition), by id. */
export async function listClusterWorkloads(
  database: Database,
  subscriptionId: string,
  clusterResourceId: string,
  options: { includeDeleted?: boolean } = {},
): Promise<InventoryDocument[]> {
  const { where, parameters } = whereClause(subscriptionId, { clusterResourceId, ...options });
  const { resources } = await database
    .container(CONTAINER)
    .items.query<StoredInventoryDocument>({ query: `SELECT * FROM c WHERE ${where}`, parameters }, { partitionKey: subscriptionId })
    .fetchAll();
  return resources.map(fromStored).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function whereClause(subscriptionId: string, filters: WorkloadFilters): { where: string; parameters: SqlParameter[] } {
  const clauses = ['c.subscriptionId = @subscriptionId'];
  const parameters: SqlParameter[] = [{ name: '@subscriptionId', value: subscriptionId }];
  if (filters.clusterResourceId !== undefined) {
    clauses.push('c.cluster = @cluster');
    parameters.push({ name: '@cluster', value: filters.clusterResourceId });
  }
  if (filters.clusterName !== undefined) {
    // The name is the resource id's last segment, whatever the cluster's provider.
    clauses.push('ENDSWITH(c.cluster, @clusterSuffix)');
    parameters.push({ name: '@clusterSuffix', value: `/${filters.clusterName}` });
  }
  if (filters.namespace !== undefined) {
    clauses.push('c.namespace = @namespace');
    parameters.push({ name: '@namespace', value: filters.namespace });
  }
  if (filters.kind !== undefined) {
    clauses.push('c.kind = @kind');
    parameters.push({ name: '@kind', value: filters.kind });
  }
  if (filters.includeDeleted !== true) clauses.push('c.deleted = false');
  return { where: clauses.join(' AND '), parameters };
}

function withTombstoneTtl(document: InventoryDocument): StoredInventoryDocument {
  return document.deleted ? { ...document, ttl: WORKLOAD_TOMBSTONE_TTL_IN_SECONDS } : document;
}

function withoutTtl(document: StoredInventoryDocument): InventoryDocument {
  const { ttl: _ttl, ...rest } = document;
  return rest;
}

function fromStored(document: StoredInventoryDocument): InventoryDocument {
  return withoutTtl(withoutSystemProperties(document));
}
