import type { Database } from '@azure/cosmos';
import { withoutSystemProperties } from './systemProperties';

/** The assessmentRefreshes container: one document per on-demand refresh, partition = subscription, kept 30 days (TTL). */

const CONTAINER = 'assessmentRefreshes';

export const AssessmentRefreshStatus = { Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type AssessmentRefreshStatus = (typeof AssessmentRefreshStatus)[keyof typeof AssessmentRefreshStatus];

export interface AssessmentRefreshRun {
  /** A GUID. */
  id: string;
  subscriptionId: string;
  status: AssessmentRefreshStatus;
  requestedBy: { principalId: string; principalName: string };
  requestedAtUtc: string;
  completedAtUtc?: string;
  /** Clusters evaluated, assessments written (changed) and deleted (clusters gone), unchanged ones. */
  clusters?: number;
  written?: number;
  deleted?: number;
  unchanged?: number;
  /** Why clusters could not be read, or why the run failed (no payloads, no stacks). */
  problems?: string[];
}

export async function saveAssessmentRefreshRun(database: Database, run: AssessmentRefreshRun): Promise<void> {
  await database.container(CONTAINER).items.upsert<AssessmentRefreshRun>(run);
}

export async function getAssessmentRefreshRun(database: Database, subscriptionId: string, id: string): Promise<AssessmentRefreshRun | undefined> {
  const { resource } = await database.container(CONTAINER).item(id, subscriptionId).read<AssessmentRefreshRun>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}
