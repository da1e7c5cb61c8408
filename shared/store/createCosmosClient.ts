import { Agent } from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { CosmosConfig } from '../config';

/**
 * The well-known key of the Cosmos DB emulator. The in-process local server ignores keys, but the SDK
 * needs one to sign requests. Used only in local mode; production authenticates with Entra ID.
 */
export const LOCAL_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export function createCosmosClient(config: CosmosConfig): CosmosClient {
  if (config.allowSelfSignedCertificate) {
    return new CosmosClient({
      endpoint: config.endpoint,
      key: LOCAL_EMULATOR_KEY,
      agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
      connectionPolicy: { enableEndpointDiscovery: false },
    });
  }
  const credential = new DefaultAzureCredential(
    config.managedIdentityClientId === undefined ? {} : { managedIdentityClientId: config.managedIdentityClientId },
  );
  return new CosmosClient({ endpoint: config.endpoint, aadCredentials: credential });
}
