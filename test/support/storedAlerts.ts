import type { Database } from '@azure/cosmos';
import { type Alert } from '../../shared/alerts/alert';
import { withoutSystemProperties } from '../../shared/store/systemProperties';

/** Every alert of a subscription as stored (without Cosmos system properties), by id. */
export async function storedAlertsOf(database: Database, subscriptionId: string): Promise<Alert[]> {
  const { resources } = await database
    .container('alerts')
    .items.query<Alert>({ query: 'SELECT * FROM c WHERE c.subscriptionId = @s ORDER BY c.id', parameters: [{ name: '@s', value: subscriptionId }] }, { partitionKey: subscriptionId })
    .fetchAll();
  return resources.map((alert) => withoutSystemProperties(alert));
}
