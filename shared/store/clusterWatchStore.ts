import { type Container, type Database } from '@azure/cosmos';
import { createHash } from 'node:crypto';
import { type FoldRequestStats } from './foldIntoDocument';

/**
 * When Argus first saw each cluster (its first event judged by a stateful rule): where the cluster's learning period
 * starts, so a cluster that joins a subscription months after its plan was switched on learns its own week before the
 * first-seen rules judge it, instead of raising every image, namespace and client it has as new.
 *
 * One small document per cluster in `detectionState` (kind `clusterWatch`), created by the first batch that sees the
 * cluster and never changed after (a create that loses its race reads the winner's: partitions disagree by minutes,
 * learning lasts days). It expires with the cluster's other state when the cluster stays silent, so a cluster that
 * comes back after that learns again; an instance that keeps seeing it rewrites it once a day to keep it.
 * Read once per instance and cluster (cached), so steady traffic costs nothing.
 */

const CONTAINER = 'detectionState';
export const CLUSTER_WATCH_KIND = 'clusterWatch';
/** As the rules' state documents (DETECTION_STATE_TTL_IN_SECONDS): a cluster silent this long is forgotten. */
const WATCH_TTL_IN_SECONDS = 90 * 24 * 60 * 60;
/** How often an instance that keeps seeing a cluster renews its watch document's expiry. */
const RENEW_AFTER_IN_MS = 24 * 60 * 60 * 1000;
const CACHED_CLUSTERS = 20_000;

export interface ClusterWatchDocument {
  id: string;
  subscriptionId: string;
  kind: typeof CLUSTER_WATCH_KIND;
  cluster: string;
  /** The earliest event of the batch that first saw the cluster (RFC 3339). */
  firstEventUtc: string;
  updatedUtc: string;
  ttl: number;
}

/** One instance's memory of the clusters' watch documents: first event time and when it was last read or written. */
export class ClusterWatchCache {
  private readonly entries = new Map<string, { firstEventMs: number; confirmedMs: number }>();

  get(key: string): { firstEventMs: number; confirmedMs: number } | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: { firstEventMs: number; confirmedMs: number }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size > CACHED_CLUSTERS) this.entries.delete(this.entries.keys().next().value as string);
  }
}

export function clusterWatchId(cluster: string): string {
  return `${CLUSTER_WATCH_KIND}-${createHash('sha256').update(cluster.toLowerCase()).digest('hex').slice(0, 32)}`;
}

/**
 * When each cluster's watch started (ms), creating the watch of a cluster seen for the first time at its earliest
 * event in this batch. `seen`: per cluster resource id, its subscription and the earliest event time of the batch.
 */
export async function watchClusters(
  database: Database,
  seen: ReadonlyMap<string, { subscriptionId: string; earliestMs: number }>,
  options: { now: Date; cache?: ClusterWatchCache; stats: FoldRequestStats },
): Promise<Map<string, number>> {
  const container = database.container(CONTAINER);
  const nowMs = options.now.getTime();
  const starts = new Map<string, number>();
  await Promise.all(
    [...seen].map(async ([cluster, { subscriptionId, earliestMs }]) => {
      const key = `${subscriptionId}\n${cluster.toLowerCase()}`;
      const cached = options.cache?.get(key);
      if (cached !== undefined && cached.confirmedMs + RENEW_AFTER_IN_MS > nowMs) {
        starts.set(cluster, cached.firstEventMs);
        return;
      }
      const firstEventMs = await readOrCreate(container, { cluster, subscriptionId, earliestMs, renew: cached !== undefined, now: options.now }, options.stats);
      options.cache?.set(key, { firstEventMs, confirmedMs: nowMs });
      starts.set(cluster, firstEventMs);
    }),
  );
  return starts;
}

async function readOrCreate(
  container: Container,
  watch: { cluster: string; subscriptionId: string; earliestMs: number; renew: boolean; now: Date },
  stats: FoldRequestStats,
): Promise<number> {
  const id = clusterWatchId(watch.cluster);
  stats.reads++;
  const { resource } = await container.item(id, watch.subscriptionId).read<ClusterWatchDocument>();
  if (resource !== undefined) {
    const firstEventMs = Date.parse(resource.firstEventUtc);
    // Renewed by an instance that already knew the cluster a day ago: it is still sending.
    if (watch.renew && Date.parse(resource.updatedUtc) + RENEW_AFTER_IN_MS <= watch.now.getTime()) {
      stats.writes++;
      await container.items.upsert<ClusterWatchDocument>({ ...documentOf(watch.cluster, watch.subscriptionId, firstEventMs, watch.now) });
    }
    return firstEventMs;
  }
  try {
    stats.writes++;
    await container.items.create<ClusterWatchDocument>(documentOf(watch.cluster, watch.subscriptionId, watch.earliestMs, watch.now));
    return watch.earliestMs;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 409) throw error;
    stats.conflicts++;
    stats.reads++;
    const { resource: winner } = await container.item(id, watch.subscriptionId).read<ClusterWatchDocument>();
    return winner === undefined ? watch.earliestMs : Date.parse(winner.firstEventUtc);
  }
}

function documentOf(cluster: string, subscriptionId: string, firstEventMs: number, now: Date): ClusterWatchDocument {
  return {
    id: clusterWatchId(cluster),
    subscriptionId,
    kind: CLUSTER_WATCH_KIND,
    cluster,
    firstEventUtc: new Date(firstEventMs).toISOString(),
    updatedUtc: now.toISOString(),
    ttl: WATCH_TTL_IN_SECONDS,
  };
}

/** The subscription's watched clusters (health): one single-partition query. */
export async function listClusterWatches(database: Database, subscriptionId: string): Promise<{ cluster: string; firstEventUtc: string }[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<{ cluster: string; firstEventUtc: string }>(
      { query: 'SELECT c.cluster, c.firstEventUtc FROM c WHERE c.kind = @kind ORDER BY c.cluster', parameters: [{ name: '@kind', value: CLUSTER_WATCH_KIND }] },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources;
}
