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
  /** Alerts written again only to move their change stamp past a slow write (see `restampAfterInMs`). */
  restamped: number;
}

export interface AlertWriteResult {
  stats: AlertWriteStats;
  /**
   * The state of every alert the batch touched, as stored after it: created and updated ones, and those
   * a re-delivery found already counted (so that publishing them again makes publishing at least once).
   */
  alerts: Alert[];
}

export type AlertWriteOptions = Omit<FoldOccurrencesOptions, 'suppressionRules' | 'now'> & {
  /** The suppression rules of a subscription (read only for subscriptions that have occurrences). */
  suppressionRulesOf: (subscriptionId: string) => Promise<FoldOccurrencesOptions['suppressionRules']>;
  /** The writer's clock: read at every write attempt, it stamps `lastModifiedUtc` (and `timeGeneratedUtc` of a new alert). */
  clock: () => Date;
  /**
   * A write that took longer than this from stamp to acknowledgement is written once more with a fresh
   * stamp. The incremental export serves changes once they are older than its settle time, so a change
   * committed later than that after its stamp could fall behind a SIEM's cursor; half the settle time
   * keeps every served stamp safely settled.
   */
  restampAfterInMs: number;
}

/** Writes the occurrences of each alert (keyed by alert id). Transient store faults are thrown; the caller retries the batch. */
export async function writeAlertOccurrences(
  database: Database,
  occurrencesByAlert: ReadonlyMap<string, readonly AlertOccurrence[]>,
  options: AlertWriteOptions,
): Promise<AlertWriteResult> {
  const stats: AlertWriteStats = { created: 0, updated: 0, unchanged: 0, suppressed: 0, restamped: 0, ...emptyFoldRequestStats() };
  const alerts: Alert[] = [];
  const container = database.container(CONTAINER);
  await mapWithConcurrency([...occurrencesByAlert], WRITE_CONCURRENCY, async ([alertId, occurrences]) => {
    const subscriptionId = occurrences[0]?.finding.record.cluster.subscriptionId;
    if (subscriptionId === undefined) return;
    const suppressionRules = await options.suppressionRulesOf(subscriptionId);
    let stampedAt = 0;
    const outcome = await foldIntoDocument<Alert>(
      container,
      alertId,
      subscriptionId,
      (stored) => {
        const now = options.clock();
        stampedAt = now.getTime();
        return foldOccurrences(stored, occurrences, { ...options, now, suppressionRules });
      },
      stats,
      undefined,
      // Most alerts a batch writes are new (a finding repeated within the window mostly lands in the same batch):
      // created without the read that would answer 404; an existing one costs a 409 and the read.
      { createFirst: true },
    );
    if (outcome.kind === 'unchanged') {
      stats.unchanged++;
      if (outcome.document !== undefined) alerts.push(outcome.document);
      return;
    }
    if (outcome.kind === 'replaced') stats.updated++;
    else {
      stats.created++;
      // A new alert is Active unless a suppression rule dismissed it.
      if (outcome.document.status === AlertStatus.Dismissed) stats.suppressed++;
    }
    let written = outcome.document;
    if (options.clock().getTime() - stampedAt > options.restampAfterInMs) {
      const restamp = await foldIntoDocument<Alert>(container, alertId, subscriptionId, (stored) => stored && restamped(stored, options.clock()), stats);
      if (restamp.kind !== 'unchanged') {
        stats.restamped++;
        written = restamp.document;
      }
    }
    alerts.push(written);
  });
  return { stats, alerts };
}

/** The same alert as a new version stamped `now` (nothing else changes). */
function restamped(alert: Alert, now: Date): Alert {
  return { ...alert, version: alert.version + 1, lastModifiedUtc: now.toISOString() };
}
