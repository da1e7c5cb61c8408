import { capKeys, type ClusterDetectionState, keyedEntry, DEFAULT_STATE_LIMITS, noteEventTime, stateKeyOf, type StateLimits, type WindowEntry } from './detectionState';

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
  const key = stateKeyOf(observation.rule, observation.key);
  const window = keyedEntry<Record<string, WindowEntry>>(state.windows, key, () => ({}), limits.keysPerKind, (entries) => summaryOf(entries).newest);
  const summary = summaryOf(window);
  const horizonInMs = threshold.windowInMs + (threshold.latenessInMs ?? DEFAULT_LATENESS_IN_MS);
  if (window[observation.evidenceId] === undefined) {
    // Too late to join a span with anything still to come: kept out, as pruning would drop it at once.
    if (observation.entry.at < summary.newest - horizonInMs) return { kind: 'none' };
    window[observation.evidenceId] = observation.entry;
    addToSummary(summary, observation.entry);
    prune(window, summary, horizonInMs, limits.entriesPerWindow);
  }

  // The usual case (a key's ordinary traffic) is settled by the counts, without sorting the window.
  if (summary.values.size < threshold.distinct || summary.refused < (threshold.refused ?? 0)) return { kind: 'none' };
  const oldestLive = summary.newest - horizonInMs;
  const entries = Object.entries(window)
    .filter(([, entry]) => entry.at >= oldestLive)
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

/** Whether an entry at `at` would be kept out of the key's window (older than its horizon): observing it changes nothing. */
export function isBeyondHorizon(state: ClusterDetectionState, rule: string, key: string, at: number, threshold: BurstThreshold): boolean {
  const window = state.windows[stateKeyOf(rule, key)];
  if (window === undefined) return false;
  return at < summaryOf(window).newest - (threshold.windowInMs + (threshold.latenessInMs ?? DEFAULT_LATENESS_IN_MS));
}

/**
 * What the burst judgement needs of a window without reading its entries: the newest and oldest times, the refusals and
 * the count of each value. Derived from the window (a JSON record, as stored) once per window object and this process,
 * then kept up to date by observeBurst and prune, the only code that changes a window: reading every entry at every
 * observation was the stateful pass's largest cost. The counts may include entries beyond the horizon that are not
 * pruned yet (see prune): they only send a window to the exact scan, which leaves them out.
 */
interface WindowSummary {
  newest: number;
  oldest: number;
  size: number;
  refused: number;
  values: Map<string, number>;
}

const summaries = new WeakMap<Record<string, WindowEntry>, WindowSummary>();

function summaryOf(window: Record<string, WindowEntry>): WindowSummary {
  let summary = summaries.get(window);
  if (summary === undefined) {
    summary = { newest: -Infinity, oldest: Infinity, size: 0, refused: 0, values: new Map() };
    for (const evidenceId in window) addToSummary(summary, window[evidenceId] as WindowEntry);
    summaries.set(window, summary);
  }
  return summary;
}

function addToSummary(summary: WindowSummary, entry: WindowEntry): void {
  summary.newest = Math.max(summary.newest, entry.at);
  summary.oldest = Math.min(summary.oldest, entry.at);
  summary.size++;
  if (entry.refused) summary.refused++;
  summary.values.set(entry.value, (summary.values.get(entry.value) ?? 0) + 1);
}

/**
 * Drops the entries beyond the horizon (one window and the lateness behind the newest: too old to join a span with any
 * event still to come), then caps the window (its oldest first). Done when the oldest entry is a quarter of the horizon beyond it, or the
 * window is over its cap, so that a steady key does not scan its window at every event; entries in that slack are not
 * counted by the exact scan.
 */
function prune(window: Record<string, WindowEntry>, summary: WindowSummary, horizonInMs: number, limit: number): void {
  const oldestLive = summary.newest - horizonInMs;
  if (summary.oldest >= oldestLive - horizonInMs / 4 && summary.size <= limit) return;
  let kept = 0;
  for (const evidenceId in window) {
    if ((window[evidenceId] as WindowEntry).at < oldestLive) delete window[evidenceId];
    else kept++;
  }
  // Over the cap, down to 7/8 of it: a busy key then pays for a cut once in limit/8 events, not at every one.
  if (kept > limit) capKeys(window, Math.floor((limit * 7) / 8), (entry) => entry.at);
  summaries.delete(window);
  summaryOf(window);
}
