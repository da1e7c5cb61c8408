import type { Database } from '@azure/cosmos';
import { withoutSystemProperties } from './systemProperties';

/**
 * The serviceState container: the service's own documents, no tenant's (partitioned by id). Only the
 * app's identity can read it (Cosmos DB data-plane RBAC, keys disabled), which is what makes the
 * simulation signing key a secret of the service: an audit source can write to the hub, never read here.
 */

const CONTAINER = 'serviceState';
const SIMULATION_SIGNING_KEY_ID = 'simulationSigningKey';
const PIPELINE_HEALTH_ID = 'pipelineHealth';

interface SigningKeyDocument {
  id: string;
  /** base64 of the key bytes. */
  key: string;
  createdAtUtc: string;
}

/**
 * The key the simulation signs its events with, created on first use. Two instances racing to create it
 * agree: the second create fails with 409 and reads the first one's key.
 */
export async function getOrCreateSimulationSigningKey(database: Database, generate: () => Uint8Array, now: Date): Promise<Uint8Array> {
  const container = database.container(CONTAINER);
  const { resource } = await container.item(SIMULATION_SIGNING_KEY_ID, SIMULATION_SIGNING_KEY_ID).read<SigningKeyDocument>();
  if (resource !== undefined) return Buffer.from(resource.key, 'base64');
  const created: SigningKeyDocument = { id: SIMULATION_SIGNING_KEY_ID, key: Buffer.from(generate()).toString('base64'), createdAtUtc: now.toISOString() };
  try {
    await container.items.create(created);
    return Buffer.from(created.key, 'base64');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 409) throw error;
    const { resource: winner } = await container.item(SIMULATION_SIGNING_KEY_ID, SIMULATION_SIGNING_KEY_ID).read<SigningKeyDocument>();
    if (winner === undefined) throw error;
    return Buffer.from(winner.key, 'base64');
  }
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
