import { Agent } from 'node:https';
import { CosmosClient, type Database, type RetryOptions } from '@azure/cosmos';
import { startLocalCosmosServer, type LocalCosmosServer } from '../../local/localCosmosServer';
import { createCosmosClient } from '../../shared/store/createCosmosClient';
import { ensureDatabase } from '../../shared/store/ensureDatabase';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './faultInjectingProxy';

export interface FaultInjectingCosmosOptions {
  databaseName?: string;
  /**
   * The SDK's throttling retries (429), e.g. `{ maxRetryAttemptCount: 1 }` so that a test spends them
   * with two injected 429s. Absent: the production client, which retries a 429 up to 9 times.
   */
  retryOptions?: RetryOptions;
}

export interface FaultInjectingCosmos {
  server: LocalCosmosServer;
  proxy: FaultInjectingProxy;
  client: CosmosClient;
  /** Argus's database, every container ensured, reached through the proxy. */
  database: Database;
  close(): Promise<void>;
}

/** The in-process Cosmos server behind a fault-injecting proxy, with a real SDK client talking to the proxy. */
export async function startFaultInjectingCosmos(options: FaultInjectingCosmosOptions = {}): Promise<FaultInjectingCosmos> {
  const databaseName = options.databaseName ?? 'argus';
  const server = await startLocalCosmosServer(0);
  const proxy = await startFaultInjectingProxy(server.endpoint);
  const { client, agent } =
    options.retryOptions === undefined
      ? { client: createCosmosClient({ endpoint: proxy.endpoint, databaseName, allowSelfSignedCertificate: true }), agent: undefined }
      : localClientWithRetries(proxy.endpoint, options.retryOptions);
  const database = await ensureDatabase(client, databaseName);
  proxy.resetStats();
  return {
    server,
    proxy,
    client,
    database,
    close: async () => {
      client.dispose();
      agent?.destroy();
      await proxy.close();
      await server.close();
    },
  };
}

/**
 * createCosmosClient's local branch with the throttling retries changed, which createCosmosClient
 * does not take. The in-process server ignores keys; the SDK only needs one to sign with.
 */
function localClientWithRetries(endpoint: string, retryOptions: RetryOptions): { client: CosmosClient; agent: Agent } {
  const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
  const client = new CosmosClient({
    endpoint,
    key: Buffer.from('argus-local-test-key').toString('base64'),
    agent,
    connectionPolicy: { enableEndpointDiscovery: false, retryOptions },
  });
  return { client, agent };
}
