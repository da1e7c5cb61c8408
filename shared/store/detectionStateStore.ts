import { createHash } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { type RuleFailure } from '../detection/evaluateRules';
import { type Finding } from '../detection/finding';
import { applyStatefulRules } from '../detection/stateful/applyStatefulRules';
import { type ClusterDetectionState, emptyDetectionState } from '../detection/stateful/detectionState';
import { type StatefulCandidate } from '../detection/stateful/statefulCandidate';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { mapWithConcurrency } from './mapWithConcurrency';
import { VersionedDocumentCache } from './versionedDocumentCache';

/**
 * The detectionState container: the stateful rules' memory, one document per cluster and rule (so the partitions of
 * one cluster's traffic, read by different instances, do not all write one hot document), partition `/subscriptionId`.
 * A batch reads and writes only the documents of the rules its events fed (quiet traffic: none), each under optimistic
 * concurrency: on a lost race the batch's observations are applied again to the fresh state, which is what makes
 * two instances' halves of a burst meet. Observations are keyed by evidence id, so a retried or replayed batch changes
 * nothing and raises nothing again. Documents expire 90 days after their last change.
 *
 * Read through the instance's cache (`DetectionStateCache`): a batch starts from the version this instance last read
 * or wrote, so a cluster's steady traffic on one instance reads nothing. Judging a possibly stale version is safe:
 * every observation of a new event changes the state (entries are keyed by evidence), so its write is conditional on
 * the cached ETag and a version another instance changed meanwhile fails it, and the observations are judged again
 * on the fresh read; what changes nothing is a value already known (profiles only grow) or an event already observed.
 */

const CONTAINER = 'detectionState';
const CONCURRENCY = 8;
/** A rule's memory of a cluster is forgotten this long after it last changed. */
export const DETECTION_STATE_TTL_IN_SECONDS = 90 * 24 * 60 * 60;

export interface DetectionStateDocument {
  id: string;
  subscriptionId: string;
  cluster: string;
  ruleId: string;
  state: ClusterDetectionState;
  updatedUtc: string;
  ttl: number;
}

/** One instance's versions of the state documents: at most this many documents, trusted for at most this long. */
const CACHED_DOCUMENTS = 20_000;
const CACHE_MAX_AGE_IN_MS = 15 * 60_000;

export type DetectionStateCache = VersionedDocumentCache<DetectionStateDocument>;

export function createDetectionStateCache(nowInMs?: () => number): DetectionStateCache {
  return new VersionedDocumentCache<DetectionStateDocument>(CACHED_DOCUMENTS, CACHE_MAX_AGE_IN_MS, nowInMs);
}

export interface StatefulStoreResult {
  findings: Finding[];
  /** Rules that threw building a finding (isolated). */
  failures: RuleFailure[];
  /** Watched events while their cluster was learning. */
  learning: number;
  stats: FoldRequestStats;
}

export function detectionStateId(cluster: string, ruleId: string): string {
  return createHash('sha256').update(`${cluster.toLowerCase()}\n${ruleId}`).digest('hex').slice(0, 32);
}

/** Judges the candidates of one batch against the stored state of their clusters and rules, writing what changed. */
export async function applyStatefulRulesStored(
  database: Database,
  candidates: readonly StatefulCandidate[],
  options: { learningPeriodInMs: number; learningStartOf: (cluster: string) => number | undefined; now: Date; cache?: DetectionStateCache },
): Promise<StatefulStoreResult> {
  const stats = emptyFoldRequestStats();
  const groups = new Map<string, StatefulCandidate[]>();
  for (const candidate of candidates) {
    const key = `${candidate.record.cluster.resourceId}\n${candidate.rule.id}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [candidate]);
    else list.push(candidate);
  }
  const container = database.container(CONTAINER);
  const results = await mapWithConcurrency([...groups.values()], CONCURRENCY, async (group) => {
    const first = group[0] as StatefulCandidate;
    const cluster = first.record.cluster.resourceId;
    const ruleId = first.rule.id;
    const subscriptionId = parseClusterResourceId(cluster)?.subscriptionId ?? first.record.cluster.subscriptionId;
    let outcome = { findings: [] as Finding[], failures: [] as RuleFailure[], learning: 0 };
    await foldIntoDocument<DetectionStateDocument>(
      container,
      detectionStateId(cluster, ruleId),
      subscriptionId,
      (stored) => {
        // Runs again on a lost race, from the fresh state (its own copy): only the last round's findings count.
        const state: ClusterDetectionState = stored === undefined ? emptyDetectionState() : stored.state;
        const before = stored === undefined ? undefined : JSON.stringify(state);
        const pass = applyStatefulRules(group, { stateOf: () => state, learningStartOf: options.learningStartOf, learningPeriodInMs: options.learningPeriodInMs });
        outcome = { findings: pass.findings, failures: pass.failures, learning: pass.learning };
        // An observation the state had dropped (pruned from a window, evicted from a capped list) comes back and goes again.
        if (pass.changed.size === 0 || JSON.stringify(state) === before) return undefined;
        return { id: detectionStateId(cluster, ruleId), subscriptionId, cluster, ruleId, state, updatedUtc: options.now.toISOString(), ttl: DETECTION_STATE_TTL_IN_SECONDS };
      },
      stats,
      options.cache,
    );
    return outcome;
  });
  return {
    findings: results.flatMap((result) => result.findings),
    failures: results.flatMap((result) => result.failures),
    learning: results.reduce((sum, result) => sum + result.learning, 0),
    stats,
  };
}
