import type { InvocationContext, Timer } from '@azure/functions';
import { refreshAssessments as refresh } from '../shared/assessments/refreshAssessments';
import { defineTimerFunction } from '../shared/functions/defineFunction';
import { getServices } from '../shared/services';
import { listSubscriptionsWithPlanEnabled } from '../shared/store/assessmentRefreshInputs';

/**
 * The cluster configuration assessment refresh (NCRONTAB `%ASSESSMENT_SCHEDULE%`, default every 6 hours at half past):
 * every subscription whose plan is enabled, its clusters read in one listing, only changed assessments written. A
 * subscription whose clusters could not be read is logged with why, and keeps its assessments; the timer never throws
 * for what Azure answers.
 */
export async function refreshAssessments(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const subscriptionIds = await listSubscriptionsWithPlanEnabled(services.database);
  if (subscriptionIds.length === 0) {
    context.log('assessment refresh: no subscription has the plan enabled');
    return;
  }
  const startedInMs = Date.now();
  const result = await refresh({
    subscriptionIds,
    clusterSource: services.clusterSource,
    database: services.database,
    now: new Date().toISOString(),
    argusAuditHub: { eventHubName: services.config.auditStream.eventHubName },
    publisher: services.alertEventPublisher,
    policyStateSource: services.policyStateSource,
    workloadSettings: services.config.assessment.workloadSettings,
    restampAfterInMs: services.config.export.settleInMs,
  });
  let clusters = 0;
  let written = 0;
  let deleted = 0;
  let exported = 0;
  for (const subscription of result.subscriptions) {
    clusters += subscription.clusters;
    written += subscription.written;
    deleted += subscription.deleted;
    exported += subscription.exported;
    for (const problem of subscription.problems) context.warn(`assessment refresh of subscription ${subscription.subscriptionId}: ${problem}`);
  }
  context.log(`assessment refresh: ${result.subscriptions.length} subscriptions, ${clusters} clusters, ${written} assessments written, ${deleted} deleted, ${exported} status changes exported, in ${Date.now() - startedInMs} ms`);
}

export const refreshAssessmentsFunction = defineTimerFunction('refreshAssessments', {
  schedule: '%ASSESSMENT_SCHEDULE%',
  handler: refreshAssessments,
});
