import { memoizeLast } from '../../kubernetes/memoizeLast';
import { type DetectionRecord, evidenceIdOf, occurredAtOf } from '../detectionRecord';
import { type Finding } from '../finding';
import { type Rule } from '../rule';
import { SequenceStep } from './sequence';
import { type StatefulLogic } from './statefulLogic';

/**
 * An event a stateful rule watches, with what its state needs from it (read from the typed event while the engine has
 * it), and the finding it becomes if the state says so, built only then (most watched events never alert: their
 * entities and details are not worth computing).
 */
export interface StatefulCandidate {
  rule: Rule;
  record: DetectionRecord;
  finding: () => Finding;
  /** Event time (ms). */
  at: number;
  evidenceId: string;
  observation:
    | { kind: 'firstSeen'; subject: string; values: readonly string[]; valueName: string }
    | { kind: 'burst'; key: string; value: string; refused: boolean; windowInMs: number; distinct: number; refusedCount: number; valueName: string }
    | {
        kind: 'sequence';
        key: string;
        /** Undefined only with novelty: an event of the key that teaches its profile. */
        step: SequenceStep | undefined;
        withinInMs: number;
        stepNames: { first: string; then: string };
        /** The event's value for a sequence with novelty, and a first step in words. */
        novelty?: { value: string | undefined; valueName: string; historyInMs: number; note?: string };
      };
}

/** The candidate of a watched event; undefined when the rule's functions give nothing to count or the time is not a time. */
export function statefulCandidateOf<Event>(rule: Rule, record: DetectionRecord, finding: () => Finding, logic: StatefulLogic<Event>, event: Event): StatefulCandidate | undefined {
  // Explicit object literals rather than spreads: most audit events are candidates of some stateful rule.
  const observation = observationOf(logic, event);
  if (observation === undefined) return undefined;
  const at = eventTimeOf(record);
  if (Number.isNaN(at)) return undefined;
  return { rule, record, finding, at, evidenceId: evidenceIdOf(record), observation };
}

/** The event's time (ms), parsed once for all the candidates of one event (several stateful rules watch most events). */
const eventTimeOf = memoizeLast((record: DetectionRecord): number => Date.parse(occurredAtOf(record)));

function observationOf<Event>(logic: StatefulLogic<Event>, event: Event): StatefulCandidate['observation'] | undefined {
  switch (logic.kind) {
    case 'firstSeen': {
      const subject = logic.subject(event);
      const value = logic.value(event);
      if (subject === undefined || value === undefined) return undefined;
      const values = typeof value === 'string' ? [value] : value;
      return values.length === 0 ? undefined : { kind: 'firstSeen', subject, values, valueName: logic.valueName };
    }
    case 'burst': {
      const key = logic.key(event);
      const value = logic.value(event);
      if (key === undefined || value === undefined) return undefined;
      return {
        kind: 'burst',
        key,
        value,
        refused: logic.refused?.(event) ?? false,
        windowInMs: logic.windowInMs,
        distinct: logic.distinct,
        refusedCount: logic.refusedCount ?? 0,
        valueName: logic.valueName,
      };
    }
    case 'sequence': {
      const key = logic.key(event);
      const step = logic.step(event);
      if (logic.novelty === undefined) return key === undefined || step === undefined ? undefined : { kind: 'sequence', key, step, withinInMs: logic.withinInMs, stepNames: logic.stepNames };
      const value = logic.novelty.value(event);
      if (key === undefined || (step === undefined && value === undefined)) return undefined;
      const novelty =
        step === SequenceStep.first
          ? { value, valueName: logic.novelty.valueName, historyInMs: logic.novelty.historyInMs, note: logic.novelty.describeFirst(event) }
          : { value, valueName: logic.novelty.valueName, historyInMs: logic.novelty.historyInMs };
      return { kind: 'sequence', key, step, withinInMs: logic.withinInMs, stepNames: logic.stepNames, novelty };
    }
  }
}
