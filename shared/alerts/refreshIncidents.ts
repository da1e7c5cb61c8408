import type { Database } from '@azure/cosmos';
import { getAlert, queryAlerts } from '../store/alertStore';
import { type EventPublisher } from '../messaging/eventPublisher';
import { publishIncidentChanges } from '../messaging/incidentChangedEvents';
import { getIncident, listIncidentsSince, type StoredIncident, writeIncident } from '../store/incidentStore';
import { type Alert } from './alert';
import { type Incident } from './incident';
import { correlateIncidents } from './correlateIncidents';
import { reconcileIncidents } from './reconcileIncidents';

/** How far back alerts are read: an incident's alerts are connected over at most this span plus the incidents it covers. */
export const DEFAULT_INCIDENT_LOOKBACK_IN_MS = 7 * 24 * 60 * 60 * 1000;
/** The most alerts one subscription's run reads (the newest ones); more is logged as truncated. */
export const DEFAULT_MAX_INCIDENT_ALERTS = 20_000;
const PAGE_SIZE = 500;

export interface RefreshIncidentsOptions {
  database: Database;
  subscriptionId: string;
  /** The caller's clock. */
  now: Date;
  windowInMs?: number;
  lookbackInMs?: number;
  maxAlerts?: number;
  /** Where incident changes are published for the push export (the alert-events hub); none: not pushed. */
  publisher?: EventPublisher;
  /** The clock of the writes' `exportedChangeUtc` (default: now). */
  stamp?: () => string;
  /** A write slower than this is stamped again (the export's settle time; default 10 s). */
  restampAfterInMs?: number;
}

export interface IncidentRefreshResult {
  subscriptionId: string;
  alerts: number;
  incidents: number;
  written: number;
  /** Writes skipped because the incident changed meanwhile (an admin's status change): the next run retries. */
  conflicts: number;
  /** More alerts than `maxAlerts` were active in the lookback: the oldest were left out. */
  truncated: boolean;
  /** Set when the written changes could not be published for the push export (the pull export has them). */
  pushFailed?: string;
}

/**
 * Re-correlates one subscription: reads its alerts active in the lookback (the alert list query, page by page,
 * plus the alerts of stored incidents that fell out of it, so an incident is always seen whole), correlates
 * them, and writes only the incidents that changed, keeping the status an admin set (reconcileIncidents.ts).
 * Writes are conditional on the version read: an incident changed meanwhile is left for the next run. Each write is an
 * exported change (stamped `exportedChangeUtc` at write time, see writeIncident) and is published as an
 * `incidentChanged` event when a publisher is given.
 */
export async function refreshIncidents(options: RefreshIncidentsOptions): Promise<IncidentRefreshResult> {
  const { database, subscriptionId, now } = options;
  const sinceUtc = new Date(now.getTime() - (options.lookbackInMs ?? DEFAULT_INCIDENT_LOOKBACK_IN_MS)).toISOString();
  const maxAlerts = options.maxAlerts ?? DEFAULT_MAX_INCIDENT_ALERTS;

  const alerts = new Map<string, Alert>();
  let truncated = false;
  let page = await queryAlerts(database, subscriptionId, { fromUtc: sinceUtc }, { top: PAGE_SIZE });
  for (;;) {
    for (const alert of page.alerts) alerts.set(alert.id, alert);
    if (page.next === undefined) break;
    if (alerts.size >= maxAlerts) {
      truncated = true;
      break;
    }
    page = await queryAlerts(database, subscriptionId, { fromUtc: sinceUtc }, { top: PAGE_SIZE, after: page.next });
  }

  const stored = new Map<string, StoredIncident>((await listIncidentsSince(database, subscriptionId, sinceUtc)).map((entry) => [entry.incident.id, entry]));
  for (const { incident } of stored.values()) {
    for (const alertId of incident.alertIds) {
      if (alerts.has(alertId)) continue;
      const missing = await getAlert(database, subscriptionId, alertId);
      if (missing !== undefined) alerts.set(alertId, missing.alert);
    }
  }

  const correlated = correlateIncidents([...alerts.values()], options.windowInMs === undefined ? {} : { windowInMs: options.windowInMs });
  for (const incident of correlated) {
    if (stored.has(incident.id)) continue;
    const older = await getIncident(database, subscriptionId, incident.id);
    if (older !== undefined) stored.set(incident.id, older);
  }

  const writes = reconcileIncidents(
    [...stored.values()].map((entry) => entry.incident),
    correlated,
    now,
  );
  const written: Incident[] = [];
  let conflicts = 0;
  const writeOptions = { ...(options.stamp === undefined ? {} : { stamp: options.stamp }), ...(options.restampAfterInMs === undefined ? {} : { restampAfterInMs: options.restampAfterInMs }) };
  for (const incident of writes) {
    const outcome = await writeIncident(database, incident, stored.get(incident.id)?.etag, writeOptions);
    if (outcome.kind === 'written') written.push(outcome.stored.incident);
    else conflicts++;
  }
  const result: IncidentRefreshResult = { subscriptionId, alerts: alerts.size, incidents: correlated.length, written: written.length, conflicts, truncated };
  if (options.publisher !== undefined && written.length > 0) {
    try {
      await publishIncidentChanges(options.publisher, written);
    } catch (error) {
      result.pushFailed = `${written.length} incident changes were not published for the push export (the pull export has them): ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return result;
}
