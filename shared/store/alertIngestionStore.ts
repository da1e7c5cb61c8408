import type { Database } from '@azure/cosmos';
import { type Alert, AlertStatus } from '../alerts/alert';
import { type AlertOccurrence, foldOccurrences, type FoldOccurrencesOptions } from '../alerts/foldOccurrences';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { mapWithConcurrency } from './mapWithConcurrency';

/**
 * The ingestion pipeline's write path into the alerts container: each alert's occurrences are folded
 * into the stored alert under optimistic concurrency (see foldIntoDocument), so two instances updating
 * the same alert never lose an increment, and a re-delivered batch writes nothing (see foldOccurrences).
 */

const CONTAINER = 'alerts';
const WRITE_CONCURRENCY = 16;

export interface AlertWriteStats extends FoldRequestStats {
  created: number;
  updated: number;
  /** Alerts whose occurrences were all counted already (re-delivery). */
  unchanged: number;
  /** New alerts a suppression rule stored Dismissed. */
  suppressed: number;
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
  const stats: AlertWriteStats = { created: 0, updated: 0, unchanged: 0, suppressed: 0, ...emptyFoldRequestStats() };
  const container = database.container(CONTAINER);
  await mapWithConcurrency([...occurrencesByAlert], WRITE_CONCURRENCY, async ([alertId, occurrences]) => {
    const subscriptionId = occurrences[0]?.finding.record.cluster.subscriptionId;
    if (subscriptionId === undefined) return;
    const suppressionRules = await options.suppressionRulesOf(subscriptionId);
    const outcome = await foldIntoDocument<Alert>(container, alertId, subscriptionId, (stored) => foldOccurrences(stored, occurrences, { ...options, suppressionRules }), stats);
    if (outcome.kind === 'unchanged') stats.unchanged++;
    else if (outcome.kind === 'replaced') stats.updated++;
    else {
      stats.created++;
      // A new alert is Active unless a suppression rule dismissed it.
      if (outcome.document.status === AlertStatus.Dismissed) stats.suppressed++;
    }
  });
  return stats;
}
