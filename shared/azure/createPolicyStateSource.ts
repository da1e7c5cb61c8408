import type { ArmConfig } from '../config';
import { armCredentialOf } from './createClusterSource';
import { AzurePolicyStateSource } from './policyStateSource';
import type { PolicyStateSource } from './policyStateSource';

/**
 * The policy state source of the settings: the same ARM endpoint and credential as the cluster source (the app's
 * managed identity in Azure; a static token to the local runtime's ARM endpoint).
 */
export function createPolicyStateSource(config: ArmConfig): PolicyStateSource {
  return new AzurePolicyStateSource({ credential: armCredentialOf(config), endpoint: config.endpoint });
}
