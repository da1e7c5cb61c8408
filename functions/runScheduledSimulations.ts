import type { InvocationContext, Timer } from '@azure/functions';
import { defineTimerFunction } from '../shared/functions/defineFunction';
import { getServices } from '../shared/services';
import { judgeStoredRun, startSimulation } from '../shared/simulation/runSimulation';
import { simulationDependenciesOf } from '../shared/simulation/simulationDependencies';
import { SimulationStatus, SimulationTrigger, summarizeSimulationRun } from '../shared/simulation/simulationRun';
import { mapWithConcurrency } from '../shared/store/mapWithConcurrency';
import { listPlansWithScheduledSimulation } from '../shared/store/planStore';
import { savePipelineHealthSummary } from '../shared/store/serviceStateStore';
import { latestSimulationRun } from '../shared/store/simulationStore';

/** The service principal the scheduled runs are recorded as requested by. */
export const SCHEDULER = { principalId: 'argus-scheduler', principalName: 'Argus scheduled simulation' };
const SUBSCRIPTION_CONCURRENCY = 4;

/**
 * The pipeline's canary (NCRONTAB `%SIMULATION_SCHEDULE%`, default every 6 hours): for every subscription
 * whose plan is enabled and whose owner opted in (`scheduledSimulation`), judges the previous scheduled
 * run (by now long past its deadline) and starts a new one through the real audit and node-events hubs.
 * The last judged runs are the subscription's pipeline health (`GET .../health`); how many of them failed,
 * without naming anyone, is what the anonymous `GET /api/health` reports.
 */
export async function runScheduledSimulations(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const dependencies = simulationDependenciesOf(services);
  const plans = await listPlansWithScheduledSimulation(services.database);
  let checked = 0;
  let failed = 0;
  let started = 0;
  await mapWithConcurrency(plans, SUBSCRIPTION_CONCURRENCY, async (plan) => {
    const previous = await latestSimulationRun(services.database, plan.subscriptionId, SimulationTrigger.scheduled);
    if (previous !== undefined) {
      const judged = await judgeStoredRun(dependencies, previous);
      if (judged.status !== SimulationStatus.running) {
        checked++;
        if (judged.status === SimulationStatus.failed) {
          failed++;
          const summary = summarizeSimulationRun(judged);
          context.warn(`scheduled simulation ${judged.id} of subscription ${plan.subscriptionId} failed: ${summary.arrived} of ${summary.expected} expected alerts arrived${judged.failure ? ` (${judged.failure})` : ''}`);
        }
      }
    }
    const outcome = await startSimulation(dependencies, { subscriptionId: plan.subscriptionId, trigger: SimulationTrigger.scheduled, requestedBy: SCHEDULER });
    if (outcome.kind === 'started') started++;
    else context.warn(`scheduled simulation of subscription ${plan.subscriptionId} not started: ${outcome.kind}`);
  });
  await savePipelineHealthSummary(services.database, { checkedAtUtc: new Date().toISOString(), simulationsChecked: checked, simulationsFailed: failed });
  context.log(`scheduled simulations: ${plans.length} subscriptions, ${started} started, ${checked} judged, ${failed} failed`);
}

export const runScheduledSimulationsFunction = defineTimerFunction('runScheduledSimulations', {
  schedule: '%SIMULATION_SCHEDULE%',
  handler: runScheduledSimulations,
});
