import type { CosmosClient, Database } from '@azure/cosmos';
import { startLocalCosmosServer, type LocalCosmosServer } from '../../local/localCosmosServer';
import { createCosmosClient } from '../../shared/store/createCosmosClient';
import { ensureDatabase } from '../../shared/store/ensureDatabase';

export interface TestCosmos {
  server: LocalCosmosServer;
  client: CosmosClient;
  database: Database;
  close(): Promise<void>;
}

/** The in-process Cosmos server on a free port, reached through the real SDK, with Argus's containers. */
export async function startTestCosmos(databaseName = 'argus'): Promise<TestCosmos> {
  const server = await startLocalCosmosServer(0);
  const client = createCosmosClient({ endpoint: server.endpoint, databaseName, allowSelfSignedCertificate: true });
  const database = await ensureDatabase(client, databaseName);
  return {
    server,
    client,
    database,
    close: async () => {
      client.dispose();
      await server.close();
    },
  };
}
