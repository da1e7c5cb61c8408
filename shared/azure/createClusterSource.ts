import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { ArmConfig } from '../config';
import { AzureClusterSource } from './azureClusterSource';
import type { ClusterSource } from './clusterSource';

/** What the local runtime's ARM endpoint is given as a token: it checks none, the SDK clients still send one. */
export const LOCAL_ARM_TOKEN = 'argus-local-arm-token';

/**
 * The cluster source of the settings: production reads ARM with the app's managed identity
 * (`DefaultAzureCredential`: the system-assigned identity in Azure, the developer's login elsewhere); local mode sends a static token to the local
 * runtime's ARM endpoint.
 */
export function createClusterSource(config: ArmConfig): ClusterSource {
  return new AzureClusterSource({ credential: armCredentialOf(config), endpoint: config.endpoint });
}

export function armCredentialOf(config: ArmConfig): TokenCredential {
  if (config.useStaticToken) return staticTokenCredential(LOCAL_ARM_TOKEN);
  return new DefaultAzureCredential();
}

/** A credential that always gives the same token, valid for an hour from each call. */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
