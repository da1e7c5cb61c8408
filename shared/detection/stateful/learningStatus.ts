import { type Rule } from '../rule';

/**
 * Whether a subscription's first-seen rules are still learning, for its health: they learn for the learning period
 * from the plan's switch-on (the pipeline's learning start, see processEventBatch), and each cluster first seen after
 * that from its first event (shared/store/clusterWatchStore.ts), and stay silent until then; bursts, sequences and
 * threat lists work from the first event. Pure: the caller gives the time.
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
  /** Each watched cluster: learning from the later of the switch-on and its first event. */
  clusters: ClusterLearningStatus[];
}

export interface ClusterLearningStatus {
  cluster: string;
  state: 'learning' | 'active';
  /** When Argus first saw the cluster. */
  watchedSinceUtc: string;
  learningStartedUtc: string;
  learningUntilUtc: string;
}

export function learningStatusOf(
  rules: readonly Rule[],
  options: { enabledAtUtc: string | undefined; learningPeriodInMs: number; now: Date; clusters?: readonly { cluster: string; firstEventUtc: string }[] },
): LearningStatus {
  const stateful = rules.filter((rule) => rule.stateful !== undefined);
  const firstSeenRules = stateful.filter((rule) => rule.stateful?.kind === 'firstSeen').map((rule) => rule.id);
  const activeFromTheStart = stateful.filter((rule) => rule.stateful?.kind !== 'firstSeen').map((rule) => rule.id);
  const learningPeriodInDays = Math.round((options.learningPeriodInMs / 86_400_000) * 100) / 100;
  const started = options.enabledAtUtc === undefined ? Number.NaN : Date.parse(options.enabledAtUtc);
  if (Number.isNaN(started)) return { state: 'notStarted', learningPeriodInDays, firstSeenRules, activeFromTheStart, clusters: [] };
  const clusters = (options.clusters ?? []).map(({ cluster, firstEventUtc }): ClusterLearningStatus => {
    const clusterStart = Math.max(started, Date.parse(firstEventUtc));
    const clusterUntil = clusterStart + options.learningPeriodInMs;
    return {
      cluster,
      state: options.now.getTime() < clusterUntil ? 'learning' : 'active',
      watchedSinceUtc: firstEventUtc,
      learningStartedUtc: new Date(clusterStart).toISOString(),
      learningUntilUtc: new Date(clusterUntil).toISOString(),
    };
  });
  const common = { learningPeriodInDays, firstSeenRules, activeFromTheStart, clusters };
  const until = started + options.learningPeriodInMs;
  return {
    state: options.now.getTime() < until ? 'learning' : 'active',
    ...common,
    learningStartedUtc: new Date(started).toISOString(),
    learningUntilUtc: new Date(until).toISOString(),
  };
}
