import type { Database } from '@azure/cosmos';
import { withoutSystemProperties } from './systemProperties';

/**
 * The assessmentRefreshes container: one document per on-demand refresh (`POST .../assessments/refresh`) or refresh at
 * plan enablement, partition = subscription, kept 30 days (TTL).
 */

const CONTAINER = 'assessmentRefreshes';

export const AssessmentRefreshStatus = { Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type AssessmentRefreshStatus = (typeof AssessmentRefreshStatus)[keyof typeof AssessmentRefreshStatus];

export const AssessmentRefreshTrigger = { OnDemand: 'onDemand', PlanEnabled: 'planEnabled' } as const;
export type AssessmentRefreshTrigger = (typeof AssessmentRefreshTrigger)[keyof typeof AssessmentRefreshTrigger];

export interface AssessmentRefreshRun {
  /** A GUID. */
  id: string;
  subscriptionId: string;
  status: AssessmentRefreshStatus;
  /** What started it: `onDemand` (the refresh route) or `planEnabled` (the plan switched on). */
  trigger: AssessmentRefreshTrigger;
  requestedBy: { principalId: string; principalName: string };
  requestedAtUtc: string;
  completedAtUtc?: string;
  /** Clusters evaluated, assessments written (changed) and deleted (clusters gone), unchanged ones. */
  clusters?: number;
  written?: number;
  deleted?: number;
  unchanged?: number;
  /** Status changes exported (pull feed, and pushed to the export targets). */
  exported?: number;
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
