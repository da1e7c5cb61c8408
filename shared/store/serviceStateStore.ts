import type { Database } from '@azure/cosmos';
import { type SealedSecret } from '../secrets/envelope';
import { SecretAccessError, SecretAccessReason, type SecretProtector } from '../secrets/secretProtector';
import { withoutSystemProperties } from './systemProperties';

/**
 * The serviceState container: the service's own documents, no tenant's (partitioned by id). Only the
 * app's identity can read it (Cosmos DB data-plane RBAC, keys disabled), and the simulation signing key is
 * stored sealed under the key-encryption key in Key Vault: an audit source can write to the hub, never read
 * here, and a copy of the database alone does not give the key.
 */

const CONTAINER = 'serviceState';
const SIMULATION_SIGNING_KEY_ID = 'simulationSigningKey';
const PIPELINE_HEALTH_ID = 'pipelineHealth';

/** The associated data the simulation signing key is sealed with: a sealed key copied anywhere else does not open. */
export const SIMULATION_SIGNING_KEY_ASSOCIATED_DATA = `argus/${CONTAINER}/${SIMULATION_SIGNING_KEY_ID}/key`;
/** How the key's document is named in errors and in the rotation's report. */
export const SIMULATION_SIGNING_KEY_DOCUMENT = `${CONTAINER}/${SIMULATION_SIGNING_KEY_ID}`;

export interface SigningKeyDocument {
  id: string;
  /** The key, sealed under the key-encryption key (shared/secrets/envelope.ts). */
  sealedKey?: SealedSecret;
  /** base64 of the key bytes: documents written before secrets were encrypted (the rotation command seals them). */
  key?: string;
  createdAtUtc: string;
}

/**
 * The key the simulation signs its events with, created on first use and stored sealed. Two instances racing to
 * create it agree: the second create fails with 409 and reads the first one's key. A document from before secrets
 * were encrypted is still read (plaintext); `argus rotate-secrets-key` seals it.
 */
export async function getOrCreateSimulationSigningKey(database: Database, protector: SecretProtector, generate: () => Uint8Array, now: Date): Promise<Uint8Array> {
  const container = database.container(CONTAINER);
  const { resource } = await container.item(SIMULATION_SIGNING_KEY_ID, SIMULATION_SIGNING_KEY_ID).read<SigningKeyDocument>();
  if (resource !== undefined) return signingKeyOf(resource, protector);
  const key = generate();
  const created: SigningKeyDocument = {
    id: SIMULATION_SIGNING_KEY_ID,
    sealedKey: await protector.seal(key, SIMULATION_SIGNING_KEY_ASSOCIATED_DATA),
    createdAtUtc: now.toISOString(),
  };
  try {
    await container.items.create(created);
    return key;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 409) throw error;
    const { resource: winner } = await container.item(SIMULATION_SIGNING_KEY_ID, SIMULATION_SIGNING_KEY_ID).read<SigningKeyDocument>();
    if (winner === undefined) throw error;
    return signingKeyOf(winner, protector);
  }
}

async function signingKeyOf(document: SigningKeyDocument, protector: SecretProtector): Promise<Uint8Array> {
  if (document.sealedKey !== undefined) return protector.open(document.sealedKey, SIMULATION_SIGNING_KEY_ASSOCIATED_DATA, SIMULATION_SIGNING_KEY_DOCUMENT);
  if (document.key !== undefined) return Buffer.from(document.key, 'base64');
  throw new SecretAccessError(SIMULATION_SIGNING_KEY_DOCUMENT, SecretAccessReason.malformed, 'the document holds no key');
}

/** What the last round of scheduled simulations found, without naming any tenant (the anonymous health reads it). */
export interface PipelineHealthSummary {
  id: typeof PIPELINE_HEALTH_ID;
  checkedAtUtc: string;
  /** Scheduled simulations judged in the round. */
  simulationsChecked: number;
  /** Of those, how many missed expected alerts. */
  simulationsFailed: number;
}

export async function getPipelineHealthSummary(database: Database): Promise<PipelineHealthSummary | undefined> {
  const { resource } = await database.container(CONTAINER).item(PIPELINE_HEALTH_ID, PIPELINE_HEALTH_ID).read<PipelineHealthSummary>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

export async function savePipelineHealthSummary(database: Database, summary: Omit<PipelineHealthSummary, 'id'>): Promise<void> {
  await database.container(CONTAINER).items.upsert<PipelineHealthSummary>({ id: PIPELINE_HEALTH_ID, ...summary });
}
