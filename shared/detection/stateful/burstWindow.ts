import { capKeys, type ClusterDetectionState, DEFAULT_STATE_LIMITS, noteEventTime, type StateLimits, type WindowEntry } from './detectionState';

/**
 * Burst detection: within any span of `windowInMs`, did one key (an identity, a source address) touch at least
 * `distinct` different values (secrets, URIs, workloads), with at least `refused` of the events refused? Judged over
 * the events' times: a qualifying span fires once, at the event that completes it, and a qualifying span that
 * overlaps one that already fired is the same burst (so events arriving late, or replayed, fire nothing more). Whether
 * a burst fires does not depend on the order the events arrive in (a property test checks it); which event completes
 * it may (the alert aggregates by key and window either way). Entries are keyed by evidence id (a replay adds nothing)
 * and pruned once older than the window and the allowed lateness behind the newest entry, so an event later than that
 * is not counted.
 */

export interface BurstThreshold {
  windowInMs: number;
  /** Distinct values needed. */
  distinct: number;
  /** Refused events needed among them (0: none). */
  refused?: number;
  /**
   * How late an event may arrive (behind the newest of its key) and still count: the skew between hub partitions and
   * retried batches. Default DEFAULT_LATENESS_IN_MS.
   */
  latenessInMs?: number;
}

/** Partitions of one hub are read minutes apart at most, retried batches a little later. */
export const DEFAULT_LATENESS_IN_MS = 15 * 60_000;

export interface BurstObservation {
  rule: string;
  key: string;
  evidenceId: string;
  entry: WindowEntry;
}

export type BurstVerdict =
  | { kind: 'none'; distinctInWindow: number }
  | { kind: 'burst'; completedBy: string; startedAt: number; completedAt: number; values: string[]; refused: number }
  | { kind: 'alreadyFired'; completedBy: string };

export function observeBurst(state: ClusterDetectionState, observation: BurstObservation, threshold: BurstThreshold, limits: StateLimits = DEFAULT_STATE_LIMITS): BurstVerdict {
  noteEventTime(state, observation.entry.at);
  const key = `${observation.rule}\n${observation.key}`;
  const window = (state.windows[key] ??= {});
  window[observation.evidenceId] ??= observation.entry;
  prune(window, threshold.windowInMs + (threshold.latenessInMs ?? DEFAULT_LATENESS_IN_MS), limits.entriesPerWindow);
  capKeys(state.windows, limits.keysPerKind, (entries) => Math.max(...Object.values(entries).map((entry) => entry.at)));

  const entries = Object.entries(window)
    .map(([evidenceId, entry]) => ({ evidenceId, ...entry }))
    .sort((a, b) => a.at - b.at || (a.evidenceId < b.evidenceId ? -1 : a.evidenceId > b.evidenceId ? 1 : 0));
  let best = 0;
  let firedBefore: string | undefined;
  for (let start = 0; start < entries.length; start++) {
    const from = entries[start]?.at ?? 0;
    const values = new Set<string>();
    let refused = 0;
    for (let index = start; index < entries.length; index++) {
      const entry = entries[index];
      if (entry === undefined || entry.at > from + threshold.windowInMs) break;
      values.add(entry.value);
      if (entry.refused) refused++;
      best = Math.max(best, values.size);
      if (values.size >= threshold.distinct && refused >= (threshold.refused ?? 0)) {
        const spans = (state.burstSpans[key] ??= []);
        if (spans.some((span) => span.from <= entry.at && from <= span.to)) {
          // Part of a burst that fired already: a later span may still be a new one.
          firedBefore = entry.evidenceId;
          break;
        }
        spans.push({ from, to: entry.at });
        if (spans.length > limits.entriesPerWindow) spans.splice(0, spans.length - limits.entriesPerWindow);
        capKeys(state.burstSpans, limits.keysPerKind, (list) => Math.max(0, ...list.map((span) => span.to)));
        return { kind: 'burst', completedBy: entry.evidenceId, startedAt: from, completedAt: entry.at, values: [...values].sort(), refused };
      }
    }
  }
  return firedBefore === undefined ? { kind: 'none', distinctInWindow: best } : { kind: 'alreadyFired', completedBy: firedBefore };
}

/** Drops entries too old to join a span with any event still to come (one window and the lateness behind the newest), then caps. */
function prune(window: Record<string, WindowEntry>, horizonInMs: number, limit: number): void {
  const newest = Math.max(...Object.values(window).map((entry) => entry.at));
  for (const [evidenceId, entry] of Object.entries(window)) if (entry.at < newest - horizonInMs) delete window[evidenceId];
  capKeys(window, limit, (entry) => entry.at);
}
