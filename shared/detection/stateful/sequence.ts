import { claimReport, type ClusterDetectionState, DEFAULT_STATE_LIMITS, keyedEntry, latestValueAt, noteEventTime, setProfileValue, type SequenceSteps, stateKeyOf, type StateLimits, type StepEntry } from './detectionState';

/**
 * Sequence detection: a `first` step (a sensitive RBAC change, a token minted, a privileged pod created) followed
 * within `withinInMs` by a `then` step (a workload written, an exec, a call from a new address) of the same key (the
 * same identity, the same pod). The pair is what fires, judged over the events' times: the `then` may arrive before
 * its `first` (another partition) and still completes the pair when the `first` comes. A pair is reported by the event
 * that completes it, whichever arrives second, and again if that event is observed again (a retried batch: the alert
 * layer counts an event once); a second `then` after the same `first` is a new pair.
 */

export const SequenceStep = { first: 'first', then: 'then' } as const;
export type SequenceStep = (typeof SequenceStep)[keyof typeof SequenceStep];

export interface SequenceObservation {
  rule: string;
  key: string;
  step: SequenceStep;
  entry: StepEntry;
}

export type SequenceVerdict = { kind: 'none' } | { kind: 'pairs'; pairs: { first: StepEntry; then: StepEntry }[] };

export function observeSequence(state: ClusterDetectionState, observation: SequenceObservation, withinInMs: number, limits: StateLimits = DEFAULT_STATE_LIMITS): SequenceVerdict {
  noteEventTime(state, observation.entry.at);
  const key = stateKeyOf(observation.rule, observation.key);
  const steps = keyedEntry(state.sequences, key, (): SequenceSteps => ({ first: [], then: [] }), limits.keysPerKind, newestStepAt);
  keepStep(steps[observation.step], observation.entry, limits.stepsPerSequence);

  const candidates =
    observation.step === SequenceStep.first
      ? steps.then.filter((then) => then.at >= observation.entry.at && then.at <= observation.entry.at + withinInMs).map((then) => ({ first: observation.entry, then }))
      : steps.first.filter((first) => observation.entry.at >= first.at && observation.entry.at <= first.at + withinInMs).map((first) => ({ first, then: observation.entry }));
  // Every pair this event completes, also when it is observed again (a retried batch): the alert layer counts an
  // event once. The other step of a pair, observed again after delivery out of order (a replay of the partition that
  // brought it first), completes it too: only the event that reported the pair reports it again.
  const pairs = candidates.filter((pair) => claimReport(state, `${key}\n${pair.first.evidenceId}\n${pair.then.evidenceId}`, observation.entry.evidenceId, observation.entry.at, limits));
  return pairs.length === 0 ? { kind: 'none' } : { kind: 'pairs', pairs };
}

/**
 * A sequence whose then-step counts only when its value (a source address) is new for the key: "a token minted, then
 * used from an address never seen for that identity". Every event of the key that has a value (step or not) teaches
 * the key's profile (value -> earliest time, in `profiles` under `<rule>\n<key>`, bounded like first-seen profiles);
 * a then-step is new when no other evidence of its value is earlier than it, and it is judged only once the key has a
 * history of at least `historyInMs` before it (without one, every address is "new" and the pair says nothing: a new
 * account, or one Argus started watching a moment ago). Judged over the events' times: every observation judges all the
 * key's pairs again, so the pair fires when its last piece arrives, whichever it is (the mint, the use, or the history
 * delivered late by another partition), and that event reports it (again when observed again: a retried batch). One
 * alert per first step (its entry keeps who reported it). Evidence that arrives after the alert cannot take it back:
 * the history required is what absorbs late delivery (a pair is not judged until evidence `historyInMs` older than its
 * then-step has arrived, so the key's events of that span delivered in any order give the same answer); an earlier
 * sighting of the value delivered after that errs towards an alert, as first-seen does. Then-steps whose value was
 * already seen earlier are not kept (they can never be new), so a key's usual traffic changes nothing in the state.
 */
export interface NovelSequenceObservation {
  rule: string;
  key: string;
  /** Undefined: an event of the key that only teaches the profile. */
  step: SequenceStep | undefined;
  /** A first step's `note` is kept with it for the explanation. */
  entry: StepEntry;
  /** The event's value (undefined: none, e.g. a token minted by someone else for the key). */
  value: string | undefined;
}

export interface NovelPair {
  first: StepEntry;
  then: StepEntry & { value: string };
  /** The key's earliest evidence the profile still holds (ms). */
  observedSince: number;
  /** Values seen for the key before the then-step. */
  knownValues: number;
}

export type NovelSequenceVerdict = { kind: 'none' } | { kind: 'novel'; pair: NovelPair; /** Other first steps this event reported with it. */ alsoReported: number };

export interface NovelSequenceOptions {
  withinInMs: number;
  /** How long the key must have been observed before a then-step for its value to be judged (see above). */
  historyInMs: number;
  limits?: StateLimits;
}

export function observeNovelSequence(state: ClusterDetectionState, observation: NovelSequenceObservation, options: NovelSequenceOptions): NovelSequenceVerdict {
  const { withinInMs, historyInMs } = options;
  const limits = options.limits ?? DEFAULT_STATE_LIMITS;
  const { entry, value } = observation;
  noteEventTime(state, entry.at);
  const key = stateKeyOf(observation.rule, observation.key);
  const profile = keyedEntry(state.profiles, key, (): Record<string, number> => ({}), limits.keysPerKind, latestValueAt);
  if (value !== undefined) {
    const earliest = profile[value];
    if (earliest === undefined || entry.at < earliest) {
      setProfileValue(profile, value, entry.at, limits.valuesPerProfile);
    }
  }
  // A then-step is kept only while it is its value's earliest sighting: a known value can never become new again.
  const kept = observation.step === SequenceStep.first || (observation.step === SequenceStep.then && value !== undefined && profile[value] === entry.at);
  // A key's usual traffic (known values, no steps kept) creates no steps entry: most keys never have a first step.
  if (state.sequences[key] === undefined && (observation.step === undefined || !kept)) return { kind: 'none' };
  const steps = keyedEntry(state.sequences, key, (): SequenceSteps => ({ first: [], then: [] }), limits.keysPerKind, newestStepAt);
  if (observation.step !== undefined && kept) {
    keepStep(steps[observation.step], observation.step === SequenceStep.then ? { at: entry.at, evidenceId: entry.evidenceId, value } : entry, limits.stepsPerSequence);
  }
  if (steps.first.length === 0) return { kind: 'none' };

  // The event that reported a first step's alert, observed again (a retried batch): the same alert, reported again.
  const again = steps.first.filter((first) => first.reported?.by === entry.evidenceId);
  const pairs: NovelPair[] = [];
  for (const first of again) {
    const then = first.reported?.then;
    if (then?.value !== undefined) pairs.push(novelPairOf(profile, first, { ...then, value: then.value }));
  }
  // The key's earliest evidence, read only when a first step is still open and a then-step could complete it (a key
  // with a first step sees all its ordinary traffic come here, and a person's profile holds hundreds of addresses).
  const open = steps.then.length === 0 ? [] : steps.first.filter((first) => first.reported === undefined);
  const observedSince = open.length === 0 ? undefined : earliestValueAt(profile);
  for (const first of open) {
    if (observedSince === undefined) continue;
    const then = steps.then.find(
      (step) => step.value !== undefined && step.at >= first.at && step.at <= first.at + withinInMs && !((profile[step.value] ?? step.at) < step.at) && observedSince < step.at && observedSince <= step.at - historyInMs,
    );
    if (then?.value === undefined) continue;
    first.reported = { by: entry.evidenceId, then: { at: then.at, evidenceId: then.evidenceId, value: then.value } };
    pairs.push(novelPairOf(profile, first, { ...then, value: then.value }));
  }
  const [pair, ...others] = pairs;
  return pair === undefined ? { kind: 'none' } : { kind: 'novel', pair, alsoReported: others.length };
}

/** A profile's earliest time; undefined when it holds no value. */
function earliestValueAt(profile: Record<string, number>): number | undefined {
  let earliest: number | undefined;
  for (const value in profile) {
    const at = profile[value] as number;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  return earliest;
}

function novelPairOf(profile: Record<string, number>, first: StepEntry, then: StepEntry & { value: string }): NovelPair {
  const earlier = Object.values(profile).filter((at) => at < then.at);
  return { first, then, observedSince: Math.min(then.at, ...earlier), knownValues: earlier.length };
}

/**
 * Keeps a step in its list, in time order (after those of the same time), unless the list holds its event already; the
 * oldest go beyond `limit`. Events mostly come in time order, so the place is found from the end.
 */
function keepStep(steps: StepEntry[], entry: StepEntry, limit: number): void {
  if (steps.some((step) => step.evidenceId === entry.evidenceId)) return;
  let at = steps.length;
  while (at > 0 && (steps[at - 1] as StepEntry).at > entry.at) at--;
  steps.splice(at, 0, entry);
  if (steps.length > limit) steps.splice(0, steps.length - limit);
}

/** A sequence key's newest step (for dropping the oldest keys). */
function newestStepAt(steps: SequenceSteps): number {
  let newest = 0;
  for (const step of steps.first) newest = Math.max(newest, step.at);
  for (const step of steps.then) newest = Math.max(newest, step.at);
  return newest;
}
