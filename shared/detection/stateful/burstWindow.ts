import { capKeys, type ClusterDetectionState, DEFAULT_STATE_LIMITS, noteEventTime, type StateLimits, type WindowEntry } from './detectionState';

/**
 * Burst detection: within any span of `windowInMs`, did one key (an identity, a source address) touch at least
 * `distinct` different values (secrets, URIs, workloads), with at least `refused` of the events refused? Judged over
 * the events' times: a qualifying span fires once, at the event that completes it, and a qualifying span that
 * overlaps one that already fired is the same burst (so events arriving late fire nothing more; the completing event
 * observed again, a retried batch, reports it again for the alert layer to count once). Whether
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
  | { kind: 'none' }
  | { kind: 'burst'; completedBy: string; startedAt: number; completedAt: number; values: string[]; refused: number }
  | { kind: 'alreadyFired'; completedBy: string };

export function observeBurst(state: ClusterDetectionState, observation: BurstObservation, threshold: BurstThreshold, limits: StateLimits = DEFAULT_STATE_LIMITS): BurstVerdict {
  noteEventTime(state, observation.entry.at);
  const key = `${observation.rule}\n${observation.key}`;
  const window = (state.windows[key] ??= {});
  window[observation.evidenceId] ??= observation.entry;
  prune(window, threshold.windowInMs + (threshold.latenessInMs ?? DEFAULT_LATENESS_IN_MS), limits.entriesPerWindow);
  capKeys(state.windows, limits.keysPerKind, (entries) => Math.max(...Object.values(entries).map((entry) => entry.at)));

  if (!canQualify(window, threshold)) return { kind: 'none' };
  const entries = Object.entries(window)
    .map(([evidenceId, entry]) => ({ evidenceId, ...entry }))
    .sort((a, b) => a.at - b.at || (a.evidenceId < b.evidenceId ? -1 : a.evidenceId > b.evidenceId ? 1 : 0));
  // Two pointers over the entries in time order: for each start, the first entry that makes the span qualify. That
  // entry never moves back as the start moves on (a span's subset qualifies less), so the scan is linear.
  const counts = new Map<string, number>();
  let refused = 0;
  let end = 0;
  let firedBefore: string | undefined;
  const required = threshold.refused ?? 0;
  const qualifies = (): boolean => counts.size >= threshold.distinct && refused >= required;
  for (let start = 0; start < entries.length; start++) {
    if (start > 0 && start <= end) {
      const leaving = entries[start - 1] as (typeof entries)[number];
      const count = (counts.get(leaving.value) ?? 1) - 1;
      if (count === 0) counts.delete(leaving.value);
      else counts.set(leaving.value, count);
      if (leaving.refused) refused--;
    }
    if (end < start) end = start;
    const from = (entries[start] as (typeof entries)[number]).at;
    while (!qualifies() && end < entries.length && (entries[end] as (typeof entries)[number]).at <= from + threshold.windowInMs) {
      const joining = entries[end] as (typeof entries)[number];
      counts.set(joining.value, (counts.get(joining.value) ?? 0) + 1);
      if (joining.refused) refused++;
      end++;
    }
    if (!qualifies()) continue;
    const entry = entries[end - 1] as (typeof entries)[number];
    const values = [...counts.keys()].sort();
    const spans = (state.burstSpans[key] ??= []);
    const same = spans.find((span) => span.completedBy === observation.evidenceId);
    if (same !== undefined) {
      // The reporting event observed again (a retried batch): the same burst, reported again.
      return { kind: 'burst', completedBy: entry.evidenceId, startedAt: same.from, completedAt: same.to, values, refused };
    }
    if (spans.some((span) => span.from <= entry.at && from <= span.to)) {
      // Part of a burst that fired already: a later span may still be a new one.
      firedBefore = entry.evidenceId;
      continue;
    }
    // The event that reports the burst (the one observed now, which may have arrived after the span's last event).
    spans.push({ from, to: entry.at, completedBy: observation.evidenceId });
    if (spans.length > limits.entriesPerWindow) spans.splice(0, spans.length - limits.entriesPerWindow);
    capKeys(state.burstSpans, limits.keysPerKind, (list) => Math.max(0, ...list.map((span) => span.to)));
    return { kind: 'burst', completedBy: entry.evidenceId, startedAt: from, completedAt: entry.at, values, refused };
  }
  return firedBefore === undefined ? { kind: 'none' } : { kind: 'alreadyFired', completedBy: firedBefore };
}

/**
 * Whether the whole window holds enough distinct values and refusals for any span of it to qualify: one pass without
 * sorting, which settles the usual case (a key's ordinary traffic) before the span scan.
 */
function canQualify(window: Record<string, WindowEntry>, threshold: BurstThreshold): boolean {
  const required = threshold.refused ?? 0;
  let refused = 0;
  const values = new Set<string>();
  for (const evidenceId in window) {
    const entry = window[evidenceId] as WindowEntry;
    values.add(entry.value);
    if (entry.refused) refused++;
  }
  return values.size >= threshold.distinct && refused >= required;
}

/** Whether an entry at `at` would be pruned at once from the key's window (older than its horizon): observing it changes nothing. */
export function isBeyondHorizon(state: ClusterDetectionState, rule: string, key: string, at: number, threshold: BurstThreshold): boolean {
  const window = state.windows[`${rule}\n${key}`];
  if (window === undefined) return false;
  const horizon = threshold.windowInMs + (threshold.latenessInMs ?? DEFAULT_LATENESS_IN_MS);
  let newest = -Infinity;
  for (const evidenceId in window) newest = Math.max(newest, (window[evidenceId] as WindowEntry).at);
  return at < newest - horizon;
}

/** Drops entries too old to join a span with any event still to come (one window and the lateness behind the newest), then caps. */
function prune(window: Record<string, WindowEntry>, horizonInMs: number, limit: number): void {
  const newest = Math.max(...Object.values(window).map((entry) => entry.at));
  for (const [evidenceId, entry] of Object.entries(window)) if (entry.at < newest - horizonInMs) delete window[evidenceId];
  capKeys(window, limit, (entry) => entry.at);
}
