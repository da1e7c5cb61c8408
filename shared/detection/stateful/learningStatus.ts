import { type Rule } from '../rule';

/**
 * Whether a subscription's first-seen rules are still learning, for its health: they learn for the learning period
 * from the plan's switch-on (the pipeline's learning start, see processEventBatch) and stay silent until then; bursts,
 * sequences and threat lists work from the first event. Pure: the caller gives the time.
 */
export interface LearningStatus {
  /** `learning` until the period ends, `active` after it, `notStarted` while the plan is off. */
  state: 'notStarted' | 'learning' | 'active';
  learningPeriodInDays: number;
  learningStartedUtc?: string;
  learningUntilUtc?: string;
  /** The rules that stay silent while learning. */
  firstSeenRules: string[];
  /** The stateful rules that do not learn (bursts, sequences). */
  activeFromTheStart: string[];
}

export function learningStatusOf(rules: readonly Rule[], options: { enabledAtUtc: string | undefined; learningPeriodInMs: number; now: Date }): LearningStatus {
  const stateful = rules.filter((rule) => rule.stateful !== undefined);
  const firstSeenRules = stateful.filter((rule) => rule.stateful?.kind === 'firstSeen').map((rule) => rule.id);
  const activeFromTheStart = stateful.filter((rule) => rule.stateful?.kind !== 'firstSeen').map((rule) => rule.id);
  const learningPeriodInDays = Math.round((options.learningPeriodInMs / 86_400_000) * 100) / 100;
  const common = { learningPeriodInDays, firstSeenRules, activeFromTheStart };
  const started = options.enabledAtUtc === undefined ? Number.NaN : Date.parse(options.enabledAtUtc);
  if (Number.isNaN(started)) return { state: 'notStarted', ...common };
  const until = started + options.learningPeriodInMs;
  return {
    state: options.now.getTime() < until ? 'learning' : 'active',
    ...common,
    learningStartedUtc: new Date(started).toISOString(),
    learningUntilUtc: new Date(until).toISOString(),
  };
}
