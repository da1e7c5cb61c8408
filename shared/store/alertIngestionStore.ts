import type { Database } from '@azure/cosmos';
import { type Alert, AlertStatus } from '../alerts/alert';
import { type AlertOccurrence, foldOccurrences, type FoldOccurrencesOptions } from '../alerts/foldOccurrences';
import { mapWithConcurrency } from './mapWithConcurrency';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { TransientStoreError } from './transientFaults';

/**
 * The ingestion pipeline's write path into the alerts container: read, fold the batch's occurrences in,
 * write back conditionally (ETag, or create-only for a new alert), and on a lost race read again. Two
 * instances updating the same alert therefore never lose an increment, and a re-delivered batch writes
 * nothing (see foldOccurrences).
 */

const CONTAINER = 'alerts';
/** Rounds of read-fold-write per alert before the batch is handed back for a retry. */
const MAX_ROUNDS = 10;
const WRITE_CONCURRENCY = 16;

export interface AlertWriteStats {
  created: number;
  updated: number;
  /** Alerts whose occurrences were all counted already (re-delivery). */
  unchanged: number;
  /** New alerts a suppression rule stored Dismissed. */
  suppressed: number;
  reads: number;
  writes: number;
  /** Writes that lost a race (412 or 409) and were redone. */
  conflicts: number;
}

export type AlertWriteOptions = Omit<FoldOccurrencesOptions, 'suppressionRules'> & {
  /** The suppression rules of a subscription (read only for subscriptions that have occurrences). */
  suppressionRulesOf: (subscriptionId: string) => Promise<FoldOccurrencesOptions['suppressionRules']>;
};

/** Writes the occurrences of each alert (keyed by alert id). Transient store faults are thrown; the caller retries the batch. */
export async function writeAlertOccurrences(
  database: Database,
  occurrencesByAlert: ReadonlyMap<string, readonly AlertOccurrence[]>,
  options: AlertWriteOptions,
): Promise<AlertWriteStats> {
  const stats: AlertWriteStats = { created: 0, updated: 0, unchanged: 0, suppressed: 0, reads: 0, writes: 0, conflicts: 0 };
  const container = database.container(CONTAINER);
  await mapWithConcurrency([...occurrencesByAlert], WRITE_CONCURRENCY, async ([alertId, occurrences]) => {
    const subscriptionId = occurrences[0]?.finding.record.cluster.subscriptionId;
    if (subscriptionId === undefined) return;
    const suppressionRules = await options.suppressionRulesOf(subscriptionId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      stats.reads++;
      const { resource, etag } = await read(database, subscriptionId, alertId);
      const next = foldOccurrences(resource, occurrences, { ...options, suppressionRules });
      if (next === undefined) {
        stats.unchanged++;
        return;
      }
      stats.writes++;
      try {
        if (resource === undefined) {
          await container.items.create<Alert>(next);
          stats.created++;
          // A new alert is Active unless a suppression rule dismissed it.
          if (next.status === AlertStatus.Dismissed) stats.suppressed++;
        } else {
          await container.item(alertId, subscriptionId).replace<Alert>(next, { accessCondition: { type: 'IfMatch', condition: etag } });
          stats.updated++;
        }
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 412 && code !== 409) throw error;
        stats.conflicts++;
      }
    }
    throw new TransientStoreError(`Alert ${alertId} kept changing under ${MAX_ROUNDS} concurrent writes; the batch will be retried.`);
  });
  return stats;
}

async function read(database: Database, subscriptionId: string, alertId: string): Promise<{ resource: Alert | undefined; etag: string }> {
  const { resource } = await database.container(CONTAINER).item(alertId, subscriptionId).read<Alert>();
  return resource === undefined ? { resource: undefined, etag: '' } : { resource: withoutSystemProperties(resource), etag: etagOf(resource) };
}
