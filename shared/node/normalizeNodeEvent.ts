import { type SkipReason } from '../kubernetes/skipReason';
import { type NodeEvent } from './nodeEvent';

export type NodeEventNormalization = { ok: true; event: NodeEvent } | { ok: false; reason: SkipReason; detail: string };

/** PLACEHOLDER (being written): one raw Tetragon `GetEventsResponse` or falcosidekick alert into a NodeEvent. */
export function normalizeNodeEvent(raw: unknown): NodeEventNormalization {
  void raw;
  return { ok: false, reason: 'invalidJson', detail: 'not implemented yet' };
}

/** PLACEHOLDER: whether a JSON value looks like a node event (Tetragon or Falco) rather than an audit event. */
export function isNodeEventLike(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  return ['process_exec', 'process_exit', 'process_kprobe', 'process_tracepoint', 'process_lsm', 'process_connect', 'process_close', 'process_listen', 'output_fields'].some(
    (key) => key in raw,
  );
}
