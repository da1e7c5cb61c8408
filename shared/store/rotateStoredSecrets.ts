import type { Container, Database } from '@azure/cosmos';
import { clusterRegistrationDocument, createIngestionKeyVerifier } from '../clusters/ingestionKeyVerifier';
import { webhookSecretAssociatedData, webhookSecretDocument } from '../export/webhookSecrets';
import { type ExportSettings, ExportTargetKind } from '../export/exportTargets';
import { isSealedSecret, isSealedVerifier, type SealedSecret, type SealedVerifier } from '../secrets/envelope';
import { SecretAccessError, SecretAccessReason, type SecretProtector } from '../secrets/secretProtector';
import { type ClusterRegistration } from './clusterStore';
import { SIMULATION_SIGNING_KEY_ASSOCIATED_DATA, SIMULATION_SIGNING_KEY_DOCUMENT, type SigningKeyDocument } from './serviceStateStore';
import { etagOf, withoutSystemProperties } from './systemProperties';

/**
 * The rotation of the key-encryption key (`argus rotate-secrets-key`): every stored data key is re-wrapped with the
 * key's newest version, document by document. Only wrapped keys change: no ciphertext is re-encrypted and no plaintext
 * is ever written. Values still in plaintext from before secrets were encrypted are sealed on the way (webhook
 * secrets, the simulation signing key; ingestion-key hashes become keyed verifiers).
 *
 * Idempotent and resumable: what already names the newest version is left alone, each document is written on its own
 * with its `_etag` (a document changed meanwhile is counted, not overwritten: run again), and a document that cannot be
 * read is reported by name while the others go on. Once a run reports nothing left on an older version and no
 * failure, the older versions can be disabled or removed.
 */

export interface SecretRotationFailure {
  /** The document and field, e.g. `clusters/<subscription>/<cluster>`. */
  document: string;
  reason: string;
  message: string;
}

export interface SecretRotationReport {
  /** The version every data key is wrapped with after the run. */
  keyId: string;
  /** Documents read (export settings, cluster registrations, the signing key's). */
  documents: number;
  /** Documents written. */
  documentsUpdated: number;
  /** Data keys re-wrapped with the newest version. */
  rewrapped: number;
  /** Plaintext values sealed (documents from before secrets were encrypted). */
  migrated: number;
  /** Data keys already wrapped with the newest version. */
  alreadyCurrent: number;
  /** Documents that changed while they were rotated: left as they are (a later write or run wraps them). */
  changedConcurrently: number;
  failed: SecretRotationFailure[];
}

interface RotationContext {
  protector: SecretProtector;
  keyId: string;
  report: SecretRotationReport;
}

/** Rotates every stored secret to the newest version of the protector's key-encryption key. */
export async function rotateStoredSecrets(database: Database, protector: SecretProtector): Promise<SecretRotationReport> {
  const keyId = await protector.currentKeyId();
  const report: SecretRotationReport = { keyId, documents: 0, documentsUpdated: 0, rewrapped: 0, migrated: 0, alreadyCurrent: 0, changedConcurrently: 0, failed: [] };
  const context: RotationContext = { protector, keyId, report };
  await rotateContainer(database.container('exportSettings'), context, (document) => rotateExportSettings(document as unknown as ExportSettings, context), (d) => String(d['subscriptionId']));
  await rotateContainer(database.container('clusters'), context, (document) => rotateClusterRegistration(document as unknown as ClusterRegistration, context), (d) => String(d['subscriptionId']));
  await rotateContainer(
    database.container('serviceState'),
    context,
    (document) => (document['id'] === 'simulationSigningKey' ? rotateSigningKey(document as unknown as SigningKeyDocument, context) : Promise.resolve(undefined)),
    (d) => String(d['id']),
  );
  return report;
}

type Document = Record<string, unknown>;

/** Reads the container a page at a time; writes each changed document back at the version it was read. */
async function rotateContainer(
  container: Container,
  context: RotationContext,
  rotate: (document: Document) => Promise<Document | undefined>,
  partitionKeyOf: (document: Document) => string,
): Promise<void> {
  const pages = container.items.query<Document>('SELECT * FROM c', { maxItemCount: 100 }).getAsyncIterator();
  for await (const page of pages) {
    for (const stored of page.resources) {
      context.report.documents++;
      let rotated: Document | undefined;
      try {
        rotated = await rotate(withoutSystemProperties(stored));
      } catch (error) {
        // A transient key vault fault stops the run (run again later); a document that cannot be read is reported.
        if (!(error instanceof SecretAccessError)) throw error;
        context.report.failed.push({ document: error.document, reason: error.reason, message: error.message });
        continue;
      }
      if (rotated === undefined) continue;
      try {
        await container.item(String(stored['id']), partitionKeyOf(stored)).replace(rotated, { accessCondition: { type: 'IfMatch', condition: etagOf(stored) } });
        context.report.documentsUpdated++;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 412 && code !== 404) throw error;
        context.report.changedConcurrently++;
      }
    }
  }
}

/** A sealed value re-wrapped to the newest version (counted), or itself when it is there already. */
async function rewrap<T extends SealedSecret | SealedVerifier>(sealed: T, document: string, context: RotationContext): Promise<T> {
  if (sealed.kid === context.keyId) {
    context.report.alreadyCurrent++;
    return sealed;
  }
  const rotated = await context.protector.rewrap(sealed, context.keyId, document);
  context.report.rewrapped++;
  return rotated;
}

async function rotateExportSettings(settings: ExportSettings, context: RotationContext): Promise<Document | undefined> {
  let changed = false;
  const targets = [];
  for (const target of settings.targets ?? []) {
    if (target.kind !== ExportTargetKind.webhook) {
      targets.push(target);
      continue;
    }
    const document = webhookSecretDocument(settings.subscriptionId, target.name);
    let secret: SealedSecret;
    if (typeof target.secret === 'string') {
      secret = await context.protector.seal(target.secret, webhookSecretAssociatedData(settings.subscriptionId, target.name));
      context.report.migrated++;
    } else if (isSealedSecret(target.secret)) {
      secret = await rewrap(target.secret, document, context);
    } else {
      throw new SecretAccessError(document, SecretAccessReason.malformed, 'the stored secret is neither plaintext nor a sealed secret of version 1');
    }
    changed ||= secret !== target.secret;
    targets.push({ ...target, secret });
  }
  return changed ? ({ ...settings, targets }) : undefined;
}

async function rotateClusterRegistration(registration: ClusterRegistration, context: RotationContext): Promise<Document | undefined> {
  const document = clusterRegistrationDocument(registration.subscriptionId, registration.clusterName);
  const next: ClusterRegistration = { ...registration };
  const verifierOf = async (verifier: unknown, legacyHash: string | undefined): Promise<SealedVerifier | undefined> => {
    if (verifier !== undefined) {
      if (!isSealedVerifier(verifier)) throw new SecretAccessError(document, SecretAccessReason.malformed, 'the stored verifier is not a sealed verifier of version 1');
      return rewrap(verifier, document, context);
    }
    if (legacyHash === undefined) return undefined;
    context.report.migrated++;
    return createIngestionKeyVerifier(context.protector, registration.subscriptionId, registration.clusterName, legacyHash);
  };
  const keyVerifier = await verifierOf(registration.keyVerifier, registration.keyHash);
  const previousKeyVerifier = await verifierOf(registration.previousKeyVerifier, registration.previousKeyHash);
  delete next.keyHash;
  delete next.previousKeyHash;
  delete next.keyVerifier;
  delete next.previousKeyVerifier;
  if (keyVerifier !== undefined) next.keyVerifier = keyVerifier;
  if (previousKeyVerifier !== undefined) next.previousKeyVerifier = previousKeyVerifier;
  const changed =
    keyVerifier !== registration.keyVerifier || previousKeyVerifier !== registration.previousKeyVerifier || registration.keyHash !== undefined || registration.previousKeyHash !== undefined;
  return changed ? (next as unknown as Document) : undefined;
}

async function rotateSigningKey(stored: SigningKeyDocument, context: RotationContext): Promise<Document | undefined> {
  if (stored.sealedKey !== undefined) {
    if (!isSealedSecret(stored.sealedKey)) throw new SecretAccessError(SIMULATION_SIGNING_KEY_DOCUMENT, SecretAccessReason.malformed, 'the stored key is not a sealed secret of version 1');
    const sealedKey = await rewrap(stored.sealedKey, SIMULATION_SIGNING_KEY_DOCUMENT, context);
    return sealedKey === stored.sealedKey ? undefined : ({ ...stored, sealedKey });
  }
  if (stored.key === undefined) return undefined;
  const { key, ...rest } = stored;
  const sealedKey = await context.protector.seal(Buffer.from(key, 'base64'), SIMULATION_SIGNING_KEY_ASSOCIATED_DATA);
  context.report.migrated++;
  return { ...rest, sealedKey };
}
