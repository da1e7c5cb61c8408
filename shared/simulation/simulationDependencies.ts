import { allRules } from '../detection/rules';
import { type Services } from '../services';
import { type SimulationDependencies } from './runSimulation';

/** The simulation's dependencies from the instance's shared services: the real audit and node-events hubs, rules and store. */
export function simulationDependenciesOf(services: Services): SimulationDependencies {
  return {
    database: services.database,
    rules: allRules,
    detectionContext: services.ingestion.detectionContext,
    aggregationWindowInMs: services.config.ingestion.aggregationWindowInMs,
    timeoutInMs: services.config.simulation.timeoutInMs,
    signingKey: services.ingestion.simulationSigningKey,
    auditEvents: services.auditEventPublisher,
    nodeEvents: services.nodeEventPublisher,
    now: () => new Date(),
  };
}
