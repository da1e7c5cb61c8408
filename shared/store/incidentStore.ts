import type { Database, SqlParameter } from '@azure/cosmos';
import { type AlertStatus } from '../alerts/alert';
import { type Incident, IncidentCorrelationState } from '../alerts/incident';
import { type ChangePageRequest, type ChangePosition } from './changePosition';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { queryChangePage } from './queryChangePage';

/**
 * The incidents container: the only code that reads or writes it. Documents have exactly the `Incident`
 * shape (partition = subscriptionId); the `_etag` is returned beside an incident for optimistic concurrency.
 */

const CONTAINER = 'incidents';

export interface StoredIncident {
  incident: Incident;
  etag: string;
}

export interface IncidentFilters {
  statuses?: readonly AlertStatus[];
  /** The cluster's name, as `compromisedEntity` is stored. */
  clusterName?: string;
  /** The cluster's canonical resource id (as `clusterResourceId` is stored). */
  clusterResourceId?: string;
  /** Also merged and dissolved incidents; only current ones when absent or false. */
  includeSuperseded?: boolean;
}

/** Where a page ends in the list's order (most recently formed first: timeGeneratedUtc DESC, id DESC; both never change). */
export interface IncidentPosition {
  timeGeneratedUtc: string;
  id: string;
}

export interface IncidentPage {
  incidents: Incident[];
  next?: IncidentPosition;
}

export async function getIncident(database: Database, subscriptionId: string, incidentId: string): Promise<StoredIncident | undefined> {
  const { resource } = await database.container(CONTAINER).item(incidentId, subscriptionId).read<Incident>();
  return resource === undefined ? undefined : stored(resource);
}

/** One page of a subscription's incidents, newest first, keyset-paged like the alerts (one more read than asked). */
export async function queryIncidents(
  database: Database,
  subscriptionId: string,
  filters: IncidentFilters,
  page: { top: number; after?: IncidentPosition },
): Promise<IncidentPage> {
  const conditions = ['c.subscriptionId = @subscriptionId'];
  const parameters: SqlParameter[] = [
    { name: '@subscriptionId', value: subscriptionId },
    { name: '@limit', value: page.top + 1 },
  ];
  if (filters.includeSuperseded !== true) {
    parameters.push({ name: '@current', value: IncidentCorrelationState.current });
    conditions.push('c.correlationState = @current');
  }
  if (filters.statuses?.length) {
    const names = filters.statuses.map((status, index) => {
      parameters.push({ name: `@status${index}`, value: status });
      return `@status${index}`;
    });
    conditions.push(`c.status IN (${names.join(', ')})`);
  }
  if (filters.clusterName !== undefined) {
    parameters.push({ name: '@clusterName', value: filters.clusterName });
    conditions.push('c.compromisedEntity = @clusterName');
  }
  if (filters.clusterResourceId !== undefined) {
    parameters.push({ name: '@clusterResourceId', value: filters.clusterResourceId });
    conditions.push('c.clusterResourceId = @clusterResourceId');
  }
  if (page.after !== undefined) {
    parameters.push({ name: '@afterTime', value: page.after.timeGeneratedUtc }, { name: '@afterId', value: page.after.id });
    conditions.push('(c.timeGeneratedUtc < @afterTime OR (c.timeGeneratedUtc = @afterTime AND c.id < @afterId))');
  }
  const { resources } = await database
    .container(CONTAINER)
    .items.query<Incident>(
      { query: `SELECT TOP @limit * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.timeGeneratedUtc DESC, c.id DESC`, parameters },
      { partitionKey: subscriptionId, maxItemCount: page.top + 1 },
    )
    .fetchAll();
  const incidents = resources.slice(0, page.top).map((document) => stored(document).incident);
  const last = incidents.at(-1);
  return resources.length > page.top && last !== undefined ? { incidents, next: { timeGeneratedUtc: last.timeGeneratedUtc, id: last.id } } : { incidents };
}

/** Every incident of a subscription (any correlation state) whose activity ends at or after `sinceUtc`, with its etag. */
export async function listIncidentsSince(database: Database, subscriptionId: string, sinceUtc: string): Promise<StoredIncident[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<Incident>(
      {
        query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId AND c.endTimeUtc >= @since',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@since', value: sinceUtc },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(stored);
}

export type IncidentWrite = { kind: 'written'; stored: StoredIncident } | { kind: 'conflict' } | { kind: 'not-found' };

/** A write slower than this from stamp to commit is stamped again (the export's settle time in the app). */
export const DEFAULT_INCIDENT_RESTAMP_AFTER_IN_MS = 10_000;

export interface WriteIncidentOptions {
  /** The writer's clock for `exportedChangeUtc`; default: now. */
  stamp?: () => string;
  /** A write that took longer than this is stamped again, so the pull export never reads past it (default 10 s). */
  restampAfterInMs?: number;
}

/**
 * Writes a change of an incident: created when `etag` is undefined (a conflict when one exists by then), else replaced
 * only if it is still at `etag` (a conflict when someone, e.g. an admin changing its status, wrote it in between). Every
 * write is an exported change (the callers write only what changed): `exportedChangeUtc` is stamped right before the
 * write, and stamped again (same version, conditional on the etag just written) when the write outlasted
 * `restampAfterInMs`, as for alerts and assessments; a restamp that meets a newer write leaves it (that one carries a
 * fresh stamp).
 */
export async function writeIncident(
  database: Database,
  incident: Omit<Incident, 'exportedChangeUtc'>,
  etag: string | undefined,
  options: WriteIncidentOptions = {},
): Promise<IncidentWrite> {
  const stamp = options.stamp ?? (() => new Date().toISOString());
  const restampAfterInMs = options.restampAfterInMs ?? DEFAULT_INCIDENT_RESTAMP_AFTER_IN_MS;
  const first = await writeIncidentDocument(database, { ...incident, exportedChangeUtc: stamp() }, etag);
  if (first.kind !== 'written') return first;
  const stampedUtc = first.stored.incident.exportedChangeUtc;
  if (Date.parse(stamp()) - Date.parse(stampedUtc) <= restampAfterInMs) return first;
  const again = await writeIncidentDocument(database, { ...first.stored.incident, exportedChangeUtc: stamp() }, first.stored.etag);
  return again.kind === 'written' ? again : first;
}

async function writeIncidentDocument(database: Database, incident: Incident, etag: string | undefined): Promise<IncidentWrite> {
  const container = database.container(CONTAINER);
  try {
    const { resource } =
      etag === undefined
        ? await container.items.create<Incident>(incident)
        : await container.item(incident.id, incident.subscriptionId).replace<Incident>(incident, { accessCondition: { type: 'IfMatch', condition: etag } });
    return resource === undefined ? { kind: 'not-found' } : { kind: 'written', stored: stored(resource) };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 409 || code === 412) return { kind: 'conflict' };
    if (code === 404) return { kind: 'not-found' };
    throw error;
  }
}

export interface IncidentChangePage {
  incidents: Incident[];
  next: ChangePosition;
  hasMore: boolean;
}

/**
 * The incremental export's read (as queryAssessmentChanges): incidents whose change was stamped after `page.after` and
 * at or before `settledThroughUtc`, oldest change first (exportedChangeUtc, id), merged and dissolved ones included (a
 * merge or dissolution is a change). One more than asked is read to tell whether more follow.
 */
export async function queryIncidentChanges(database: Database, subscriptionId: string, page: ChangePageRequest): Promise<IncidentChangePage> {
  const { items, next, hasMore } = await queryChangePage(database.container(CONTAINER), subscriptionId, page, 'exportedChangeUtc', (document: Incident) => stored(document).incident, (incident) => incident.exportedChangeUtc);
  return { incidents: items, next, hasMore };
}

function stored(document: Incident): StoredIncident {
  return { incident: withoutSystemProperties(document), etag: etagOf(document) };
}
