import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type AuditRecord } from '../kubernetes/auditEvent';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { normalizeAuditEvent } from '../kubernetes/normalizeAuditEvent';

/**
 * The proof that an audit event was made by the service's attack simulation: two annotations on the event,
 * the simulation's id and an HMAC-SHA256 over what identifies the event (simulation id, audit id, cluster,
 * request time) and what it did (verb, request URI, user, request object) with a key only the service
 * holds, so a signed event can neither be moved to another cluster or time nor be given another content. Ingestion refuses the reserved simulated cluster for
 * events whose signature does not verify. Pure, except for the randomness of a new key.
 */

/** The annotation that names the simulation an event belongs to. */
export const SIMULATION_ID_ANNOTATION = 'argus.io/simulation-id';
/** The annotation that carries the event's signature (base64url, no padding). */
export const SIMULATION_SIGNATURE_ANNOTATION = 'argus.io/simulation-signature';

/** Bytes of a signing key (HMAC-SHA256 gains nothing from more). */
export const SIMULATION_KEY_BYTES = 32;

/** Tags the serialization: a future format gets a new one and never verifies as this one. */
const SIGNATURE_VERSION = 'argus-simulation-v2';
/** base64url without padding of the 32-byte HMAC-SHA256. */
const signaturePattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * What a simulated event did, as normalization keeps it: the verb (lower case), the request URI, the user
 * and the request object (passed through unchanged, so its JSON is the same on both sides).
 */
export interface SimulatedEventContent {
  verb: string;
  requestURI: string;
  username: string;
  requestObject?: unknown;
}

/**
 * The content of a raw audit event (as the simulation builds it), the way verification will read it: through
 * the same normalization as ingestion (a verb in capitals, a missing user repaired to the unknown identity).
 */
export function simulatedEventContentOf(event: Record<string, unknown>): SimulatedEventContent {
  const normalized = normalizeAuditEvent(event);
  if (normalized.ok) {
    const { verb, requestURI, user, requestObject } = normalized.event;
    return { verb, requestURI, username: user.username, requestObject };
  }
  // Ingestion would skip such an event anyway; its signature then covers what the event says.
  const user = event['user'] as { username?: unknown } | undefined;
  return {
    verb: typeof event['verb'] === 'string' ? event['verb'] : '',
    requestURI: typeof event['requestURI'] === 'string' ? event['requestURI'] : '',
    username: typeof user?.username === 'string' ? user.username : '',
    requestObject: event['requestObject'],
  };
}

/** What a signature covers. */
export interface SimulatedEventFields {
  simulationId: string;
  auditID: string;
  /** The cluster's resource id, any casing and either provider form: it is canonicalized before signing. */
  clusterResourceId: string;
  /** Exactly as the event carries it (and as normalization keeps it). */
  requestReceivedTimestamp: string;
  content: SimulatedEventContent;
}

/** A new random signing key. */
export function generateSimulationSigningKey(): Uint8Array {
  return new Uint8Array(randomBytes(SIMULATION_KEY_BYTES));
}

/** The signature of one simulated event (43 base64url characters). Throws on a key shorter than 32 bytes. */
export function signSimulatedEvent(key: Uint8Array, fields: SimulatedEventFields): string {
  if (key.length < SIMULATION_KEY_BYTES) {
    throw new RangeError(`signSimulatedEvent: the signing key must have at least ${SIMULATION_KEY_BYTES} bytes.`);
  }
  return mac(key, fields).toString('base64url');
}

/**
 * Whether a decoded record carries a valid signature for its own simulation id, audit id, cluster and request
 * time under the key. False when an annotation is missing, empty or malformed, and for a key too short to
 * have signed anything. Compared in constant time.
 */
export function verifySimulatedRecord(key: Uint8Array, record: AuditRecord): boolean {
  if (key.length < SIMULATION_KEY_BYTES) return false;
  const { event, cluster } = record;
  const simulationId = event.annotations[SIMULATION_ID_ANNOTATION];
  const signature = event.annotations[SIMULATION_SIGNATURE_ANNOTATION];
  if (typeof simulationId !== 'string' || simulationId === '') return false;
  if (typeof signature !== 'string' || !signaturePattern.test(signature)) return false;
  const presented = Buffer.from(signature, 'base64url');
  const expected = mac(key, {
    simulationId,
    auditID: event.auditID,
    clusterResourceId: cluster.resourceId,
    requestReceivedTimestamp: event.requestReceivedTimestamp,
    content: { verb: event.verb, requestURI: event.requestURI, username: event.user.username, requestObject: event.requestObject },
  });
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function mac(key: Uint8Array, fields: SimulatedEventFields): Buffer {
  return createHmac('sha256', key).update(signedText(fields), 'utf8').digest();
}

/**
 * The signed text: the version, then each field prefixed with its length in UTF-16 code units, so that no
 * value can shift into its neighbour whatever characters it holds. The cluster is its canonical resource
 * id in lower case (Azure compares resource ids without case; AKS writes them upper-case).
 */
function signedText(fields: SimulatedEventFields): string {
  const values = [fields.simulationId, fields.auditID, canonicalClusterId(fields.clusterResourceId), fields.requestReceivedTimestamp, contentDigest(fields.content)];
  return [SIGNATURE_VERSION, ...values.map((value) => `${value.length}:${value}`)].join('\n');
}

/** SHA-256 of the content's JSON (the request object can be large; the signed text stays short). */
function contentDigest(content: SimulatedEventContent): string {
  const { verb, requestURI, username, requestObject } = content;
  return createHash('sha256')
    .update(JSON.stringify([verb.toLowerCase(), requestURI, username, requestObject ?? null]))
    .digest('base64url');
}

function canonicalClusterId(resourceId: string): string {
  return (parseClusterResourceId(resourceId)?.resourceId ?? resourceId.trim()).toLowerCase();
}
