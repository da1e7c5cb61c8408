import type { Database } from '@azure/cosmos';
import { type SimulationRun, SimulationStatus, type SimulationTrigger } from '../simulation/simulationRun';
import { etagOf, withoutSystemProperties } from './systemProperties';

/** The simulations container: one document per run, partitioned by subscription; kept 30 days (TTL). */

const CONTAINER = 'simulations';

export async function createSimulationRun(database: Database, run: SimulationRun): Promise<void> {
  await database.container(CONTAINER).items.create<SimulationRun>(run);
}

export async function getSimulationRun(database: Database, subscriptionId: string, id: string): Promise<{ run: SimulationRun; etag: string } | undefined> {
  const { resource } = await database.container(CONTAINER).item(id, subscriptionId).read<SimulationRun>();
  return resource === undefined ? undefined : { run: withoutSystemProperties(resource), etag: etagOf(resource) };
}

/**
 * Writes a judged run if nobody changed it since it was read. Losing the race is fine: whoever won
 * judged the same alerts, so the run is returned as the caller judged it either way.
 */
export async function saveSimulationRun(database: Database, run: SimulationRun, etag?: string): Promise<void> {
  const item = database.container(CONTAINER).item(run.id, run.subscriptionId);
  try {
    await item.replace<SimulationRun>(run, etag === undefined || etag === '' ? {} : { accessCondition: { type: 'IfMatch', condition: etag } });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 412) throw error;
  }
}

/** The subscription's most recent run (of one trigger when given), with its ETag. */
export async function latestSimulationRun(database: Database, subscriptionId: string, trigger?: SimulationTrigger): Promise<{ run: SimulationRun; etag: string } | undefined> {
  const parameters = [{ name: '@subscriptionId', value: subscriptionId }];
  if (trigger !== undefined) parameters.push({ name: '@trigger', value: trigger });
  const { resources } = await database
    .container(CONTAINER)
    .items.query<SimulationRun>(
      {
        query: `SELECT TOP 1 * FROM c WHERE c.subscriptionId = @subscriptionId${trigger === undefined ? '' : ' AND c.trigger = @trigger'} ORDER BY c.requestedAtUtc DESC`,
        parameters,
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  const latest = resources[0];
  return latest === undefined ? undefined : { run: withoutSystemProperties(latest), etag: etagOf(latest) };
}

/** The subscription's most recent settled run (succeeded or failed) of a trigger. */
export async function latestSettledSimulationRun(database: Database, subscriptionId: string, trigger: SimulationTrigger): Promise<SimulationRun | undefined> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<SimulationRun>(
      {
        query: 'SELECT TOP 1 * FROM c WHERE c.subscriptionId = @subscriptionId AND c.trigger = @trigger AND c.status != @running ORDER BY c.requestedAtUtc DESC',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@trigger', value: trigger },
          { name: '@running', value: SimulationStatus.running },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  const latest = resources[0];
  return latest === undefined ? undefined : withoutSystemProperties(latest);
}
