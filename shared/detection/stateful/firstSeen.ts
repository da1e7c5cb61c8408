import { claimReport, type ClusterDetectionState, DEFAULT_STATE_LIMITS, keyedEntry, latestValueAt, noteEventTime, profileSize, setProfileValue, stateKeyOf, type StateLimits } from './detectionState';

/**
 * First-seen detection: has `subject` (an identity, a namespace) ever shown `value` (an image registry, a verb and
 * resource, a user agent) before? The profile keeps each value's earliest time. A value is new when the event is its
 * earliest sighting and comes after the cluster's learning period (which starts at the cluster's earliest event):
 * while a cluster is learning, values are recorded and nothing fires. A value seen again fires nothing; the first
 * sighting observed again (a retried batch) is judged again alike, so an alert whose write failed is raised on the
 * retry (the alert layer counts each event once). A sighting that arrives late but happened earlier moves the earliest
 * time back, and neither it nor its replay reports the value again (the event that reported it is recorded), but it cannot
 * take back an alert already raised: out-of-order delivery across the end of the learning period
 * (minutes of partition skew) is the one case where the order matters, and it errs towards an alert.
 */

export interface FirstSeenObservation {
  /** The rule or dimension the profile belongs to. */
  profile: string;
  subject: string;
  value: string;
  /** Event time (ms). */
  at: number;
  /** The event's evidence id: the one event that reports a new value (again when it is observed again). */
  evidenceId: string;
}

export type FirstSeenVerdict =
  | { kind: 'known'; firstSeenAt: number }
  | { kind: 'learning'; learningUntil: number }
  | { kind: 'new'; knownValues: number };

export function observeFirstSeen(
  state: ClusterDetectionState,
  observation: FirstSeenObservation,
  options: { learningPeriodInMs: number; limits?: StateLimits },
): FirstSeenVerdict {
  const limits = options.limits ?? DEFAULT_STATE_LIMITS;
  noteEventTime(state, observation.at);
  const key = stateKeyOf(observation.profile, observation.subject);
  const profile = keyedEntry(state.profiles, key, (): Record<string, number> => ({}), limits.keysPerKind, latestValueAt);
  const earliest = profile[observation.value];
  if (earliest !== undefined && earliest < observation.at) return { kind: 'known', firstSeenAt: earliest };
  // The earliest sighting itself, observed again (a retried batch whose alert was not written): judged again alike.
  const knownValues = profileSize(profile) - (earliest === undefined ? 0 : 1);
  setProfileValue(profile, observation.value, observation.at, limits.valuesPerProfile);
  if (earliest !== undefined && earliest !== observation.at) return { kind: 'known', firstSeenAt: observation.at };
  const learningUntil = (state.firstEventAt ?? observation.at) + options.learningPeriodInMs;
  if (observation.at < learningUntil) return { kind: 'learning', learningUntil };
  // A later sighting delivered first reported the value already: the earliest one arriving (or replayed) after it does not.
  if (!claimReport(state, `${key}\n${observation.value}`, observation.evidenceId, observation.at, limits)) return { kind: 'known', firstSeenAt: observation.at };
  return { kind: 'new', knownValues };
}
