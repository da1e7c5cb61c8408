import { type DetectionRecord, isNodeRecord } from '../detection/detectionRecord';
import { type StatefulCandidate } from '../detection/stateful/statefulCandidate';
import { SIMULATION_ID_ANNOTATION } from './simulationSignature';

/**
 * What the stateful rules observe of the service's own simulated events. A run replays a stateful rule's timeline with
 * its events signed under the run's id and the rule's (timelineSimulationId), and only those events feed that rule's
 * state, keyed to the run and the rule: each run proves each timeline afresh, as the catalogue runs it. Without the
 * key, two runs within a burst window would make one overlapping burst and the second would fire nothing, and an
 * earlier run's history would teach a novelty profile; without the filter, the run's single examples of other rules
 * (RBAC changes, exec, workloads by the same sample identities) would pair with each other in ways that depend on how
 * the events are batched. The single examples feed no state, and first-seen rules none at all (they need a learning
 * period, which a run cannot prove). Candidates of other events pass unchanged. Pure: the caller says which records
 * are verified simulated events (all of them, when the build predicts a run).
 */
export function simulatedStatefulCandidates(candidates: readonly StatefulCandidate[], isSimulated: (record: DetectionRecord) => boolean): StatefulCandidate[] {
  const observed: StatefulCandidate[] = [];
  for (const candidate of candidates) {
    if (!isSimulated(candidate.record)) {
      observed.push(candidate);
      continue;
    }
    const { observation } = candidate;
    const simulationId = simulationIdOf(candidate.record);
    if (observation.kind === 'firstSeen' || timelineRuleOf(simulationId) !== candidate.rule.id) continue;
    observed.push({ ...candidate, observation: { ...observation, key: `${observation.key} (simulation ${simulationId})` } });
  }
  return observed;
}

const TIMELINE_MARKER = '#timeline:';

/** The simulation id a run signs a stateful rule's timeline events with: the run's id, then the rule's. */
export function timelineSimulationId(simulationId: string, ruleId: string): string {
  return `${simulationId}${TIMELINE_MARKER}${ruleId}`;
}

/** The rule whose timeline a simulated event belongs to; undefined for a single example's event. */
function timelineRuleOf(simulationId: string): string | undefined {
  const at = simulationId.lastIndexOf(TIMELINE_MARKER);
  return at < 0 ? undefined : simulationId.slice(at + TIMELINE_MARKER.length);
}

/** The simulation a (verified) simulated record belongs to: the annotation of an audit event, the field of a node event. */
function simulationIdOf(record: DetectionRecord): string {
  return (isNodeRecord(record) ? record.event.simulation?.id : record.event.annotations[SIMULATION_ID_ANNOTATION]) ?? '';
}
