import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type AuditEvent, type AuditRecord } from '../kubernetes/auditEvent';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { normalizeAuditEvent } from '../kubernetes/normalizeAuditEvent';
import { type DetectionRecord, isNodeRecord } from '../detection/detectionRecord';
import { type NodeEvent, type NodeHookArgument, type NodeRecord } from '../node/nodeEvent';

/**
 * The proof that an event was made by the service's attack simulation: the simulation's id and an HMAC-SHA256
 * over what identifies the event (simulation id, event id, cluster, time) and what it did, with a key only the
 * service holds, so a signed event can neither be moved to another cluster or time nor be given another
 * content. Ingestion refuses the reserved simulated cluster for events whose signature does not verify.
 *
 * One mechanism for both signals: an audit event carries the id and signature as annotations and its content
 * is the verb, request URI, user and request object; a node event (Tetragon, Falco) carries them at the top
 * level (`argus_simulation_id`, `argus_simulation_signature`) and its content is what its process did. Both
 * sides read the content from the normalized event, so they see the same thing. Pure, except for the
 * randomness of a new key.
 */

/** The annotation that names the simulation an audit event belongs to. */
export const SIMULATION_ID_ANNOTATION = 'argus.io/simulation-id';
/** The annotation that carries an audit event's signature (base64url, no padding). */
export const SIMULATION_SIGNATURE_ANNOTATION = 'argus.io/simulation-signature';
/** The top-level field of a raw node event that names its simulation (read by the decoder into `NodeEvent.simulation`). */
export const NODE_SIMULATION_ID_FIELD = 'argus_simulation_id';
/** The top-level field of a raw node event that carries its signature. */
export const NODE_SIMULATION_SIGNATURE_FIELD = 'argus_simulation_signature';

/** Bytes of a signing key (HMAC-SHA256 gains nothing from more). */
export const SIMULATION_KEY_BYTES = 32;

/**
 * Tags the serialization, per signal: a future format gets a new tag and never verifies as this one, and a
 * signature made for one signal never verifies as the other.
 */
const SIGNATURE_VERSIONS = { audit: 'argus-simulation-v2', node: 'argus-simulation-node-v1' } as const;
/** base64url without padding of the 32-byte HMAC-SHA256. */
const signaturePattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * What a simulated audit event did, as normalization keeps it: the verb (lower case), the request URI, the
 * user and the request object (passed through unchanged, so its JSON is the same on both sides).
 */
export interface SimulatedAuditContent {
  signal: 'audit';
  verb: string;
  requestURI: string;
  username: string;
  requestObject?: unknown;
}

/**
 * What a simulated node event did, as normalization keeps it: the type, the node, the process (binary and
 * arguments), its pod and container image, the hook (function and arguments), and the Falco rule and output.
 */
export interface SimulatedNodeContent {
  signal: 'node';
  type: string;
  nodeName: string;
  binary: string;
  arguments: string;
  pod?: { namespace: string; name: string };
  image?: string;
  hook?: { functionName: string; args: readonly NodeHookArgument[] };
  falco?: { rule: string; output: string };
}

export type SimulatedEventContent = SimulatedAuditContent | SimulatedNodeContent;

/**
 * The content of a raw audit event (as the simulation builds it), the way verification will read it: through
 * the same normalization as ingestion (a verb in capitals, a missing user repaired to the unknown identity).
 */
export function simulatedEventContentOf(event: Record<string, unknown>): SimulatedAuditContent {
  const normalized = normalizeAuditEvent(event);
  if (normalized.ok) return simulatedAuditContentOf(normalized.event);
  // Ingestion would skip such an event anyway; its signature then covers what the event says.
  const user = event['user'] as { username?: unknown } | undefined;
  return {
    signal: 'audit',
    verb: typeof event['verb'] === 'string' ? event['verb'] : '',
    requestURI: typeof event['requestURI'] === 'string' ? event['requestURI'] : '',
    username: typeof user?.username === 'string' ? user.username : '',
    requestObject: event['requestObject'],
  };
}

/** The content of a normalized audit event. */
export function simulatedAuditContentOf(event: AuditEvent): SimulatedAuditContent {
  return { signal: 'audit', verb: event.verb, requestURI: event.requestURI, username: event.user.username, requestObject: event.requestObject };
}

/** The content of a normalized node event (the simulation normalizes the raw event it signs, as ingestion will). */
export function simulatedNodeContentOf(event: NodeEvent): SimulatedNodeContent {
  const { process, hook, falco } = event;
  const image = process.pod?.container?.image?.name;
  return {
    signal: 'node',
    type: event.type,
    nodeName: event.nodeName,
    binary: process.binary,
    arguments: process.arguments,
    ...(process.pod === undefined ? {} : { pod: { namespace: process.pod.namespace, name: process.pod.name } }),
    ...(image === undefined ? {} : { image }),
    ...(hook === undefined ? {} : { hook: { functionName: hook.functionName, args: hook.args } }),
    ...(falco === undefined ? {} : { falco: { rule: falco.rule, output: falco.output } }),
  };
}

/** What a signature covers. */
export interface SimulatedEventFields {
  simulationId: string;
  /** The audit id, or the node event's id as the decoder derives it. */
  eventId: string;
  /** The cluster's resource id, any casing and either provider form: it is canonicalized before signing. */
  clusterResourceId: string;
  /** Exactly as the normalized event carries it: the audit `requestReceivedTimestamp`, the node event's `time`. */
  time: string;
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
 * Whether a decoded record of either signal carries a valid signature for its own simulation id, event id,
 * cluster, time and content under the key. False when the simulation id or signature is missing, empty or
 * malformed (a node record without `event.simulation` is not simulated), and for a key too short to have
 * signed anything. Compared in constant time.
 */
export function verifySimulatedRecord(key: Uint8Array, record: DetectionRecord): boolean {
  if (key.length < SIMULATION_KEY_BYTES) return false;
  const claim = isNodeRecord(record) ? nodeClaimOf(record) : auditClaimOf(record);
  if (claim === undefined) return false;
  if (claim.fields.simulationId === '' || !signaturePattern.test(claim.signature)) return false;
  const presented = Buffer.from(claim.signature, 'base64url');
  const expected = mac(key, claim.fields);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** What a record claims: the fields it says were signed, and the signature it presents. */
interface SignatureClaim {
  fields: SimulatedEventFields;
  signature: string;
}

function auditClaimOf({ event, cluster }: AuditRecord): SignatureClaim | undefined {
  const simulationId = event.annotations[SIMULATION_ID_ANNOTATION];
  const signature = event.annotations[SIMULATION_SIGNATURE_ANNOTATION];
  if (typeof simulationId !== 'string' || typeof signature !== 'string') return undefined;
  return {
    signature,
    fields: { simulationId, eventId: event.auditID, clusterResourceId: cluster.resourceId, time: event.requestReceivedTimestamp, content: simulatedAuditContentOf(event) },
  };
}

function nodeClaimOf({ event, cluster }: NodeRecord): SignatureClaim | undefined {
  const { simulation } = event;
  if (simulation === undefined || typeof simulation.id !== 'string' || typeof simulation.signature !== 'string') return undefined;
  return {
    signature: simulation.signature,
    fields: { simulationId: simulation.id, eventId: event.id, clusterResourceId: cluster.resourceId, time: event.time, content: simulatedNodeContentOf(event) },
  };
}

function mac(key: Uint8Array, fields: SimulatedEventFields): Buffer {
  return createHmac('sha256', key).update(signedText(fields), 'utf8').digest();
}

/**
 * The signed text: the signal's version tag, then each field prefixed with its length in UTF-16 code units, so
 * that no value can shift into its neighbour whatever characters it holds. The cluster is its canonical
 * resource id in lower case (Azure compares resource ids without case; AKS writes them upper-case).
 */
function signedText(fields: SimulatedEventFields): string {
  const values = [fields.simulationId, fields.eventId, canonicalClusterId(fields.clusterResourceId), fields.time, contentDigest(fields.content)];
  return [SIGNATURE_VERSIONS[fields.content.signal], ...values.map((value) => `${value.length}:${value}`)].join('\n');
}

/** SHA-256 of the content's JSON (a request object or a hook's arguments can be large; the signed text stays short). */
function contentDigest(content: SimulatedEventContent): string {
  return createHash('sha256').update(contentJson(content)).digest('base64url');
}

/** The content as an array in a fixed order, so the JSON does not depend on how the object was built. */
function contentJson(content: SimulatedEventContent): string {
  if (content.signal === 'audit') {
    const { verb, requestURI, username, requestObject } = content;
    return JSON.stringify([verb.toLowerCase(), requestURI, username, requestObject ?? null]);
  }
  const { type, nodeName, binary, pod, image, hook, falco } = content;
  return JSON.stringify([
    type,
    nodeName,
    binary,
    content.arguments,
    pod?.namespace ?? null,
    pod?.name ?? null,
    image ?? null,
    hook?.functionName ?? null,
    hook?.args ?? null,
    falco?.rule ?? null,
    falco?.output ?? null,
  ]);
}

function canonicalClusterId(resourceId: string): string {
  return (parseClusterResourceId(resourceId)?.resourceId ?? resourceId.trim()).toLowerCase();
}
