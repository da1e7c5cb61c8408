import type { Database } from '@azure/cosmos';
import { type UsageRecord } from './usageStore';

/**
 * What the assessment refresh reads of other containers: which subscriptions have the plan on (the timer's
 * cross-partition query, once per run) and when Argus last received audit events of each cluster (the usage
 * meter: events per cluster name per hour).
 */

/** The subscriptions whose plan is enabled. */
export async function listSubscriptionsWithPlanEnabled(database: Database): Promise<string[]> {
  const { resources } = await database
    .container('plans')
    .items.query<{ subscriptionId: string }>({ query: 'SELECT c.subscriptionId FROM c WHERE c.enabled = true' })
    .fetchAll();
  return resources.map((plan) => plan.subscriptionId).sort();
}

/**
 * Per cluster name: the start of the latest hour since `sinceUtc` in which Argus metered audit events of it. The hour's
 * start, not its end, so the coverage check can only judge a stream older than it is (by under an hour), never fresher.
 */
export async function lastAuditEventHourByCluster(database: Database, subscriptionId: string, sinceUtc: string): Promise<Map<string, string>> {
  const { resources } = await database
    .container('usage')
    .items.query<Pick<UsageRecord, 'hourStartUtc' | 'eventsByCluster'>>(
      {
        query: 'SELECT c.hourStartUtc, c.eventsByCluster FROM c WHERE c.subscriptionId = @subscriptionId AND c.hourStartUtc >= @since',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@since', value: sinceUtc },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  const latest = new Map<string, string>();
  for (const { hourStartUtc, eventsByCluster } of resources) {
    for (const [cluster, events] of Object.entries(eventsByCluster ?? {})) {
      if (events <= 0) continue;
      const key = cluster.toLowerCase();
      const known = latest.get(key);
      if (known === undefined || hourStartUtc > known) latest.set(key, hourStartUtc);
    }
  }
  return latest;
}
