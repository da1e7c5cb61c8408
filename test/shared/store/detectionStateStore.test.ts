import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { secretGetBurst } from '../../../shared/detection/rules/audit/secret-get-burst';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { type StatefulCandidate } from '../../../shared/detection/stateful/statefulCandidate';
import { applyStatefulRulesStored, createDetectionStateCache, type DetectionStateCache, detectionStateId, flushDueDetectionState } from '../../../shared/store/detectionStateStore';
import { detectionRecordOf } from '../../support/ruleHarness';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const burst = secretGetBurst.timelines?.find((timeline) => timeline.expect === 'alert');
if (burst === undefined) throw new Error('secret-get-burst has no alerting timeline');
const NOW = new Date('2026-12-01T00:00:00.000Z');

/** The candidates of some of the alerting timeline's events (each index names one event). */
function candidatesOf(indexes: readonly number[]): StatefulCandidate[] {
  const records = indexes.map((index) => detectionRecordOf(burst?.events[index], index));
  return evaluateRules(records, { rules: [secretGetBurst] }).candidates;
}

describe('applyStatefulRulesStored', () => {
  let cosmos: TestCosmos;
  beforeEach(async () => {
    cosmos = await startTestCosmos();
  });
  afterEach(async () => {
    await cosmos.close();
  });
  const apply = (candidates: StatefulCandidate[], cache?: DetectionStateCache) =>
    applyStatefulRulesStored(cosmos.database, candidates, { learningPeriodInMs: 0, learningStartOf: () => undefined, now: NOW, ...(cache === undefined ? {} : { cache }) });
  const everyEvent = burst.events.map((_event, index) => index);

  it('when one instance judges batch after batch through its cache, then it reads the state once and still fires the burst once', async () => {
    const cache = createDetectionStateCache();
    const results = [];
    for (const index of everyEvent) results.push(await apply(candidatesOf([index]), cache));
    expect(results.reduce((sum, result) => sum + result.stats.reads, 0)).toBe(1);
    expect(results.reduce((sum, result) => sum + result.stats.writes, 0)).toBe(everyEvent.length);
    expect(results.flatMap((result) => result.findings)).toHaveLength(1);
  });

  it('when two instances with their own caches each judge half of a burst, interleaved, then the stale copies lose their writes, are read again, and the halves meet once', async () => {
    const caches = [createDetectionStateCache(), createDetectionStateCache()];
    const findings = [];
    let conflicts = 0;
    for (const index of everyEvent) {
      const result = await apply(candidatesOf([index]), caches[index % 2]);
      findings.push(...result.findings);
      conflicts += result.stats.conflicts;
    }
    expect(findings).toHaveLength(1);
    expect(conflicts).toBeGreaterThan(0);
  });

  it('when a batch is replayed through a cache, then it writes nothing and reports only what it reported before', async () => {
    const cache = createDetectionStateCache();
    const first = await apply(candidatesOf(everyEvent), cache);
    const replay = await apply(candidatesOf(everyEvent), cache);
    expect(replay.stats).toEqual({ reads: 0, writes: 0, conflicts: 0 });
    expect(replay.findings.map((finding) => evidenceIdOf(finding.record))).toEqual(first.findings.map((finding) => evidenceIdOf(finding.record)));
  });

  it('when the cache has expired, then the next batch reads the stored state again', async () => {
    let nowInMs = NOW.getTime();
    const cache = createDetectionStateCache(() => nowInMs);
    await apply(candidatesOf([0]), cache);
    nowInMs += 16 * 60_000;
    const later = await apply(candidatesOf([1]), cache);
    expect(later.stats.reads).toBe(1);
  });

  describe('with a flush interval (observations that raise nothing are written at most once a minute)', () => {
    const MINUTE = 60_000;
    const applyAt = (candidates: StatefulCandidate[], cache: DetectionStateCache, atMs: number) =>
      applyStatefulRulesStored(cosmos.database, candidates, { learningPeriodInMs: 0, learningStartOf: () => undefined, now: new Date(atMs), cache });
    const stored = async (candidate: StatefulCandidate) => {
      const { cluster } = candidate.record;
      const { resource } = await cosmos.database.container('detectionState').item(detectionStateId(cluster.resourceId, candidate.rule.id), cluster.subscriptionId).read<{ state: unknown }>();
      return resource;
    };
    const [first, second, third] = candidatesOf(everyEvent.slice(0, 3)).map((candidate) => [candidate]);
    const start = NOW.getTime();

    it('when batches bring observations that raise nothing within the minute, then nothing is written until the minute is over, then one write holds them all', async () => {
      const cache = createDetectionStateCache(() => start, MINUTE);
      const early = [await applyAt(first ?? [], cache, start), await applyAt(second ?? [], cache, start + 20_000)];

      expect(early.flatMap((result) => result.findings)).toEqual([]);
      expect(early.map((result) => result.stats.writes)).toEqual([0, 0]);
      expect(cache.pendingObservations).toBe(2);
      expect(await stored((first ?? [])[0] as StatefulCandidate)).toBeUndefined();

      const due = await applyAt([], cache, start + MINUTE);
      expect(due.stats).toEqual({ reads: 0, writes: 1, conflicts: 0 });
      expect(cache.pendingObservations).toBe(0);
      expect(JSON.stringify(await stored((first ?? [])[0] as StatefulCandidate))).toContain((second ?? [])[0]?.evidenceId);
    });

    it('when an observation completes the burst, then it is written at once with the pending ones and the alert is not late', async () => {
      const cache = createDetectionStateCache(() => start, MINUTE);
      await applyAt(first ?? [], cache, start);
      await applyAt(second ?? [], cache, start + 1_000);
      const completing = await applyAt(third ?? [], cache, start + 2_000);

      expect(completing.findings).toHaveLength(1);
      expect(completing.stats.writes).toBe(1);
      expect(cache.pendingObservations).toBe(0);
    });

    it('when two instances each keep half of a burst unwritten, then the second one to write judges both halves together and the burst fires once', async () => {
      const caches = [createDetectionStateCache(() => start, MINUTE), createDetectionStateCache(() => start, MINUTE)];
      const findings = [];
      findings.push(...(await applyAt(first ?? [], caches[0] as DetectionStateCache, start)).findings);
      findings.push(...(await applyAt([...(second ?? []), ...(third ?? [])], caches[1] as DetectionStateCache, start + 1_000)).findings);
      // Alone, the second instance's two secrets are no burst either; nothing is written yet.
      expect(findings).toEqual([]);

      const flushes = [await applyAt([], caches[0] as DetectionStateCache, start + MINUTE), await applyAt([], caches[1] as DetectionStateCache, start + MINUTE + 1_000)];
      findings.push(...flushes.flatMap((flush) => flush.findings));

      expect(findings).toHaveLength(1);
      expect(flushes[1]?.stats.conflicts).toBe(1);
      // The finding is on an event of an earlier batch: its origin comes with it (none was given here).
      expect(flushes[1]?.origins.size).toBe(0);
    });

    it('when the instance dies with observations unwritten, then the store lacks exactly those, and a replay by the next instance brings them back once', async () => {
      const dying = createDetectionStateCache(() => start, MINUTE);
      await applyAt(first ?? [], dying, start);
      await applyAt([], dying, start + MINUTE); // written
      await applyAt(second ?? [], dying, start + MINUTE + 1_000); // pending when it dies
      const storedAfterDeath = JSON.stringify(await stored((first ?? [])[0] as StatefulCandidate));
      expect(storedAfterDeath).toContain((first ?? [])[0]?.evidenceId);
      expect(storedAfterDeath).not.toContain((second ?? [])[0]?.evidenceId);

      const next = createDetectionStateCache(() => start, MINUTE);
      const replayed = await applyAt([...(second ?? []), ...(third ?? [])], next, start + MINUTE + 5_000);
      expect(replayed.findings).toHaveLength(1);
      const again = await applyAt([...(second ?? []), ...(third ?? [])], next, start + MINUTE + 6_000);
      expect(again.findings.map((finding) => evidenceIdOf(finding.record))).toEqual(replayed.findings.map((finding) => evidenceIdOf(finding.record)));
      expect(again.stats.writes).toBe(0);
    });

    it('when a batch of another partition applies an observation while the idle flush is writing, then that observation stays pending and is written next', async () => {
      const cache = createDetectionStateCache(() => start, MINUTE);
      await applyAt(first ?? [], cache, start);
      // The flush's write awaits the store; the batch's observation lands in the same document meanwhile (one event loop).
      const [flushed, applied] = await Promise.all([flushDueDetectionState(cosmos.database, cache, new Date(start + MINUTE)), applyAt(second ?? [], cache, start + 30_000)]);
      expect(flushed.writes).toBe(1);
      expect(applied.stats.writes).toBe(0);
      expect(cache.pendingObservations).toBe(1);

      const next = await applyAt([], cache, start + 2 * MINUTE);
      expect(next.stats.writes).toBe(1);
      expect(cache.pendingObservations).toBe(0);
      const written = JSON.stringify(await stored((first ?? [])[0] as StatefulCandidate));
      expect(written).toContain((first ?? [])[0]?.evidenceId);
      expect(written).toContain((second ?? [])[0]?.evidenceId);
    });

    it('when the idle flush finds due observations, then it writes them without judging; when another instance wrote meanwhile, then it leaves them for the next batch', async () => {
      const cache = createDetectionStateCache(() => start, MINUTE);
      await applyAt(first ?? [], cache, start);
      expect((await flushDueDetectionState(cosmos.database, cache, new Date(start + 30_000))).writes).toBe(0);
      expect(await flushDueDetectionState(cosmos.database, cache, new Date(start + MINUTE))).toEqual({ reads: 0, writes: 1, conflicts: 0 });
      expect(cache.pendingObservations).toBe(0);

      await applyAt(second ?? [], cache, start + MINUTE + 1_000);
      await applyAt(third ?? [], createDetectionStateCache(() => start, 0), start + MINUTE + 2_000); // another instance writes
      const lost = await flushDueDetectionState(cosmos.database, cache, new Date(start + 3 * MINUTE));
      expect(lost).toEqual({ reads: 0, writes: 1, conflicts: 1 });
      expect(cache.pendingObservations).toBe(1);
      const judged = await applyAt([], cache, start + 3 * MINUTE + 1_000);
      expect(judged.stats.reads).toBe(1);
      expect(cache.pendingObservations).toBe(0);
    });
  });
});
