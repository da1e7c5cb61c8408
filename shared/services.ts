import type { CosmosClient, Database } from '@azure/cosmos';
import { createTokenValidatorFromConfig, type TokenValidator } from './auth/tokenValidator';
import { getConfig, resetConfig, type Config } from './config';
import { createCosmosClient } from './store/createCosmosClient';

/**
 * The clients a function instance shares across invocations, created on first use from the settings.
 * (Creating an SDK client per invocation would exhaust connections and defeat the JWKS cache.)
 */
export interface Services {
  config: Config;
  cosmosClient: CosmosClient;
  database: Database;
  tokenValidator: TokenValidator;
}

let current: Services | undefined;

export function getServices(): Services {
  if (current) return current;
  const config = getConfig();
  const cosmosClient = createCosmosClient(config.cosmos);
  current = {
    config,
    cosmosClient,
    database: cosmosClient.database(config.cosmos.databaseName),
    tokenValidator: createTokenValidatorFromConfig(config.auth),
  };
  return current;
}

/** Disposes the shared clients; the next `getServices()` reads the settings again. */
export function resetServices(): void {
  current?.cosmosClient.dispose();
  current = undefined;
  resetConfig();
}
