import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import { type Services } from '../services';
import { type AssessmentRefreshRun, AssessmentRefreshStatus, type AssessmentRefreshTrigger, saveAssessmentRefreshRun } from '../store/assessmentRefreshStore';
import { refreshAssessments } from './refreshAssessments';

/**
 * One recorded refresh of one subscription (on demand, or when its plan is switched on): the run is saved as Running
 * first (a refresh cut off by the function timeout stays visible), the refresh writes and exports what changed, and
 * the run is saved with its counts and problems. Never throws for the refresh itself: a failure is a Failed run.
 */
export async function runAssessmentRefresh(
  services: Services,
  context: InvocationContext,
  request: { subscriptionId: string; trigger: AssessmentRefreshTrigger; requestedBy: AssessmentRefreshRun['requestedBy'] },
): Promise<AssessmentRefreshRun> {
  const { subscriptionId } = request;
  const run: AssessmentRefreshRun = {
    id: randomUUID(),
    subscriptionId,
    status: AssessmentRefreshStatus.Running,
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    requestedAtUtc: new Date().toISOString(),
  };
  await saveAssessmentRefreshRun(services.database, run);
  let finished: AssessmentRefreshRun;
  try {
    const result = await refreshAssessments({
      subscriptionIds: [subscriptionId],
      clusterSource: services.clusterSource,
      database: services.database,
      now: new Date().toISOString(),
      argusAuditHub: { eventHubName: services.config.auditStream.eventHubName },
      publisher: services.alertEventPublisher,
    policyStateSource: services.policyStateSource,
    workloadSettings: services.config.assessment.workloadSettings,
      restampAfterInMs: services.config.export.settleInMs,
    });
    const refreshed = result.subscriptions[0];
    finished = {
      ...run,
      status: AssessmentRefreshStatus.Succeeded,
      completedAtUtc: new Date().toISOString(),
      clusters: refreshed?.clusters ?? 0,
      written: refreshed?.written ?? 0,
      deleted: refreshed?.deleted ?? 0,
      unchanged: refreshed?.unchanged ?? 0,
      exported: refreshed?.exported ?? 0,
      problems: refreshed?.problems ?? [],
    };
  } catch (error) {
    context.error(`assessment refresh ${run.id} of subscription ${subscriptionId} failed: ${error instanceof Error ? error.message : String(error)}`);
    finished = { ...run, status: AssessmentRefreshStatus.Failed, completedAtUtc: new Date().toISOString(), problems: ['The refresh failed; try again later.'] };
  }
  await saveAssessmentRefreshRun(services.database, finished);
  context.log(
    `assessment refresh ${run.id} (${run.trigger}) of subscription ${subscriptionId} by principal ${run.requestedBy.principalId}: ${finished.status}, ${finished.clusters ?? 0} clusters, ${finished.written ?? 0} written, ${finished.exported ?? 0} exported`,
  );
  return finished;
}
