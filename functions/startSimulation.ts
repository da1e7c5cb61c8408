import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole } from '../shared/auth/roles';
import { allRules } from '../shared/detection/rules';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { RateLimitedOperation } from '../shared/http/rateLimits';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { simulatedAlertTypes } from '../shared/simulation/buildSimulation';
import { startSimulation as start } from '../shared/simulation/runSimulation';
import { simulationDependenciesOf } from '../shared/simulation/simulationDependencies';
import { SimulationTrigger, toSimulationView } from '../shared/simulation/simulationRun';

const MAX_ALERT_TYPES = 100;

const bodySchema = z.strictObject({
  alertTypes: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must hold alert types such as K8S_PrivilegedContainer'), {
      error: 'must be an array of alert types',
    })
    .min(1, 'must name at least one alert type (leave it out for all)')
    .max(MAX_ALERT_TYPES, `must name at most ${MAX_ALERT_TYPES} alert types`)
    .optional(),
});

/**
 * `POST /api/subscriptions/{subscriptionId}/simulations` with `{ "alertTypes"?: [...] }` (SecurityAdmin or
 * higher): sends the rules' own attack examples, stamped now and signed by the service, on the
 * subscription's reserved simulated cluster through the real hubs (audit events through the audit hub,
 * node events through the node-events hub). 202 with the run (and its `Location`); `GET .../simulations/{id}`
 * reports which expected sample alerts arrived and how fast. The plan must be enabled (the pipeline raises
 * nothing otherwise), and one run at a time per subscription. A hub that refuses the events is 503
 * `AuditHubUnavailable` or `NodeHubUnavailable`. A principal may start SIMULATION_RATE_LIMIT_PER_MINUTE runs a
 * minute (429 `TooManyRequests` with `Retry-After` beyond).
 */
export async function startSimulation(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, {
    minimumRole: SubscriptionRole.SecurityAdmin,
    target: 'collection',
    rateLimit: { operation: RateLimitedOperation.simulation, route: 'startSimulation' },
  });
  if (authorization.kind === 'rejected') return authorization.response;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const body = await parseJsonBody(request, bodySchema, { allowEmpty: true, example: '{"alertTypes":["K8S_PrivilegedContainer"]}' });
  if (body.kind === 'rejected') return body.response;
  const { subscriptionId, services, principal } = authorization;

  const outcome = await start(simulationDependenciesOf(services), {
    subscriptionId,
    trigger: SimulationTrigger.onDemand,
    requestedBy: { principalId: principal.objectId, principalName: principal.displayName },
    ...(body.value?.alertTypes === undefined ? {} : { alertTypes: body.value.alertTypes }),
  });
  switch (outcome.kind) {
    case 'plan-not-enabled':
      return errorResponse(409, 'PlanNotEnabled', 'The plan of this subscription is not enabled, so the pipeline would raise no alerts: enable it first (PUT .../plan).');
    case 'already-running':
      return errorResponse(409, 'SimulationRunning', `Simulation ${outcome.run.id} of this subscription is still running (until ${outcome.run.deadlineUtc} at the latest); wait for it.`, {
        location: simulationLocation(request, subscriptionId, outcome.run.id),
      });
    case 'unknown-alert-types':
      return errorResponse(
        400,
        'InvalidRequestBody',
        `alertTypes has types no simulation raises: ${outcome.alertTypes.join(', ')}. The simulated types are ${simulatedAlertTypes(allRules).join(', ')}.`,
      );
    case 'send-failed': {
      const hub = outcome.hub === 'node' ? { name: 'node-events hub', code: 'NodeHubUnavailable' } : { name: 'audit hub', code: 'AuditHubUnavailable' };
      context.error(`simulation ${outcome.run.id} of subscription ${subscriptionId}: the ${hub.name} did not accept the events: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
      return errorResponse(503, hub.code, `The simulated events could not be sent to the ${hub.name}; try again later.`, { 'retry-after': '30' });
    }
    case 'started':
      context.log(`simulation ${outcome.run.id} started for subscription ${subscriptionId} by principal ${principal.objectId}: ${outcome.run.eventCount} events, ${outcome.run.expected.length} expected alerts`);
      return {
        status: 202,
        headers: { 'cache-control': 'no-store', location: simulationLocation(request, subscriptionId, outcome.run.id) },
        jsonBody: toSimulationView(outcome.run),
      };
  }
}

function simulationLocation(request: HttpRequest, subscriptionId: string, id: string): string {
  return new URL(`/api/subscriptions/${subscriptionId}/simulations/${id}`, request.url).toString();
}

export const startSimulationFunction = defineHttpFunction('startSimulation', {
  route: 'subscriptions/{subscriptionId}/simulations',
  methods: ['POST'],
  handler: startSimulation,
});
