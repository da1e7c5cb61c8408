import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { allRules } from '../shared/detection/rules';
import { learningStatusOf } from '../shared/detection/stateful/learningStatus';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { judgeStoredRun } from '../shared/simulation/runSimulation';
import { SimulationStatus, SimulationTrigger, summarizeSimulationRun, type SimulationRun } from '../shared/simulation/simulationRun';
import { listClusterWatches } from '../shared/store/clusterWatchStore';
import { getPlan } from '../shared/store/planStore';
import { latestSettledSimulationRun, latestSimulationRun } from '../shared/store/simulationStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/health` (SecurityReader or higher): the subscription's pipeline
 * health as the scheduled simulation measured it. `healthy` when the last settled scheduled run saw every
 * expected alert arrive, `degraded` when it missed some, `unknown` before the first one (or when the
 * owner has not opted in). Also the latest run of any kind, with expected vs arrived and latency.
 */
export async function getPipelineHealth(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const { services, subscriptionId } = authorization;
  const judge = { database: services.database, aggregationWindowInMs: services.config.ingestion.aggregationWindowInMs, now: () => new Date() };

  const [plan, latestStored, clusterWatches] = await Promise.all([
    getPlan(services.database, subscriptionId),
    latestSimulationRun(services.database, subscriptionId),
    listClusterWatches(services.database, subscriptionId),
  ]);
  const latest = latestStored === undefined ? undefined : await judgeStoredRun(judge, latestStored);
  const lastScheduled =
    latest?.trigger === SimulationTrigger.scheduled && latest.status !== SimulationStatus.running
      ? latest
      : await latestSettledSimulationRun(services.database, subscriptionId, SimulationTrigger.scheduled);
  const status = lastScheduled === undefined ? 'unknown' : lastScheduled.status === SimulationStatus.succeeded ? 'healthy' : 'degraded';
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      subscriptionId,
      status,
      planEnabled: plan?.enabled === true,
      scheduledSimulation: plan?.scheduledSimulation === true,
      ...(lastScheduled === undefined ? {} : { lastScheduledRun: runReport(lastScheduled) }),
      ...(latest === undefined ? {} : { latestRun: runReport(latest) }),
      statefulDetection: learningStatusOf(allRules, {
        enabledAtUtc: plan?.enabled === true ? plan.enabledAtUtc : undefined,
        learningPeriodInMs: services.config.detection.learningPeriodInMs,
        now: new Date(),
        clusters: clusterWatches,
      }),
    },
  };
}

function runReport(run: SimulationRun) {
  return {
    simulationId: run.id,
    trigger: run.trigger,
    status: run.status,
    requestedAtUtc: run.requestedAtUtc,
    ...(run.sentAtUtc === undefined ? {} : { sentAtUtc: run.sentAtUtc }),
    ...(run.completedAtUtc === undefined ? {} : { completedAtUtc: run.completedAtUtc }),
    ...(run.failure === undefined ? {} : { failure: run.failure }),
    ...summarizeSimulationRun(run),
  };
}

export const getPipelineHealthFunction = defineHttpFunction('getPipelineHealth', {
  route: 'subscriptions/{subscriptionId}/health',
  methods: ['GET'],
  handler: getPipelineHealth,
});
