import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeResourceRequest, parseRouteParameter } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { judgeStoredRun } from '../shared/simulation/runSimulation';
import { toSimulationView } from '../shared/simulation/simulationRun';
import { getSimulationRun } from '../shared/store/simulationStore';

const simulationId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a simulation id (a GUID)');

/**
 * `GET /api/subscriptions/{subscriptionId}/simulations/{simulationId}` (SecurityReader or higher): the
 * run, with each expected sample alert, whether it arrived and after how long, and a summary. A running
 * run is judged against the alerts container on every read.
 */
export async function getSimulation(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader }, (params) =>
    parseRouteParameter('simulationId', simulationId, params.simulationId),
  );
  if (authorization.kind === 'rejected') return authorization.response;
  const { services, subscriptionId, resourceId: id } = authorization;
  const stored = await getSimulationRun(services.database, subscriptionId, id.toLowerCase());
  if (stored === undefined) return errorResponse(404, 'NotFound', 'The simulation was not found.');
  const run = await judgeStoredRun({ database: services.database, aggregationWindowInMs: services.config.ingestion.aggregationWindowInMs, now: () => new Date() }, stored);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: toSimulationView(run) };
}

export const getSimulationFunction = defineHttpFunction('getSimulation', {
  route: 'subscriptions/{subscriptionId}/simulations/{simulationId}',
  methods: ['GET'],
  handler: getSimulation,
});
