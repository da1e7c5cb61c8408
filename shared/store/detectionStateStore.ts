import { createHash } from 'node:crypto';
import type { Container, Database } from '@azure/cosmos';
import { type StreamPosition } from '../alerts/foldOccurrences';
import { type DetectionRecord } from '../detection/detectionRecord';
import { type RuleFailure } from '../detection/evaluateRules';
import { type Finding } from '../detection/finding';
import { applyStatefulRules } from '../detection/stateful/applyStatefulRules';
import { type ClusterDetectionState, emptyDetectionState } from '../detection/stateful/detectionState';
import { type StatefulCandidate } from '../detection/stateful/statefulCandidate';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { ClusterWatchCache, watchClusters } from './clusterWatchStore';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { mapWithConcurrency } from './mapWithConcurrency';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { TransientStoreError } from './transientFaults';
import { type VersionedDocument, VersionedDocumentCache } from './versionedDocumentCache';

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
/** Rounds of write, lost race, fresh read before the batch is handed a transient fault (as foldIntoDocument). */
const MAX_WRITE_ROUNDS = 10;
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
/** Observations kept unwritten per document at most: past this the document is written whatever the interval. */
const MAX_PENDING_PER_DOCUMENT = 5_000;

/** Where a watched event was read, and whether it was the service's own simulation: what its alert needs if it fires later. */
export interface CandidateOrigin {
  position: StreamPosition;
  simulated?: true;
}

/** Observations of one document applied to the instance's version but not written yet. */
interface PendingDocument {
  subscriptionId: string;
  cluster: string;
  ruleId: string;
  candidates: { candidate: StatefulCandidate; origin?: CandidateOrigin }[];
  /** When the first of them was applied (the instance's clock). */
  sinceMs: number;
}

/**
 * One instance's memory of the state documents: the version it last read or wrote (with its ETag), and, with a flush
 * interval, the observations it applied to that version without writing them yet. Observations that raise nothing
 * (quiet traffic: a service account's requests, a person's reads feeding a burst window) are written at most once per
 * document and interval, by the first batch after the interval (or the idle flush); a batch whose observations raise
 * something writes at once, with everything pending, so its alert is never late. The write is conditional on the
 * version's ETag: when another instance wrote meanwhile, the pending observations and the batch's are applied again
 * to the fresh state and judged again, which is where two instances' halves of a burst meet (at the latest one
 * interval after the second half).
 *
 * What an instance that dies loses: the observations it applied and had not written, at most one interval of them per
 * document; what they alone would have raised is raised by nothing else. Nothing is ever raised twice (`fired` marks).
 */
export class DetectionStateCache {
  readonly versions: VersionedDocumentCache<DetectionStateDocument>;
  readonly pending = new Map<string, PendingDocument>();
  readonly clusterWatches = new ClusterWatchCache();

  constructor(
    /** DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS in ms; 0 writes every change in its batch. */
    readonly flushIntervalInMs: number,
    readonly nowInMs: () => number = Date.now,
  ) {
    this.versions = new VersionedDocumentCache<DetectionStateDocument>(CACHED_DOCUMENTS, CACHE_MAX_AGE_IN_MS, nowInMs);
  }

  /** Observations applied and not written yet (health, benchmarks). */
  get pendingObservations(): number {
    let count = 0;
    for (const document of this.pending.values()) count += document.candidates.length;
    return count;
  }

  /** The documents whose pending observations are due at `nowInMs`, by cache key. */
  dueKeys(nowInMs: number): string[] {
    return [...this.pending].filter(([, document]) => document.sinceMs + this.flushIntervalInMs <= nowInMs).map(([key]) => key);
  }
}

export function createDetectionStateCache(nowInMs?: () => number, flushIntervalInMs = 0): DetectionStateCache {
  return new DetectionStateCache(flushIntervalInMs, nowInMs);
}

export interface StatefulStoreResult {
  findings: Finding[];
  /** Rules that threw building a finding (isolated). */
  failures: RuleFailure[];
  /** Watched events while their cluster was learning. */
  learning: number;
  stats: FoldRequestStats;
  /** The origin of findings on events of earlier batches (pending observations judged again in this one). */
  origins: Map<DetectionRecord, CandidateOrigin>;
}

export function detectionStateId(cluster: string, ruleId: string): string {
  return createHash('sha256').update(`${cluster.toLowerCase()}\n${ruleId}`).digest('hex').slice(0, 32);
}

export interface ApplyStoredOptions {
  learningPeriodInMs: number;
  /** The subscription's learning start (its plan's switch-on); a cluster first seen later learns from then (clusterWatchStore). */
  learningStartOf: (cluster: string) => number | undefined;
  now: Date;
  cache?: DetectionStateCache;
  /** Where each candidate's event was read: kept with observations left pending, for their alert if they fire later. */
  originOf?: (record: DetectionRecord) => CandidateOrigin | undefined;
}

interface DocumentGroup {
  subscriptionId: string;
  cluster: string;
  ruleId: string;
  candidates: StatefulCandidate[];
}

interface GroupOutcome {
  findings: Finding[];
  failures: RuleFailure[];
  learning: number;
}

/**
 * Judges the candidates of one batch against the stored state of their clusters and rules, writing what changed; with
 * a cache that has a flush interval, also writes the documents whose pending observations are due (see
 * DetectionStateCache).
 */
export async function applyStatefulRulesStored(database: Database, candidates: readonly StatefulCandidate[], options: ApplyStoredOptions): Promise<StatefulStoreResult> {
  const stats = emptyFoldRequestStats();
  const groups = new Map<string, DocumentGroup>();
  for (const candidate of candidates) {
    const cluster = candidate.record.cluster.resourceId;
    const ruleId = candidate.rule.id;
    const subscriptionId = parseClusterResourceId(cluster)?.subscriptionId ?? candidate.record.cluster.subscriptionId;
    const key = cacheKeyOf(subscriptionId, detectionStateId(cluster, ruleId));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { subscriptionId, cluster, ruleId, candidates: [candidate] });
    else group.candidates.push(candidate);
  }
  const { cache } = options;
  const learningStartOf = await clusterLearningStarts(database, candidates, options, stats);
  options = { ...options, learningStartOf };
  const coalescing = cache !== undefined && cache.flushIntervalInMs > 0;
  if (coalescing) {
    for (const key of cache.dueKeys(options.now.getTime())) {
      const pending = cache.pending.get(key) as PendingDocument;
      if (!groups.has(key)) groups.set(key, { subscriptionId: pending.subscriptionId, cluster: pending.cluster, ruleId: pending.ruleId, candidates: [] });
    }
  }
  const container = database.container(CONTAINER);
  const origins = new Map<DetectionRecord, CandidateOrigin>();
  const results = await mapWithConcurrency([...groups.entries()], CONCURRENCY, async ([key, group]) =>
    coalescing ? applyCoalesced(container, key, group, options, cache, stats, origins) : applyNow(container, group, options, stats),
  );
  return {
    findings: results.flatMap((result) => result.findings),
    failures: results.flatMap((result) => result.failures),
    learning: results.reduce((sum, result) => sum + result.learning, 0),
    stats,
    origins,
  };
}

/**
 * Each cluster's learning start: its subscription's (the plan's switch-on), or, for a cluster first seen after that,
 * when Argus first saw it: the earliest watched event of the first batch that brought a first-seen rule an event of
 * the cluster (the watch is read once per instance and cluster; batches without first-seen observations, most of
 * them, need none). A watch that starts late only makes the learning end later. The simulation's events start none.
 */
async function clusterLearningStarts(
  database: Database,
  candidates: readonly StatefulCandidate[],
  options: ApplyStoredOptions,
  stats: FoldRequestStats,
): Promise<(cluster: string) => number | undefined> {
  const learning = new Set<string>();
  const seen = new Map<string, { subscriptionId: string; earliestMs: number }>();
  for (const candidate of candidates) {
    if (options.originOf?.(candidate.record)?.simulated === true) continue;
    const cluster = candidate.record.cluster.resourceId;
    if (candidate.observation.kind === 'firstSeen') learning.add(cluster);
    const entry = seen.get(cluster);
    if (entry === undefined) seen.set(cluster, { subscriptionId: candidate.record.cluster.subscriptionId, earliestMs: candidate.at });
    else if (candidate.at < entry.earliestMs) entry.earliestMs = candidate.at;
  }
  for (const cluster of seen.keys()) if (!learning.has(cluster)) seen.delete(cluster);
  if (seen.size === 0) return options.learningStartOf;
  const watched = await watchClusters(database, seen, { now: options.now, stats, ...(options.cache === undefined ? {} : { cache: options.cache.clusterWatches }) });
  return (cluster) => {
    const subscriptionStart = options.learningStartOf(cluster);
    const watchStart = watched.get(cluster);
    if (subscriptionStart === undefined || watchStart === undefined) return subscriptionStart ?? watchStart;
    return Math.max(subscriptionStart, watchStart);
  };
}

/** Every change written in its batch (no flush interval): one conditional read-modify-write through foldIntoDocument. */
async function applyNow(container: Container, group: DocumentGroup, options: ApplyStoredOptions, stats: FoldRequestStats): Promise<GroupOutcome> {
  const { cluster, ruleId, subscriptionId } = group;
  let outcome: GroupOutcome = { findings: [], failures: [], learning: 0 };
  await foldIntoDocument<DetectionStateDocument>(
    container,
    detectionStateId(cluster, ruleId),
    subscriptionId,
    (stored) => {
      // Runs again on a lost race, from the fresh state (its own copy): only the last round's findings count.
      const judged = judge(stored, group.candidates, options);
      outcome = judged.outcome;
      return judged.changed ? documentOf(group, judged.state, options.now) : undefined;
    },
    stats,
    options.cache?.versions,
  );
  return outcome;
}

/**
 * The batch's observations applied to the instance's version (read when it has none, with the pending observations
 * applied again), written only if they raise something, if the document's pending observations are due, or if too
 * many are pending; otherwise kept pending.
 */
async function applyCoalesced(
  container: Container,
  key: string,
  group: DocumentGroup,
  options: ApplyStoredOptions,
  cache: DetectionStateCache,
  stats: FoldRequestStats,
  origins: Map<DetectionRecord, CandidateOrigin>,
): Promise<GroupOutcome> {
  const id = detectionStateId(group.cluster, group.ruleId);
  const nowMs = options.now.getTime();
  let pending = cache.pending.get(key);
  let version = cache.versions.get(key);
  let judged: Judged;
  if (version === undefined) {
    version = await readVersion(container, id, group.subscriptionId, stats);
    // The instance's unwritten observations are applied to the fresh state, and judged with the batch's. A batch retried
    // after its write failed finds its own observations pending already: each event is judged once (twice, the burst it
    // completes would be reported twice and its alert counted twice).
    const inBatch = new Set(group.candidates.map((candidate) => candidate.evidenceId));
    const earlier = pending?.candidates.filter((entry) => !inBatch.has(entry.candidate.evidenceId)).map((entry) => entry.candidate) ?? [];
    judged = judge(version.document, [...earlier, ...group.candidates], options);
  } else {
    judged = judge(version.document, group.candidates, options);
  }
  const due = pending !== undefined && pending.sinceMs + cache.flushIntervalInMs <= nowMs;
  if (!judged.changed && !due) {
    cache.versions.set(key, version);
    return judged.outcome;
  }
  if (judged.changed && pending === undefined) {
    pending = { subscriptionId: group.subscriptionId, cluster: group.cluster, ruleId: group.ruleId, candidates: [], sinceMs: nowMs };
    cache.pending.set(key, pending);
  }
  if (pending !== undefined && judged.changed) {
    const kept = new Set(pending.candidates.map((entry) => entry.candidate.evidenceId));
    for (const candidate of group.candidates) if (!kept.has(candidate.evidenceId)) pending.candidates.push({ candidate, ...originEntry(options.originOf?.(candidate.record)) });
  }
  const mustWrite = judged.outcome.findings.length > 0 || due || (pending?.candidates.length ?? 0) > MAX_PENDING_PER_DOCUMENT;
  if (!mustWrite) {
    // Kept: the instance's version now holds the observations, still under the stored ETag.
    cache.versions.set(key, { document: documentOf(group, judged.state, options.now), etag: version.etag });
    return judged.outcome;
  }
  // Written with everything pending; a lost race applies them all again to the fresh state and judges them again.
  let state = judged.state;
  let outcome = judged.outcome;
  let changed = judged.changed || due;
  for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
    const countAtWrite = pending?.candidates.length ?? 0;
    try {
      if (changed) {
        stats.writes++;
        const next = documentOf(group, state, options.now);
        const written =
          version.etag === undefined
            ? await container.items.create<DetectionStateDocument>(next)
            : await container.item(id, group.subscriptionId).replace<DetectionStateDocument>(next, { accessCondition: { type: 'IfMatch', condition: version.etag } });
        version = { document: next, etag: written.resource === undefined ? undefined : etagOf(written.resource) };
      }
      for (const entry of pending?.candidates.slice(0, countAtWrite) ?? []) if (entry.origin !== undefined) origins.set(entry.candidate.record, entry.origin);
      settleWritten(cache, key, version, pending, countAtWrite);
      return outcome;
    } catch (error) {
      cache.versions.delete(key);
      const code = (error as { code?: unknown }).code;
      if (code !== 412 && code !== 409) throw error;
      stats.conflicts++;
      version = await readVersion(container, id, group.subscriptionId, stats);
      const again = judge(version.document, pending?.candidates.map((entry) => entry.candidate) ?? group.candidates, options);
      ({ state, outcome, changed } = again);
    }
  }
  throw new TransientStoreError(`${CONTAINER}/${id} kept changing under ${MAX_WRITE_ROUNDS} concurrent writes; try again.`);
}

/**
 * Writes the pending observations that are due (`all`: every one, at a graceful stop) without judging anything again:
 * a write that loses its race leaves them pending for the next batch, which judges them (an alert needs a batch to be
 * written in). For the instance's idle timer, so a partition that goes quiet still gets its last observations stored.
 */
export async function flushDueDetectionState(database: Database, cache: DetectionStateCache, now: Date, options: { all?: boolean } = {}): Promise<FoldRequestStats> {
  const stats = emptyFoldRequestStats();
  const container = database.container(CONTAINER);
  const keys = options.all === true ? [...cache.pending.keys()] : cache.dueKeys(now.getTime());
  await mapWithConcurrency(keys, CONCURRENCY, async (key) => {
    const pending = cache.pending.get(key) as PendingDocument;
    const version = cache.versions.get(key);
    const document = version?.document;
    if (version === undefined || document === undefined) return;
    const id = detectionStateId(pending.cluster, pending.ruleId);
    const countAtWrite = pending.candidates.length;
    try {
      stats.writes++;
      const written =
        version.etag === undefined
          ? await container.items.create<DetectionStateDocument>(document)
          : await container.item(id, pending.subscriptionId).replace<DetectionStateDocument>(document, { accessCondition: { type: 'IfMatch', condition: version.etag } });
      settleWritten(cache, key, { document, etag: written.resource === undefined ? undefined : etagOf(written.resource) }, pending, countAtWrite);
    } catch (error) {
      cache.versions.delete(key);
      const code = (error as { code?: unknown }).code;
      if (code !== 412 && code !== 409) throw error;
      stats.conflicts++;
    }
  });
  return stats;
}

/**
 * After a write of what was pending when it started. The write awaited the store, and a batch of another partition on
 * this instance may have applied more observations to the same document meanwhile (into the instance's version and the
 * pending list): those stay pending and the version is dropped, so the next batch reads what is stored and applies
 * them again. Nothing applied meanwhile is forgotten; applying a written observation again changes nothing.
 */
function settleWritten(cache: DetectionStateCache, key: string, written: VersionedDocument<DetectionStateDocument>, pendingAtWrite: PendingDocument | undefined, countAtWrite: number): void {
  const current = cache.pending.get(key);
  if (current === pendingAtWrite && (current?.candidates.length ?? 0) === countAtWrite) {
    cache.versions.set(key, written);
    cache.pending.delete(key);
    return;
  }
  cache.versions.delete(key);
  // The same list grown meanwhile keeps only what came after the write; a list started meanwhile stays as it is.
  if (current !== undefined && current === pendingAtWrite) current.candidates.splice(0, countAtWrite);
}

interface Judged {
  state: ClusterDetectionState;
  changed: boolean;
  outcome: GroupOutcome;
}

/** The candidates applied to a copy of the stored state: the new state, whether it changed, and what it raised. */
function judge(stored: DetectionStateDocument | undefined, candidates: readonly StatefulCandidate[], options: ApplyStoredOptions): Judged {
  const state: ClusterDetectionState = stored === undefined ? emptyDetectionState() : structuredClone(stored.state);
  const before = stored === undefined ? undefined : JSON.stringify(stored.state);
  const pass = applyStatefulRules(candidates, { stateOf: () => state, learningStartOf: options.learningStartOf, learningPeriodInMs: options.learningPeriodInMs });
  // An observation the state had dropped (pruned from a window, evicted from a capped list) comes back and goes again.
  const changed = pass.changed.size > 0 && JSON.stringify(state) !== before;
  return { state, changed, outcome: { findings: pass.findings, failures: pass.failures, learning: pass.learning } };
}

async function readVersion(container: Container, id: string, subscriptionId: string, stats: FoldRequestStats): Promise<VersionedDocument<DetectionStateDocument>> {
  stats.reads++;
  const { resource } = await container.item(id, subscriptionId).read<DetectionStateDocument>();
  return resource === undefined ? { document: undefined, etag: undefined } : { document: withoutSystemProperties(resource), etag: etagOf(resource) };
}

function documentOf(group: DocumentGroup, state: ClusterDetectionState, now: Date): DetectionStateDocument {
  const id = detectionStateId(group.cluster, group.ruleId);
  return { id, subscriptionId: group.subscriptionId, cluster: group.cluster, ruleId: group.ruleId, state, updatedUtc: now.toISOString(), ttl: DETECTION_STATE_TTL_IN_SECONDS };
}

function cacheKeyOf(subscriptionId: string, id: string): string {
  return `${subscriptionId}\n${id}`;
}

function originEntry(origin: CandidateOrigin | undefined): { origin?: CandidateOrigin } {
  return origin === undefined ? {} : { origin };
}


