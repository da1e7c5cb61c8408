import { asObject, type JsonObject } from '../kubernetes/jsonValues';
import { SkipReason } from '../kubernetes/skipReason';
import { isFalcoAlertLike, normalizeFalcoAlert } from './falcoAlert';
import { type NodeEvent } from './nodeEvent';
import { normalizeTetragonEvent, tetragonEventTypeOf } from './tetragonEvent';

export type NodeEventNormalization = { ok: true; event: NodeEvent } | { ok: false; reason: SkipReason; detail: string };

/**
 * One raw node event into a NodeEvent: a Cilium Tetragon `GetEventsResponse` (a line of its JSON export) or a
 * Falco alert as falcosidekick posts it. Total: odd input (wrong types, missing fields) is reported, never thrown.
 * Skip reasons: `notANodeEvent` (neither shape), `invalidNodeEvent` (a required field missing or wrong),
 * `unsupportedNodeEventType` (a Tetragon type Argus does not read).
 */
export function normalizeNodeEvent(raw: unknown): NodeEventNormalization {
  const object = asObject(raw);
  if (object === undefined) {
    return { ok: false, reason: SkipReason.notANodeEvent, detail: `a JSON ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}, not an object` };
  }
  let normalized: NodeEventNormalization;
  if (tetragonEventTypeOf(object) !== undefined) normalized = normalizeTetragonEvent(object);
  else if (isFalcoAlertLike(object)) normalized = normalizeFalcoAlert(object);
  else return { ok: false, reason: SkipReason.notANodeEvent, detail: 'neither a Tetragon event nor a Falco alert' };
  if (normalized.ok) {
    const simulation = simulationOf(object);
    if (simulation !== undefined) normalized.event.simulation = simulation;
  }
  return normalized;
}

/** Whether a JSON value looks like a node event (any Tetragon event type, or a Falco alert) rather than an audit event. */
export function isNodeEventLike(raw: unknown): boolean {
  const object = asObject(raw);
  return object !== undefined && (tetragonEventTypeOf(object) !== undefined || isFalcoAlertLike(object));
}

/** The simulation's marks at the top level of the raw event: both strings, or none. */
function simulationOf(raw: JsonObject): NodeEvent['simulation'] {
  const id = raw.argus_simulation_id;
  const signature = raw.argus_simulation_signature;
  return typeof id === 'string' && typeof signature === 'string' ? { id, signature } : undefined;
}
