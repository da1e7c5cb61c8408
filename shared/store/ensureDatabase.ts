import type { CosmosClient, Database } from '@azure/cosmos';
import { containerDefinitions } from './containers';

/**
 * Creates the database and every container if missing. Only the local runtime and tests call this:
 * in Azure the Bicep deployment owns the account, and the app's identity has data-plane rights only.
 */
export async function ensureDatabase(client: CosmosClient, databaseName: string): Promise<Database> {
  const { database } = await client.databases.createIfNotExists({ id: databaseName });
  for (const definition of containerDefinitions) {
    await database.containers.createIfNotExists({ ...definition, partitionKey: { paths: [...definition.partitionKey.paths] } });
  }
  return database;
}
