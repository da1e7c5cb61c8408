import { capKeys, type ClusterDetectionState, DEFAULT_STATE_LIMITS, noteEventTime, type StateLimits, type StepEntry } from './detectionState';

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
  const key = `${observation.rule}\n${observation.key}`;
  const steps = (state.sequences[key] ??= { first: [], then: [] });
  const own = steps[observation.step];
  if (!own.some((entry) => entry.evidenceId === observation.entry.evidenceId)) {
    own.push(observation.entry);
    own.sort((a, b) => a.at - b.at);
    if (own.length > limits.stepsPerSequence) own.splice(0, own.length - limits.stepsPerSequence);
  }
  capKeys(state.sequences, limits.keysPerKind, (entry) => Math.max(0, ...entry.first.map((step) => step.at), ...entry.then.map((step) => step.at)));

  const candidates =
    observation.step === SequenceStep.first
      ? steps.then.filter((then) => then.at >= observation.entry.at && then.at <= observation.entry.at + withinInMs).map((then) => ({ first: observation.entry, then }))
      : steps.first.filter((first) => observation.entry.at >= first.at && observation.entry.at <= first.at + withinInMs).map((first) => ({ first, then: observation.entry }));
  // Every pair this event completes, also when it is observed again (a retried batch): the alert layer counts an
  // event once, and a pair is reported only by its two events, so no other event reports it again.
  return candidates.length === 0 ? { kind: 'none' } : { kind: 'pairs', pairs: candidates };
}
