/**
 * The memory of the stateful detections for one cluster, as plain JSON (it is stored per cluster and dimension in
 * Cosmos DB and cached per instance): first-seen profiles, burst windows and sequence steps. Every entry is keyed by
 * the event that made it (its evidence id), so observing an event again (a replayed batch, a resend) changes nothing,
 * and the answers depend on the events' times, not on the order they arrive in (AKS spreads one cluster over hub
 * partitions). Bounded: caps per key and per state, oldest first out.
 */

/** Seen values of one subject (an identity, a namespace): value -> the earliest time it was seen (ms). */
export type Profile = Record<string, number>;

/** One observation in a burst window. */
export interface WindowEntry {
  /** Event time (ms since the epoch). */
  at: number;
  /** The value counted distinct (a secret's name, a URI). */
  value: string;
  /** The event refused (HTTP 401/403), for bursts that count refusals. */
  refused: boolean;
}

/** One step of a sequence: when, and the event. */
export interface StepEntry {
  at: number;
  evidenceId: string;
  /** A then-step's value (a source address), for sequences whose then-step must show a value new for the key. */
  value?: string;
  /** A first step in words (`a token for shop/web minted by dana@contoso.com`), for an alert another event reports. */
  note?: string;
  /** A first step whose alert was raised: the event that reported it, and the then-step it paired with (one alert per first step). */
  reported?: { by: string; then: StepEntry };
}

export interface SequenceSteps {
  first: StepEntry[];
  then: StepEntry[];
}

export interface ClusterDetectionState {
  /** The earliest event time seen for the cluster (ms): the learning period starts here. */
  firstEventAt?: number;
  /** Profiles by `<rule or dimension>\n<subject>`. */
  profiles: Record<string, Profile>;
  /** Burst windows by `<rule>\n<key>`: entries by evidence id. */
  windows: Record<string, Record<string, WindowEntry>>;
  /** Sequence steps by `<rule>\n<key>`. */
  sequences: Record<string, SequenceSteps>;
  /**
   * What already fired (`<rule>\n<what>`: a first-seen value, a sequence's pair) -> the event that reported it and its
   * time: only that event reports it again (a retried batch); another event that would complete it after delivery out
   * of order and a replay (the earlier sighting observed again, the other step of the pair) does not.
   */
  fired: Record<string, { by: string; at: number }>;
  /**
   * The spans of the bursts that fired, by `<rule>\n<key>`, with the event that reported each: a burst overlapping one
   * is the same burst; its reporting event observed again (a retried batch) reports it again.
   */
  burstSpans: Record<string, { from: number; to: number; completedBy: string }[]>;
}

/**
 * The key of a rule's (or dimension's) memory of one subject in a kind of memory: `<rule>\n<subject>`. The same string
 * object for the same pair asked in a row (the stateful pass asks for one candidate's key several times): a property
 * lookup with a string built anew must copy, hash and look it up in V8's string table every time.
 */
export function stateKeyOf(rule: string, subject: string): string {
  if (rule !== lastKey.rule || subject !== lastKey.subject) lastKey = { rule, subject, key: `${rule}\n${subject}` };
  return lastKey.key;
}

let lastKey = { rule: '', subject: '', key: '\n' };

/** The caps that keep one cluster's state bounded (a cluster under attack must not grow it without limit). */
export interface StateLimits {
  /** Values kept per profile (the oldest seen are forgotten first: they are the least likely to be new again). */
  valuesPerProfile: number;
  /** Entries kept per window key. */
  entriesPerWindow: number;
  /** Steps kept per sequence key and step. */
  stepsPerSequence: number;
  /** Keys kept per kind of memory (profiles, windows, sequences, fired). */
  keysPerKind: number;
}

export const DEFAULT_STATE_LIMITS: StateLimits = { valuesPerProfile: 512, entriesPerWindow: 256, stepsPerSequence: 32, keysPerKind: 10_000 };

export function emptyDetectionState(): ClusterDetectionState {
  return { profiles: {}, windows: {}, sequences: {}, fired: {}, burstSpans: {} };
}

/** The states of a stream judged in one process, by cluster, then rule. */
export type InMemoryDetectionStates = Map<string, Map<string, ClusterDetectionState>>;

/**
 * The state of every cluster and rule kept in a map (a stream judged in one process: timelines, `argus scan`, the
 * simulation's expected alerts, the benchmarks, tests): the `stateOf` that `applyStatefulRules` asks, each state made
 * empty when first asked for. Nested maps rather than one keyed by `<cluster>\n<rule>`: no key is built per question.
 */
export function inMemoryStateOf(states: InMemoryDetectionStates = new Map()): (cluster: string, rule: string) => ClusterDetectionState {
  return (cluster, rule) => {
    let byRule = states.get(cluster);
    if (byRule === undefined) states.set(cluster, (byRule = new Map<string, ClusterDetectionState>()));
    let state = byRule.get(rule);
    if (state === undefined) byRule.set(rule, (state = emptyDetectionState()));
    return state;
  };
}

/** Records the cluster's earliest event time. */
export function noteEventTime(state: ClusterDetectionState, at: number): void {
  if (state.firstEventAt === undefined || at < state.firstEventAt) state.firstEventAt = at;
}

/**
 * Whether the event `by` reports `what`: it does when nobody has (and is recorded as its reporter) or when it did
 * before (observed again: a retried batch raises what its first attempt raised); any other event does not.
 */
export function claimReport(state: ClusterDetectionState, what: string, by: string, at: number, limits: StateLimits = DEFAULT_STATE_LIMITS): boolean {
  const fired = (state.fired ??= {});
  const reporter = fired[what];
  if (reporter !== undefined) return reporter.by === by;
  keyedEntry(fired, what, () => ({ by, at }), limits.keysPerKind, (entry) => entry.at);
  return true;
}

/**
 * The entry of `key` in one kind of memory, created when missing; only a creation can push the kind over its cap, so
 * only then are the oldest keys dropped (counting a record's keys on every observation would cost more than the rest).
 */
export function keyedEntry<T>(record: Record<string, T>, key: string, create: () => T, limit: number, ageOf: (value: T) => number): T {
  const existing = record[key];
  if (existing !== undefined) return existing;
  const created = create();
  record[key] = created;
  const size = (keyCounts.get(record) ?? Object.keys(record).length - 1) + 1;
  keyCounts.set(record, size);
  if (size > limit) capKeys(record, limit, (value) => (value === created ? Infinity : ageOf(value)));
  return created;
}

/**
 * How many keys the records of the memory hold, counted once per record object and kept up to date by keyedEntry and
 * capKeys (the only ones that add or drop keys of a kind of memory): counting them at every insertion was the stateful
 * pass's largest cost.
 */
const keyCounts = new WeakMap<object, number>();

/** A profile's most recent first sighting (for dropping the oldest profiles). */
export function latestValueAt(profile: Profile): number {
  let latest = 0;
  for (const value in profile) latest = Math.max(latest, profile[value] as number);
  return latest;
}

/**
 * Sets a profile value's earliest time. Only a new value can push the profile over its cap, so only then is the profile
 * counted (once, then kept up to date) and cut: listing a profile's keys at every new value was most of the cost of
 * profiles that take many values (a person's source addresses).
 */
export function setProfileValue(profile: Profile, value: string, at: number, limit: number): void {
  const isNew = profile[value] === undefined;
  profile[value] = at;
  if (!isNew) return;
  const size = (keyCounts.get(profile) ?? Object.keys(profile).length - 1) + 1;
  keyCounts.set(profile, size);
  if (size > limit) capKeys(profile, limit, (time) => time);
}

/** How many values a profile holds (counted once, then kept up to date by setProfileValue). */
export function profileSize(profile: Profile): number {
  const counted = keyCounts.get(profile);
  if (counted !== undefined) return counted;
  const size = Object.keys(profile).length;
  keyCounts.set(profile, size);
  return size;
}

/** Keeps at most `limit` keys of a record, dropping those whose `ageOf` is smallest (oldest) first. */
export function capKeys<T>(record: Record<string, T>, limit: number, ageOf: (value: T) => number): void {
  const keys = Object.keys(record);
  if (keys.length > limit) {
    const oldest = keys.sort((a, b) => ageOf(record[a] as T) - ageOf(record[b] as T)).slice(0, keys.length - limit);
    for (const key of oldest) delete record[key];
  }
  if (keyCounts.has(record)) keyCounts.set(record, Math.min(keys.length, limit));
}
