import { type RuleFailure } from '../evaluateRules';
import { type Finding } from '../finding';
import { isBeyondHorizon, observeBurst } from './burstWindow';
import { type ClusterDetectionState, stateKeyOf } from './detectionState';
import { observeFirstSeen } from './firstSeen';
import { observeNovelSequence, observeSequence, SequenceStep } from './sequence';
import { type StatefulCandidate } from './statefulCandidate';

/**
 * The stateful rules' second pass: each candidate (an event a stateful rule watches) is observed in its cluster's
 * state for that rule, and becomes a finding when the state says so: a value never seen after the learning period, the
 * event that completes a burst, a step that completes a sequence. The finding says why in plain terms (its details:
 * what was never seen before and since when Argus has watched, the burst's values and span, the sequence's two
 * steps). Pure: the caller loads the states and stores those this pass changed. Candidates are taken in event time
 * order, so a batch gives the same answers whatever order its events came in.
 */

export interface ApplyStatefulRulesOptions {
  /** The state of one rule in one cluster (created empty by the caller when there is none; mutated here). */
  stateOf: (clusterResourceId: string, ruleId: string) => ClusterDetectionState;
  /** When the cluster's learning started (ms): the plan's switch-on in the pipeline; default its earliest event seen. */
  learningStartOf?: (clusterResourceId: string) => number | undefined;
  learningPeriodInMs: number;
}

export interface StatefulPassResult {
  findings: Finding[];
  /** Rules whose entities or details threw when a watched event became a finding (isolated, as the engine does). */
  failures: RuleFailure[];
  /** `<cluster>\n<rule>` of every state the pass changed (to be written). */
  changed: Set<string>;
  /** Candidates observed while their cluster was learning (first-seen rules stay silent then). */
  learning: number;
}

export function applyStatefulRules(candidates: readonly StatefulCandidate[], options: ApplyStatefulRulesOptions): StatefulPassResult {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const changed = new Set<string>();
  let learning = 0;
  const ordered = [...candidates].sort((a, b) => a.at - b.at || (a.evidenceId < b.evidenceId ? -1 : a.evidenceId > b.evidenceId ? 1 : 0));
  const stateFor = statesOfPass(options.stateOf);
  for (const candidate of ordered) {
    const cluster = candidate.record.cluster.resourceId;
    const ruleId = candidate.rule.id;
    const { state, changedKey } = stateFor(cluster, ruleId);
    // Only an observation the state does not hold yet changes it (a repeat can at most prune, which need not be stored).
    if (!isRecorded(candidate, state)) changed.add(changedKey);
    try {
      const found = observe(candidate, state, options, cluster);
      if (found === 'learning') learning++;
      else if (found !== undefined) findings.push(found);
    } catch (error) {
      failures.push({ ruleId, auditId: candidate.evidenceId, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { findings, failures, changed, learning };
}

interface PassState {
  state: ClusterDetectionState;
  /** `<cluster>\n<rule>`, as `changed` lists it. */
  changedKey: string;
}

/** The states of the pass, asked of the caller once per cluster and rule (most batches are a few clusters' events). */
function statesOfPass(stateOf: ApplyStatefulRulesOptions['stateOf']): (cluster: string, ruleId: string) => PassState {
  const byCluster = new Map<string, Map<string, PassState>>();
  return (cluster, ruleId) => {
    let byRule = byCluster.get(cluster);
    if (byRule === undefined) byCluster.set(cluster, (byRule = new Map<string, PassState>()));
    let entry = byRule.get(ruleId);
    if (entry === undefined) byRule.set(ruleId, (entry = { state: stateOf(cluster, ruleId), changedKey: `${cluster}\n${ruleId}` }));
    return entry;
  };
}

function observe(candidate: StatefulCandidate, state: ClusterDetectionState, options: ApplyStatefulRulesOptions, cluster: string): Finding | 'learning' | undefined {
  const { observation } = candidate;
  const ruleId = candidate.rule.id;
  const finding = candidate.finding;
  switch (observation.kind) {
    case 'firstSeen': {
      const learningStart = options.learningStartOf?.(cluster);
      if (learningStart !== undefined && (state.firstEventAt === undefined || learningStart < state.firstEventAt)) state.firstEventAt = learningStart;
      const newValues: string[] = [];
      let knownValues = 0;
      let learning = false;
      for (const value of observation.values) {
        const verdict = observeFirstSeen(state, { profile: ruleId, subject: observation.subject, value, at: candidate.at, evidenceId: candidate.evidenceId }, { learningPeriodInMs: options.learningPeriodInMs });
        if (verdict.kind === 'learning') learning = true;
        else if (verdict.kind === 'new') {
          newValues.push(value);
          knownValues = verdict.knownValues;
        }
      }
      if (newValues.length === 0) return learning ? 'learning' : undefined;
      const shown = newValues.join(', ');
      const what = newValues.length === 1 ? `this ${observation.valueName} (${shown})` : `these ${observation.valueName}s (${shown})`;
      return withDetails(finding, {
        statefulKind: 'firstSeen',
        firstSeenValue: shown,
        firstSeenSubject: observation.subject,
        explanation: `${observation.subject} never showed ${what} since Argus started watching the cluster on ${isoOf(state.firstEventAt)}; ${knownValues} other value(s) were known.`,
        watchedSinceUtc: isoOf(state.firstEventAt),
        knownValues: String(knownValues),
      });
    }
    case 'burst': {
      const verdict = observeBurst(
        state,
        { rule: ruleId, key: observation.key, evidenceId: candidate.evidenceId, entry: { at: candidate.at, value: observation.value, refused: observation.refused } },
        { windowInMs: observation.windowInMs, distinct: observation.distinct, refused: observation.refusedCount },
      );
      if (verdict.kind !== 'burst') return undefined;
      const minutes = Math.round(observation.windowInMs / 60_000);
      return withDetails(finding, {
        statefulKind: 'burst',
        burstKey: observation.key,
        burstValues: verdict.values.slice(0, 20).join(', '),
        burstDistinct: String(verdict.values.length),
        burstRefused: String(verdict.refused),
        burstStartedAtUtc: isoOf(verdict.startedAt),
        burstCompletedAtUtc: isoOf(verdict.completedAt),
        explanation: `${observation.key} touched ${verdict.values.length} distinct ${observation.valueName}s${observation.refusedCount > 0 ? ` (${verdict.refused} refused)` : ''} within ${minutes} minute(s), from ${isoOf(verdict.startedAt)} to ${isoOf(verdict.completedAt)}.`,
      });
    }
    case 'sequence': {
      if (observation.novelty !== undefined) return novelSequenceFinding(candidate, state, observation.novelty);
      if (observation.step === undefined) return undefined;
      const verdict = observeSequence(state, { rule: ruleId, key: observation.key, step: observation.step, entry: { at: candidate.at, evidenceId: candidate.evidenceId } }, observation.withinInMs);
      if (verdict.kind !== 'pairs') return undefined;
      const pair = verdict.pairs[0];
      if (pair === undefined) return undefined;
      return withDetails(finding, {
        statefulKind: 'sequence',
        sequenceKey: observation.key,
        firstStepAtUtc: isoOf(pair.first.at),
        firstStepEvidenceId: pair.first.evidenceId,
        thenStepAtUtc: isoOf(pair.then.at),
        thenStepEvidenceId: pair.then.evidenceId,
        explanation: `${observation.key}: ${observation.stepNames.first} at ${isoOf(pair.first.at)}, then ${observation.stepNames.then} at ${isoOf(pair.then.at)}, ${Math.round((pair.then.at - pair.first.at) / 1000)} s later (within ${Math.round(observation.withinInMs / 60_000)} minute(s)).`,
      });
    }
  }
}

/** Whether the state already holds this observation (its value at this time or earlier; its event). */
function isRecorded(candidate: StatefulCandidate, state: ClusterDetectionState): boolean {
  if (state.firstEventAt === undefined || candidate.at < state.firstEventAt) return false;
  const { observation } = candidate;
  const key = stateKeyOf(candidate.rule.id, observation.kind === 'firstSeen' ? observation.subject : observation.key);
  switch (observation.kind) {
    case 'firstSeen': {
      const profile = state.profiles[key];
      if (profile === undefined) return false;
      for (const value of observation.values) {
        const seenAt = profile[value];
        if (seenAt === undefined || seenAt > candidate.at) return false;
      }
      return true;
    }
    case 'burst':
      return state.windows[key]?.[candidate.evidenceId] !== undefined || isBeyondHorizon(state, candidate.rule.id, observation.key, candidate.at, { windowInMs: observation.windowInMs, distinct: observation.distinct });
    case 'sequence': {
      const { step, novelty } = observation;
      if (novelty === undefined) return isStepRecorded(state, key, step, candidate.evidenceId);
      // With novelty: the value's earliest sighting is no later than the event, and the step is kept if it must be
      // (a first step; a then-step that is its value's earliest sighting).
      const seenAt = novelty.value === undefined ? undefined : state.profiles[key]?.[novelty.value];
      if (novelty.value !== undefined && (seenAt === undefined || seenAt > candidate.at)) return false;
      if (step === SequenceStep.first || (step === SequenceStep.then && seenAt === candidate.at)) return isStepRecorded(state, key, step, candidate.evidenceId);
      return true;
    }
  }
}

function isStepRecorded(state: ClusterDetectionState, key: string, step: SequenceStep | undefined, evidenceId: string): boolean {
  const steps = step === undefined ? undefined : state.sequences[key]?.[step];
  if (steps === undefined) return false;
  for (const entry of steps) if (entry.evidenceId === evidenceId) return true;
  return false;
}

/** A sequence with novelty: the finding of the pair this event completes or reported before (see observeNovelSequence). */
function novelSequenceFinding(candidate: StatefulCandidate, state: ClusterDetectionState, novelty: { value: string | undefined; valueName: string; historyInMs: number; note?: string }): Finding | undefined {
  const { observation } = candidate;
  if (observation.kind !== 'sequence') return undefined;
  const entry = { at: candidate.at, evidenceId: candidate.evidenceId, ...(novelty.note === undefined ? {} : { note: novelty.note }) };
  const verdict = observeNovelSequence(state, { rule: candidate.rule.id, key: observation.key, step: observation.step, entry, value: novelty.value }, { withinInMs: observation.withinInMs, historyInMs: novelty.historyInMs });
  if (verdict.kind !== 'novel') return undefined;
  const { first, then, observedSince, knownValues } = verdict.pair;
  const firstWords = first.note ?? `${observation.stepNames.first} for ${observation.key}`;
  const others = verdict.alsoReported > 0 ? ` (${verdict.alsoReported} other first step(s) paired with it too)` : '';
  return withDetails(candidate.finding, {
    statefulKind: 'sequence',
    sequenceKey: observation.key,
    firstStepAtUtc: isoOf(first.at),
    firstStepEvidenceId: first.evidenceId,
    thenStepAtUtc: isoOf(then.at),
    thenStepEvidenceId: then.evidenceId,
    newValue: then.value,
    observedSinceUtc: isoOf(observedSince),
    knownValues: String(knownValues),
    explanation:
      `${firstWords} at ${isoOf(first.at)}${others}; then ${observation.stepNames.then} at ${isoOf(then.at)}, ${Math.round((then.at - first.at) / 1000)} s later, ` +
      `from ${novelty.valueName} ${then.value}, never seen for ${observation.key} before that. ${observation.key} had been observed for ${durationOf(then.at - observedSince)} ` +
      `(since ${isoOf(observedSince)}), from ${knownValues} other ${novelty.valueName}(s).`,
  });
}

/** A duration for people: `2 h 5 min`, `7 min`, `40 s`. */
function durationOf(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 0) return `${Math.round(ms / 1000)} s`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return [days > 0 ? `${days} d` : '', hours > 0 ? `${hours} h` : '', minutes % 60 > 0 ? `${minutes % 60} min` : ''].filter((part) => part !== '').join(' ');
}

function withDetails(finding: () => Finding, details: Record<string, string>): Finding {
  const built = finding();
  return { ...built, details: { ...built.details, ...details } };
}

function isoOf(ms: number | undefined): string {
  return ms === undefined ? '(unknown)' : new Date(ms).toISOString();
}
