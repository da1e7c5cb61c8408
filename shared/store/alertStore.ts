import { BEFORE_FIRST_CHANGE, type ChangePageRequest, type ChangePosition } from './changePosition';
import type { Database, SqlParameter } from '@azure/cosmos';
import { type Alert, AlertStatus } from '../alerts/alert';
import { type Severity } from '../detection/rule';
import { queryChangePage } from './queryChangePage';

/**
 * The alerts container: the only code that reads or writes it. Documents have exactly the `Alert` shape
 * (id = systemAlertId, partition = subscriptionId); Cosmos system properties never leave this module,
 * except the `_etag` returned beside an alert for optimistic concurrency.
 */

const CONTAINER = 'alerts';

/** An alert with the version it was read at (the Cosmos `_etag`, exactly as Cosmos gives it). */
export interface StoredAlert {
  alert: Alert;
  etag: string;
}

/** What a list may be narrowed to. Every given filter must hold; a list filter holds for any of its values. */
export interface AlertFilters {
  statuses?: readonly AlertStatus[];
  severities?: readonly Severity[];
  alertType?: string;
  /** The cluster's name, lower case (as `compromisedEntity` is stored). */
  clusterName?: string;
  /** The cluster's canonical resource id (as `clusterResourceId` is stored). */
  clusterResourceId?: string;
  /** The alert's activity [startTimeUtc, endTimeUtc] overlaps [fromUtc, toUtc]; ISO 8601 UTC with milliseconds. */
  fromUtc?: string;
  toUtc?: string;
  isSimulated?: boolean;
}

/**
 * Where a page ends, in the list's order (most recently raised first: by `timeGeneratedUtc`, then by
 * `id`). Both keys are stable for an alert (the pipeline keeps `timeGeneratedUtc` from the first write,
 * while it may widen `startTimeUtc` and `endTimeUtc`), so the position stays valid while alerts are updated.
 */
export interface AlertPosition {
  timeGeneratedUtc: string;
  id: string;
}

export interface AlertPageRequest {
  /** Alerts per page. */
  top: number;
  /** Continue after this alert; the first page when absent. */
  after?: AlertPosition;
}

export interface AlertPage {
  alerts: Alert[];
  /** Where the next page starts after; absent on the last page. */
  next?: AlertPosition;
}

/**
 * The fields whose single-value filter leads the ORDER BY, so that Azure Cosmos DB serves the filter
 * and the order from one composite index (the equality makes the order the same as without it). The
 * first field here with exactly one value wins. The `alerts` entry of containers.ts has the composite
 * indexes: (timeGeneratedUtc DESC, id DESC) and, per field here, (field ASC, timeGeneratedUtc DESC, id DESC).
 */
const LEADING_EQUALITY_FIELDS = ['status', 'severity'] as const;


export async function getAlert(database: Database, subscriptionId: string, alertId: string): Promise<StoredAlert | undefined> {
  const { resource } = await database.container(CONTAINER).item(alertId, subscriptionId).read<Alert>();
  return resource === undefined ? undefined : stored(resource);
}

/**
 * One page of a subscription's alerts, newest (most recently raised) first. Keyset paging (no OFFSET,
 * which the in-process server lacks and which costs more the deeper the page in Azure): the page after
 * `after` is the alerts strictly before it in (timeGeneratedUtc DESC, id DESC). One more alert than
 * asked is read to know whether a next page exists.
 */
export async function queryAlerts(database: Database, subscriptionId: string, filters: AlertFilters, page: AlertPageRequest): Promise<AlertPage> {
  const conditions = ['c.subscriptionId = @subscriptionId'];
  const parameters: SqlParameter[] = [
    { name: '@subscriptionId', value: subscriptionId },
    { name: '@limit', value: page.top + 1 },
  ];
  const oneOf = (field: string, values: readonly string[]): void => {
    const names = values.map((value, index) => {
      parameters.push({ name: `@${field}${index}`, value });
      return `@${field}${index}`;
    });
    conditions.push(names.length === 1 ? `c.${field} = ${names[0]}` : `c.${field} IN (${names.join(', ')})`);
  };
  const equals = (field: string, value: string | boolean): void => {
    parameters.push({ name: `@${field}`, value });
    conditions.push(`c.${field} = @${field}`);
  };
  if (filters.statuses?.length) oneOf('status', filters.statuses);
  if (filters.severities?.length) oneOf('severity', filters.severities);
  if (filters.alertType !== undefined) equals('alertType', filters.alertType);
  if (filters.clusterName !== undefined) equals('compromisedEntity', filters.clusterName);
  if (filters.clusterResourceId !== undefined) equals('clusterResourceId', filters.clusterResourceId);
  if (filters.isSimulated !== undefined) equals('isSimulated', filters.isSimulated);
  if (filters.fromUtc !== undefined) {
    parameters.push({ name: '@fromUtc', value: filters.fromUtc });
    conditions.push('c.endTimeUtc >= @fromUtc');
  }
  if (filters.toUtc !== undefined) {
    parameters.push({ name: '@toUtc', value: filters.toUtc });
    conditions.push('c.startTimeUtc <= @toUtc');
  }
  if (page.after !== undefined) {
    parameters.push({ name: '@afterTimeGeneratedUtc', value: page.after.timeGeneratedUtc }, { name: '@afterId', value: page.after.id });
    conditions.push('(c.timeGeneratedUtc < @afterTimeGeneratedUtc OR (c.timeGeneratedUtc = @afterTimeGeneratedUtc AND c.id < @afterId))');
  }
  const leading = LEADING_EQUALITY_FIELDS.find((field) => (field === 'status' ? filters.statuses : filters.severities)?.length === 1);
  const orderBy = [...(leading === undefined ? [] : [`c.${leading} ASC`]), 'c.timeGeneratedUtc DESC', 'c.id DESC'].join(', ');

  const { resources } = await database
    .container(CONTAINER)
    .items.query<Alert>(
      { query: `SELECT TOP @limit * FROM c WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy}`, parameters },
      { partitionKey: subscriptionId, maxItemCount: page.top + 1 },
    )
    .fetchAll();
  const alerts = resources.slice(0, page.top).map((document) => stored(document).alert);
  const last = alerts.at(-1);
  return resources.length > page.top && last !== undefined ? { alerts, next: { timeGeneratedUtc: last.timeGeneratedUtc, id: last.id } } : { alerts };
}

export interface ListActiveAlertsOptions {
  /** Only alerts of this type; every type when absent. */
  alertType?: string;
  /** Alerts per page read from the store. */
  pageSize?: number;
}

/**
 * Every Active alert of a subscription (optionally of one alert type), in the list's order (most recently
 * raised first), read page by page with continuation tokens, so a caller can scan them all without
 * holding them all.
 */
export async function* listActiveAlerts(database: Database, subscriptionId: string, options: ListActiveAlertsOptions = {}): AsyncGenerator<Alert> {
  const parameters: SqlParameter[] = [
    { name: '@subscriptionId', value: subscriptionId },
    { name: '@status', value: AlertStatus.Active },
  ];
  if (options.alertType !== undefined) parameters.push({ name: '@alertType', value: options.alertType });
  const byType = options.alertType === undefined ? '' : ' AND c.alertType = @alertType';
  const iterator = database.container(CONTAINER).items.query<Alert>(
    { query: `SELECT * FROM c WHERE c.subscriptionId = @subscriptionId AND c.status = @status${byType} ORDER BY c.timeGeneratedUtc DESC, c.id DESC`, parameters },
    { partitionKey: subscriptionId, maxItemCount: options.pageSize ?? 100 },
  );
  for await (const page of iterator.getAsyncIterator()) {
    for (const document of page.resources) yield stored(document).alert;
  }
}

/** Where an export consumer is in the order of alert changes: (lastModifiedUtc, id), both ascending. */
export type AlertChangePosition = ChangePosition;
export { BEFORE_FIRST_CHANGE };
export type AlertChangePageRequest = ChangePageRequest;

export interface AlertChangePage {
  alerts: Alert[];
  /** The position after the last alert of the page (`after` itself when the page is empty). */
  next: AlertChangePosition;
  /** More settled changes follow. */
  hasMore: boolean;
}

/**
 * The incremental export's read (no change feed: the in-process server has none, and the order must be
 * resumable from an opaque cursor): the subscription's alerts changed after `after`, oldest change
 * first, keyset-paged on (lastModifiedUtc, id). An alert that changes again gets a later stamp and comes
 * again, at its new version. Only changes stamped at or before `settledThroughUtc` are served: a write
 * stamped earlier than a page was read but committed after it would otherwise land behind the cursor.
 */
export async function queryAlertChanges(database: Database, subscriptionId: string, page: AlertChangePageRequest): Promise<AlertChangePage> {
  const { items, next, hasMore } = await queryChangePage(database.container(CONTAINER), subscriptionId, page, 'lastModifiedUtc', (document: Alert) => stored(document).alert, (alert) => alert.lastModifiedUtc);
  return { alerts: items, next, hasMore };
}

export type AlertReplacement = { kind: 'replaced'; stored: StoredAlert } | { kind: 'precondition-failed' } | { kind: 'not-found' };

/** Replaces an alert only if it is still at `etag` (optimistic concurrency); the caller re-reads on `precondition-failed`. */
export async function replaceAlert(database: Database, alert: Alert, etag: string): Promise<AlertReplacement> {
  try {
    const { resource } = await database
      .container(CONTAINER)
      .item(alert.id, alert.subscriptionId)
      .replace<Alert>(alert, { accessCondition: { type: 'IfMatch', condition: etag } });
    if (resource === undefined) return { kind: 'not-found' };
    return { kind: 'replaced', stored: stored(resource) };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 412) return { kind: 'precondition-failed' };
    if (code === 404) return { kind: 'not-found' };
    throw error;
  }
}

/**
 * Writes the alert once more as a new version stamped now, after a write that took so long from stamp to
 * commit that the incremental export could have read past its stamp meanwhile (see queryAlertChanges).
 * If someone else changed it in between, their write carries a fresh stamp already.
 */
export async function restampAlert(database: Database, current: StoredAlert, now: Date = new Date()): Promise<StoredAlert> {
  const next = { ...current.alert, version: current.alert.version + 1, lastModifiedUtc: now.toISOString() };
  const replacement = await replaceAlert(database, next, current.etag);
  if (replacement.kind === 'replaced') return replacement.stored;
  return (await getAlert(database, current.alert.subscriptionId, current.alert.id)) ?? current;
}

/**
 * Id, count and last change of a cluster's alerts raised since `sinceWindowStartUtc` (the simulation's
 * arrival check: one single-partition query, a projection of three fields).
 */
export async function listClusterAlertStates(
  database: Database,
  subscriptionId: string,
  clusterResourceId: string,
  sinceWindowStartUtc: string,
): Promise<{ id: string; count: number; lastModifiedUtc: string }[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<{ id: string; count: number; lastModifiedUtc: string }>(
      {
        query:
          'SELECT c.id, c["count"], c.lastModifiedUtc FROM c WHERE c.subscriptionId = @subscriptionId AND c.clusterResourceId = @clusterResourceId AND c.windowStartUtc >= @since',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@clusterResourceId', value: clusterResourceId },
          { name: '@since', value: sinceWindowStartUtc },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources;
}

/** Writes alerts as they are (seeding, tests; the ingestion pipeline has its own write path). */
export async function upsertAlerts(database: Database, alerts: readonly Alert[], concurrency = 16): Promise<void> {
  const container = database.container(CONTAINER);
  for (let start = 0; start < alerts.length; start += concurrency) {
    await Promise.all(alerts.slice(start, start + concurrency).map((alert) => container.items.upsert<Alert>(alert)));
  }
}

type AlertDocument = Alert & { _etag?: string; _rid?: string; _self?: string; _attachments?: string; _ts?: number };

function stored(document: AlertDocument): StoredAlert {
  const { _etag, _rid, _self, _attachments, _ts, ...alert } = document;
  return { alert, etag: _etag ?? '' };
}
