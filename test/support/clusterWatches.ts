import { type Database } from '@azure/cosmos';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { watchClusters } from '../../shared/store/clusterWatchStore';
import { emptyFoldRequestStats } from '../../shared/store/foldIntoDocument';

/**
 * A cluster Argus has watched since `sinceUtc` (its learning long over): for tests about what a watched cluster's
 * batches cost or raise, not about its first batch (which starts the watch: one read and one write).
 */
export async function watchedSince(database: Database, resourceId: string, sinceUtc: string): Promise<void> {
  const cluster = parseClusterResourceId(resourceId);
  if (cluster === undefined) throw new Error(`not a cluster resource id: ${resourceId}`);
  const seen = new Map([[cluster.resourceId, { subscriptionId: cluster.subscriptionId, earliestMs: Date.parse(sinceUtc) }]]);
  await watchClusters(database, seen, { now: new Date(sinceUtc), stats: emptyFoldRequestStats() });
}
