import { type DetectionRecord, isNodeRecord } from '../detection/detectionRecord';
import { type StatefulCandidate } from '../detection/stateful/statefulCandidate';
import { SIMULATION_ID_ANNOTATION } from './simulationSignature';

/**
 * What the stateful rules observe of the service's own simulated events: each run is a fresh replay of the rules'
 * timelines, as the catalogue runs them. A burst's or sequence's key gets the run's id, so a run never joins the
 * burst or sequence of an earlier one (two runs within a burst window would otherwise make one overlapping burst, and
 * the second would fire nothing) and an earlier run's history never teaches a novelty profile. First-seen rules are
 * not fed: a run cannot prove them (they need a learning period) and a simulated cluster past its learning period
 * would raise an alert for every value it had not seen in earlier runs. Candidates of other events pass unchanged.
 * Pure: the caller says which records are verified simulated events (all of them, when the build predicts a run).
 */
export function simulatedStatefulCandidates(candidates: readonly StatefulCandidate[], isSimulated: (record: DetectionRecord) => boolean): StatefulCandidate[] {
  const observed: StatefulCandidate[] = [];
  for (const candidate of candidates) {
    if (!isSimulated(candidate.record)) {
      observed.push(candidate);
      continue;
    }
    const { observation } = candidate;
    if (observation.kind === 'firstSeen') continue;
    observed.push({ ...candidate, observation: { ...observation, key: simulatedKeyOf(observation.key, simulationIdOf(candidate.record)) } });
  }
  return observed;
}

/** A stateful key of one simulation run: the rule's own key, then the run, so the alert still names what the rule keyed on. */
export function simulatedKeyOf(key: string, simulationId: string): string {
  return `${key} (simulation ${simulationId})`;
}

/** The simulation a (verified) simulated record belongs to: the annotation of an audit event, the field of a node event. */
function simulationIdOf(record: DetectionRecord): string {
  return (isNodeRecord(record) ? record.event.simulation?.id : record.event.annotations[SIMULATION_ID_ANNOTATION]) ?? '';
}
