import type { Database, SqlParameter } from '@azure/cosmos';
import { type AssessmentCategory, type AssessmentSeverity, type AssessmentStatusCode } from '../posture/assessment';
import { type Assessment } from '../posture/evaluateClusterChecks';
import { type ChangePageRequest, type ChangePosition } from './changePosition';
import { mapWithConcurrency } from './mapWithConcurrency';
import { withoutSystemProperties } from './systemProperties';
import { queryChangePage } from './queryChangePage';

/**
 * The assessments container: one document per check and cluster (`Assessment`, id deterministic from subscription,
 * cluster and check), partition `/subscriptionId`. Written only by the refresh, and only what changed.
 */

const CONTAINER = 'assessments';
const WRITE_CONCURRENCY = 16;

/** What a list can be narrowed to; every field is optional, several values of one field mean any of them. */
export interface AssessmentFilters {
  /** A cluster's canonical resource id (lower-case parts, as stored). */
  clusterResourceId?: string;
  /** A cluster name (lower case): every cluster of that name in the subscription. */
  clusterName?: string;
  statuses?: readonly AssessmentStatusCode[];
  severities?: readonly AssessmentSeverity[];
  category?: AssessmentCategory;
  /** A check name. */
  name?: string;
}

/** Where a page ends: lists are ordered by id, keyset-paged. */
export interface AssessmentPosition {
  id: string;
}

export interface AssessmentPage {
  assessments: Assessment[];
  /** The last assessment of this page when there may be more. */
  next?: AssessmentPosition;
}

/** Every assessment of a subscription (the refresh's and the score's read: one partition). */
export async function listAssessments(database: Database, subscriptionId: string, filters: AssessmentFilters = {}): Promise<Assessment[]> {
  const { where, parameters } = whereClause(subscriptionId, filters);
  const { resources } = await database
    .container(CONTAINER)
    .items.query<Assessment>({ query: `SELECT * FROM c WHERE ${where}`, parameters }, { partitionKey: subscriptionId })
    .fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => compare(a.id, b.id));
}

/** One page of a subscription's assessments, by id, after `after`. */
export async function queryAssessments(
  database: Database,
  subscriptionId: string,
  filters: AssessmentFilters,
  paging: { top: number; after?: AssessmentPosition },
): Promise<AssessmentPage> {
  const { where, parameters } = whereClause(subscriptionId, filters);
  const clauses = [where];
  if (paging.after !== undefined) {
    clauses.push('c.id > @after');
    parameters.push({ name: '@after', value: paging.after.id });
  }
  const { resources } = await database
    .container(CONTAINER)
    .items.query<Assessment>(
      { query: `SELECT TOP ${paging.top + 1} * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c.id ASC`, parameters },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  const assessments = resources.slice(0, paging.top).map(withoutSystemProperties);
  const last = assessments[assessments.length - 1];
  return { assessments, ...(resources.length > paging.top && last !== undefined ? { next: { id: last.id } } : {}) };
}

export interface AssessmentChangePage {
  assessments: Assessment[];
  /** The position after the last assessment of the page (`after` itself when the page is empty). */
  next: ChangePosition;
  hasMore: boolean;
}

/**
 * The incremental export's read of assessments, as `queryAlertChanges` for alerts: the subscription's assessments whose
 * last exported change (`exportedChangeUtc`) is after `after`, oldest first, keyset-paged on (exportedChangeUtc, id),
 * each at its current version; only changes stamped at or before `settledThroughUtc`.
 */
export async function queryAssessmentChanges(database: Database, subscriptionId: string, page: ChangePageRequest): Promise<AssessmentChangePage> {
  const { items, next, hasMore } = await queryChangePage(database.container(CONTAINER), subscriptionId, page, 'exportedChangeUtc', (document: Assessment) => withoutSystemProperties(document), (assessment) => assessment.exportedChangeUtc);
  return { assessments: items, next, hasMore };
}

/** Writes assessments (each of them changed: the refresh writes nothing else). */
export async function upsertAssessments(database: Database, assessments: readonly Assessment[]): Promise<void> {
  const container = database.container(CONTAINER);
  await mapWithConcurrency(assessments, WRITE_CONCURRENCY, async (assessment) => {
    await container.items.upsert<Assessment>(assessment);
  });
}

/** Deletes assessments by id (those of clusters that are gone); one already gone counts as deleted. */
export async function deleteAssessments(database: Database, subscriptionId: string, ids: readonly string[]): Promise<void> {
  const container = database.container(CONTAINER);
  await mapWithConcurrency(ids, WRITE_CONCURRENCY, async (id) => {
    try {
      await container.item(id, subscriptionId).delete();
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  });
}

function whereClause(subscriptionId: string, filters: AssessmentFilters): { where: string; parameters: SqlParameter[] } {
  const clauses = ['c.subscriptionId = @subscriptionId'];
  const parameters: SqlParameter[] = [{ name: '@subscriptionId', value: subscriptionId }];
  if (filters.clusterResourceId !== undefined) {
    clauses.push('c.resourceDetails.id = @clusterResourceId');
    parameters.push({ name: '@clusterResourceId', value: filters.clusterResourceId });
  }
  if (filters.clusterName !== undefined) {
    clauses.push('ENDSWITH(c.resourceDetails.id, @clusterSuffix)');
    parameters.push({ name: '@clusterSuffix', value: `/managedClusters/${filters.clusterName}` });
  }
  anyOf('c.status.code', 'status', filters.statuses, clauses, parameters);
  anyOf('c.metadata.severity', 'severity', filters.severities, clauses, parameters);
  if (filters.category !== undefined) {
    clauses.push('ARRAY_CONTAINS(c.metadata.categories, @category)');
    parameters.push({ name: '@category', value: filters.category });
  }
  if (filters.name !== undefined) {
    clauses.push('c.name = @name');
    parameters.push({ name: '@name', value: filters.name });
  }
  return { where: clauses.join(' AND '), parameters };
}

function anyOf(path: string, prefix: string, values: readonly string[] | undefined, clauses: string[], parameters: SqlParameter[]): void {
  if (values === undefined || values.length === 0) return;
  const names = values.map((value, index) => {
    parameters.push({ name: `@${prefix}${index}`, value });
    return `${path} = @${prefix}${index}`;
  });
  clauses.push(`(${names.join(' OR ')})`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
