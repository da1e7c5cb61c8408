import type { Database } from '@azure/cosmos';
import { type IngestionKey } from '../clusters/ingestionKey';
import { type SealedVerifier } from '../secrets/envelope';
import { type ClusterIdentity } from '../kubernetes/auditEvent';
import { type Actor } from './suppressionRuleStore';

/**
 * Clusters registered for the audit webhook, in the `clusters` container: document id = the cluster
 * name (lower case), partition = subscription. A registration holds a keyed verifier of its ingestion key
 * (shared/clusters/ingestionKeyVerifier.ts), never the key; verifiers never leave the app (see
 * `toClusterRegistrationView`). Registrations written before the verifiers hold the key's SHA-256
 * (`keyHash`), still accepted until the next key issue or `argus rotate-secrets-key` converts it.
 */
export interface ClusterRegistration {
  id: string;
  subscriptionId: string;
  clusterName: string;
  /** The canonical AKS or Arc resource id the cluster's events are tagged with. */
  resourceId: string;
  /** The current key's verifier: HMAC of its SHA-256 under a data key wrapped by the key-encryption key. */
  keyVerifier?: SealedVerifier;
  /** SHA-256 hex of the current key: registrations written before the verifiers (read, never written). */
  keyHash?: string;
  /** The first characters of the current key's secret, to tell keys apart. */
  keyId: string;
  keyCreatedAtUtc: string;
  /** The key before the last rotation, accepted until `previousKeyExpiresAtUtc` (absent: rejected at once). */
  previousKeyVerifier?: SealedVerifier;
  /** The same as a plain SHA-256, in registrations written before the verifiers. */
  previousKeyHash?: string;
  previousKeyId?: string;
  previousKeyExpiresAtUtc?: string;
  createdAtUtc: string;
  createdBy: Actor;
  updatedAtUtc: string;
  updatedBy: Actor;
}

/** A registration with the version it was read at (the Cosmos `_etag`), for a write that must not overwrite a concurrent one. */
export interface StoredClusterRegistration {
  registration: ClusterRegistration;
  etag: string;
}

/** What the API shows: no document id, no verifiers or hashes; the previous key only while it still works. */
export type ClusterRegistrationView = Omit<ClusterRegistration, 'id' | 'keyHash' | 'previousKeyHash' | 'keyVerifier' | 'previousKeyVerifier'>;

export interface KeyIssue {
  key: IngestionKey;
  /** The new key's verifier (shared/clusters/ingestionKeyVerifier.ts). */
  keyVerifier: SealedVerifier;
  /** The current registration's key as a verifier (converted from a plain hash if need be): kept for the grace. */
  currentKeyVerifier?: SealedVerifier;
  identity: ClusterIdentity;
  /** How long the key being replaced keeps working; 0 stops it at once. */
  previousKeyValidForMinutes: number;
  by: Actor;
  now: Date;
}

export type ClusterRegistrationSave = { kind: 'saved'; registration: ClusterRegistration } | { kind: 'conflict' };

const CONTAINER = 'clusters';

export async function getClusterRegistration(database: Database, subscriptionId: string, clusterName: string): Promise<StoredClusterRegistration | undefined> {
  const { resource } = await database.container(CONTAINER).item(clusterName, subscriptionId).read<ClusterRegistrationDocument>();
  return resource === undefined ? undefined : { registration: toClusterRegistration(resource), etag: resource._etag ?? '' };
}

/** Every registration of a subscription, by cluster name. */
export async function listClusterRegistrations(database: Database, subscriptionId: string): Promise<ClusterRegistration[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<ClusterRegistrationDocument>(
      {
        query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId',
        parameters: [{ name: '@subscriptionId', value: subscriptionId }],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(toClusterRegistration).sort((a, b) => (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0));
}

/**
 * Creates the registration (`etag` absent) or replaces the one read at `etag`. Two owners issuing a key
 * at the same moment must not both be told their key works: the loser gets `conflict` and tries again.
 */
export async function saveClusterRegistration(database: Database, registration: ClusterRegistration, etag?: string): Promise<ClusterRegistrationSave> {
  const container = database.container(CONTAINER);
  try {
    const { resource } =
      etag === undefined
        ? await container.items.create<ClusterRegistration>(registration)
        : await container.item(registration.id, registration.subscriptionId).replace<ClusterRegistration>(registration, { accessCondition: { type: 'IfMatch', condition: etag } });
    return { kind: 'saved', registration: toClusterRegistration(resource ?? registration) };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 409 || code === 412 || code === 404) return { kind: 'conflict' };
    throw error;
  }
}

/** Deletes a registration, which revokes its keys at once; false when there was none. */
export async function deleteClusterRegistration(database: Database, subscriptionId: string, clusterName: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(clusterName, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/**
 * The registration after issuing `issue.key` (pure): a new registration, or the current one with the
 * new key, where the replaced key stays valid for the grace asked for (0: not at all). Only one previous
 * key is kept: rotating twice within a grace ends the older grace.
 */
export function issueClusterKey(current: ClusterRegistration | undefined, issue: KeyIssue): ClusterRegistration {
  const now = issue.now.toISOString();
  const graceInMs = issue.previousKeyValidForMinutes * 60_000;
  const previous =
    current !== undefined && graceInMs > 0 && issue.currentKeyVerifier !== undefined
      ? { previousKeyVerifier: issue.currentKeyVerifier, previousKeyId: current.keyId, previousKeyExpiresAtUtc: new Date(issue.now.getTime() + graceInMs).toISOString() }
      : {};
  return {
    id: issue.identity.clusterName,
    subscriptionId: issue.identity.subscriptionId,
    clusterName: issue.identity.clusterName,
    resourceId: issue.identity.resourceId,
    keyVerifier: issue.keyVerifier,
    keyId: issue.key.keyId,
    keyCreatedAtUtc: now,
    ...previous,
    createdAtUtc: current?.createdAtUtc ?? now,
    createdBy: current?.createdBy ?? issue.by,
    updatedAtUtc: now,
    updatedBy: issue.by,
  };
}

/** The registration as the API returns it at `now`: without id, verifiers and hashes; the previous key only while unexpired. */
export function toClusterRegistrationView(registration: ClusterRegistration, now: Date): ClusterRegistrationView {
  const {
    id: _id,
    keyHash: _keyHash,
    previousKeyHash: _previousKeyHash,
    keyVerifier: _keyVerifier,
    previousKeyVerifier: _previousKeyVerifier,
    previousKeyId,
    previousKeyExpiresAtUtc,
    ...view
  } = registration;
  const previousValid = previousKeyExpiresAtUtc !== undefined && Date.parse(previousKeyExpiresAtUtc) > now.getTime();
  return previousValid ? { ...view, ...(previousKeyId === undefined ? {} : { previousKeyId }), previousKeyExpiresAtUtc } : view;
}

type ClusterRegistrationDocument = ClusterRegistration & { _etag?: string; _rid?: string; _self?: string; _attachments?: string; _ts?: number };

/** The registration's own fields only: Cosmos system properties never leave the store. */
function toClusterRegistration(document: ClusterRegistrationDocument): ClusterRegistration {
  return {
    id: document.id,
    subscriptionId: document.subscriptionId,
    clusterName: document.clusterName,
    resourceId: document.resourceId,
    ...(document.keyVerifier === undefined ? {} : { keyVerifier: document.keyVerifier }),
    ...(document.keyHash === undefined ? {} : { keyHash: document.keyHash }),
    keyId: document.keyId,
    keyCreatedAtUtc: document.keyCreatedAtUtc,
    ...(document.previousKeyVerifier === undefined ? {} : { previousKeyVerifier: document.previousKeyVerifier }),
    ...(document.previousKeyHash === undefined ? {} : { previousKeyHash: document.previousKeyHash }),
    ...(document.previousKeyId === undefined ? {} : { previousKeyId: document.previousKeyId }),
    ...(document.previousKeyExpiresAtUtc === undefined ? {} : { previousKeyExpiresAtUtc: document.previousKeyExpiresAtUtc }),
    createdAtUtc: document.createdAtUtc,
    createdBy: { principalId: document.createdBy.principalId, principalName: document.createdBy.principalName },
    updatedAtUtc: document.updatedAtUtc,
    updatedBy: { principalId: document.updatedBy.principalId, principalName: document.updatedBy.principalName },
  };
}
