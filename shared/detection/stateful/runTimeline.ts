import { type DetectionContext } from '../detectionContext';
import { type DetectionRecord } from '../detectionRecord';
import { evaluateRules } from '../evaluateRules';
import { type Finding } from '../finding';
import { type Rule } from '../rule';
import { applyStatefulRules } from './applyStatefulRules';
import { type InMemoryDetectionStates, inMemoryStateOf } from './detectionState';
import { type RuleTimeline } from './statefulLogic';

/**
 * Runs rules over records as one stream with the state in memory (a stateful rule's timeline examples, `argus scan`):
 * each record is evaluated, then the stateful pass judges what the stateful rules watched. `states` may be shared
 * across calls (a stream in several parts). Pure.
 */
export function evaluateWithMemory(
  records: readonly DetectionRecord[],
  options: { rules: readonly Rule[]; context?: DetectionContext; learningPeriodInMs?: number; learningStartOf?: (cluster: string) => number | undefined; states?: InMemoryDetectionStates },
): { findings: Finding[]; statefulFindings: Finding[]; learning: number } {
  const evaluation = evaluateRules(records, { rules: options.rules, ...(options.context === undefined ? {} : { context: options.context }) });
  const pass = applyStatefulRules(evaluation.candidates, {
    stateOf: inMemoryStateOf(options.states),
    learningPeriodInMs: options.learningPeriodInMs ?? 0,
    ...(options.learningStartOf === undefined ? {} : { learningStartOf: options.learningStartOf }),
  });
  return { findings: [...evaluation.findings, ...pass.findings], statefulFindings: pass.findings, learning: pass.learning };
}

/** How many alerts a timeline raises when its records arrive in the given order (records built by the caller). */
export function timelineAlerts(rule: Rule, timeline: RuleTimeline, records: readonly DetectionRecord[]): Finding[] {
  const learningStart = timeline.learningStart === undefined ? undefined : Date.parse(timeline.learningStart);
  return evaluateWithMemory(records, {
    rules: [rule],
    learningPeriodInMs: timeline.learningPeriodInMs ?? 0,
    ...(learningStart === undefined ? {} : { learningStartOf: () => learningStart }),
  }).statefulFindings;
}
