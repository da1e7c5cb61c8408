import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { firstSecretAccessByIdentity } from '../../../shared/detection/rules/audit/first-secret-access-by-identity';
import { type StatefulCandidate } from '../../../shared/detection/stateful/statefulCandidate';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { clusterWatchId, listClusterWatches, watchClusters } from '../../../shared/store/clusterWatchStore';
import { applyStatefulRulesStored, createDetectionStateCache, type DetectionStateCache } from '../../../shared/store/detectionStateStore';
import { emptyFoldRequestStats } from '../../../shared/store/foldIntoDocument';
import { recordOf } from '../../support/ruleHarness';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * A learning period per cluster: a cluster that joins a subscription long after its plan was switched on learns its own
 * week before the first-seen rules judge it; a cluster watched since the switch-on is judged at once.
 */

const SUB = '5c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const DAY = 24 * 60 * 60 * 1000;
const PLAN_ON = Date.parse('2026-10-01T00:00:00.000Z');
const clusterOf = (name: string) => parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`) as ClusterIdentity;
const OLD = clusterOf('aks-old');
const NEW = clusterOf('aks-new');

let sequence = 0;
/** A first secret read by someone who never read one: what first-secret-access-by-identity reports after learning. */
function firstSecretRead(cluster: ClusterIdentity, user: string, at: number): StatefulCandidate[] {
  sequence++;
  const event = auditEvent({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'stripe-api-key', user, time: new Date(at).toISOString(), auditID: `9e0f1a2b-3c4d-4e5f-8a6b-${String(sequence).padStart(12, '0')}` });
  return evaluateRules([{ ...recordOf(event), cluster }], { rules: [firstSecretAccessByIdentity] }).candidates;
}

describe('cluster watches: the learning period starts per cluster', () => {
  let cosmos: TestCosmos;
  beforeEach(async () => {
    cosmos = await startTestCosmos();
  });
  afterEach(async () => {
    await cosmos.close();
  });
  const apply = (candidates: StatefulCandidate[], now: number, cache?: DetectionStateCache) =>
    applyStatefulRulesStored(cosmos.database, candidates, { learningPeriodInMs: 7 * DAY, learningStartOf: () => PLAN_ON, now: new Date(now), ...(cache === undefined ? {} : { cache }) });

  it('when a cluster is first seen a month after the plan was switched on, then its first-seen rules learn for a week from its first event, while a cluster watched since the switch-on is judged at once', async () => {
    const joined = PLAN_ON + 30 * DAY;
    await apply(firstSecretRead(OLD, 'dana@contoso.com', PLAN_ON + DAY), PLAN_ON + DAY);

    const oldCluster = await apply(firstSecretRead(OLD, 'erin@contoso.com', joined), joined);
    const newClusterDayOne = await apply(firstSecretRead(NEW, 'erin@contoso.com', joined), joined);
    const newClusterDaySix = await apply(firstSecretRead(NEW, 'frank@contoso.com', joined + 6 * DAY), joined + 6 * DAY);
    const newClusterDayEight = await apply(firstSecretRead(NEW, 'grace@contoso.com', joined + 8 * DAY), joined + 8 * DAY);

    expect(oldCluster.findings).toHaveLength(1);
    expect(newClusterDayOne).toMatchObject({ findings: [], learning: 1 });
    expect(newClusterDaySix).toMatchObject({ findings: [], learning: 1 });
    expect(newClusterDayEight.findings).toHaveLength(1);
    expect(newClusterDayEight.findings[0]?.details['watchedSinceUtc']).toBe(new Date(joined).toISOString());
    expect(await listClusterWatches(cosmos.database, SUB)).toEqual([
      { cluster: NEW.resourceId, firstEventUtc: new Date(joined).toISOString() },
      { cluster: OLD.resourceId, firstEventUtc: new Date(PLAN_ON + DAY).toISOString() },
    ]);
  });

  it('when the cluster was watched before the plan was last switched on (off, then on again), then learning starts at the switch-on', async () => {
    await watchClusters(cosmos.database, new Map([[OLD.resourceId, { subscriptionId: SUB, earliestMs: PLAN_ON - 40 * DAY }]]), { now: new Date(PLAN_ON - 40 * DAY), stats: emptyFoldRequestStats() });
    expect((await apply(firstSecretRead(OLD, 'erin@contoso.com', PLAN_ON + 2 * DAY), PLAN_ON + 2 * DAY)).learning).toBe(1);
  });

  it('when one instance sees a cluster batch after batch, then it reads the watch once and creates it once', async () => {
    const cache = createDetectionStateCache(() => PLAN_ON);
    const stats = emptyFoldRequestStats();
    const seen = new Map([[NEW.resourceId, { subscriptionId: SUB, earliestMs: PLAN_ON + DAY }]]);
    for (let batch = 0; batch < 5; batch++) await watchClusters(cosmos.database, seen, { now: new Date(PLAN_ON + DAY), cache: cache.clusterWatches, stats });
    expect(stats).toEqual({ reads: 1, writes: 1, conflicts: 0 });
  });

  it('when two instances see a new cluster at once with different first events, then one watch is stored and both use its time', async () => {
    const [first, second] = await Promise.all([
      watchClusters(cosmos.database, new Map([[NEW.resourceId, { subscriptionId: SUB, earliestMs: PLAN_ON + 1_000 }]]), { now: new Date(PLAN_ON), stats: emptyFoldRequestStats() }),
      watchClusters(cosmos.database, new Map([[NEW.resourceId, { subscriptionId: SUB, earliestMs: PLAN_ON + 9_000 }]]), { now: new Date(PLAN_ON), stats: emptyFoldRequestStats() }),
    ]);
    expect(first.get(NEW.resourceId)).toBe(second.get(NEW.resourceId));
    expect(await listClusterWatches(cosmos.database, SUB)).toHaveLength(1);
  });

  it('when an instance keeps seeing a cluster for more than a day, then it renews the watch\'s expiry once and keeps its first event', async () => {
    let now = PLAN_ON;
    const cache = createDetectionStateCache(() => now);
    const seen = (earliestMs: number) => new Map([[OLD.resourceId, { subscriptionId: SUB, earliestMs }]]);
    await watchClusters(cosmos.database, seen(PLAN_ON), { now: new Date(now), cache: cache.clusterWatches, stats: emptyFoldRequestStats() });
    now += DAY + 60_000;
    const stats = emptyFoldRequestStats();
    const starts = await watchClusters(cosmos.database, seen(now), { now: new Date(now), cache: cache.clusterWatches, stats });
    await watchClusters(cosmos.database, seen(now), { now: new Date(now), cache: cache.clusterWatches, stats });

    expect(stats).toEqual({ reads: 1, writes: 1, conflicts: 0 });
    expect(starts.get(OLD.resourceId)).toBe(PLAN_ON);
    const { resource } = await cosmos.database.container('detectionState').item(clusterWatchId(OLD.resourceId), SUB).read<{ updatedUtc: string; ttl: number }>();
    expect(resource).toMatchObject({ updatedUtc: new Date(now).toISOString(), ttl: 90 * 24 * 60 * 60 });
  });
});
