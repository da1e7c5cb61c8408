import type { Database } from '@azure/cosmos';
import { mapWithConcurrency } from './mapWithConcurrency';
import { withoutSystemProperties } from './systemProperties';

/**
 * The exportDeadLetters container: push deliveries that kept failing, per subscription, for its admins to
 * see through the API (the pull export still has every alert). The id is the delivery id, so a
 * re-delivered alert-events batch that fails again overwrites its dead letter instead of adding one.
 * No payload is kept: the alert (or assessment, or incident) is in its container, at this version or a later one.
 */

const CONTAINER = 'exportDeadLetters';
const WRITE_CONCURRENCY = 8;

export interface ExportDeadLetter {
  /** The delivery id (also sent as `x-argus-delivery`). */
  id: string;
  subscriptionId: string;
  targetName: string;
  targetKind: string;
  /**
   * What failed to go out: `alertChanged` (alertId, alertVersion), `assessmentChanged` (assessmentId, assessmentVersion)
   * or `incidentChanged` (incidentId, incidentVersion).
   */
  changeType: string;
  alertId?: string;
  alertVersion?: number;
  assessmentId?: string;
  assessmentVersion?: number;
  incidentId?: string;
  incidentVersion?: number;
  /** `deliveryFailed` (retries exhausted or refused), `targetUnavailable` (not tried: the target kept failing in this run). */
  reason: string;
  /** What went wrong, without secrets, bodies or URL paths. */
  detail: string;
  /** HTTP status of the last attempt, when there was a response. */
  status?: number;
  attempts: number;
  failedAtUtc: string;
}

export async function writeExportDeadLetters(database: Database, letters: readonly ExportDeadLetter[]): Promise<void> {
  const container = database.container(CONTAINER);
  await mapWithConcurrency([...letters], WRITE_CONCURRENCY, async (letter) => {
    await container.items.upsert<ExportDeadLetter>(letter);
  });
}

/** The subscription's most recent failed deliveries, newest first. */
export async function listExportDeadLetters(database: Database, subscriptionId: string, top: number): Promise<ExportDeadLetter[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<ExportDeadLetter>(
      {
        query: 'SELECT TOP @top * FROM c WHERE c.subscriptionId = @subscriptionId ORDER BY c.failedAtUtc DESC',
        parameters: [
          { name: '@top', value: top },
          { name: '@subscriptionId', value: subscriptionId },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map((letter) => withoutSystemProperties(letter));
}
