import type { InvocationContext, Timer } from '@azure/functions';
import { refreshIncidents } from '../shared/alerts/refreshIncidents';
import { defineTimerFunction } from '../shared/functions/defineFunction';
import { getServices } from '../shared/services';
import { listSubscriptionsWithPlanEnabled } from '../shared/store/assessmentRefreshInputs';

/**
 * The correlation of alerts into incidents (NCRONTAB `%INCIDENT_SCHEDULE%`, default every 5 minutes): every
 * subscription whose plan is enabled, its recent alerts correlated and only changed incidents written (each an exported
 * change: in `GET .../export/incidents` and published to the alert-events hub for the push targets). One
 * subscription failing is logged and does not stop the others; the next run retries it.
 */
export async function correlateIncidents(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const subscriptionIds = await listSubscriptionsWithPlanEnabled(services.database);
  const startedInMs = Date.now();
  let incidents = 0;
  let written = 0;
  let failed = 0;
  for (const subscriptionId of subscriptionIds) {
    try {
      const result = await refreshIncidents({
        database: services.database,
        subscriptionId,
        now: new Date(),
        publisher: services.alertEventPublisher,
        restampAfterInMs: services.config.export.settleInMs,
      });
      incidents += result.incidents;
      written += result.written;
      if (result.truncated) context.warn(`incident correlation of subscription ${subscriptionId}: more alerts than one run reads; the oldest were left out`);
      if (result.pushFailed !== undefined) context.warn(`incident correlation of subscription ${subscriptionId}: ${result.pushFailed}`);
      if (result.conflicts > 0) context.log(`incident correlation of subscription ${subscriptionId}: ${result.conflicts} incidents changed meanwhile, left for the next run`);
    } catch (error) {
      failed++;
      context.error(`incident correlation of subscription ${subscriptionId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  context.log(
    `incident correlation: ${subscriptionIds.length} subscriptions (${failed} failed), ${incidents} incidents, ${written} written, in ${Date.now() - startedInMs} ms`,
  );
}

export const correlateIncidentsFunction = defineTimerFunction('correlateIncidents', {
  schedule: '%INCIDENT_SCHEDULE%',
  handler: correlateIncidents,
});
