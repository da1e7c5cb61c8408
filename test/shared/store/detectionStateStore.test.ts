import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { secretGetBurst } from '../../../shared/detection/rules/audit/secret-get-burst';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { type StatefulCandidate } from '../../../shared/detection/stateful/statefulCandidate';
import { applyStatefulRulesStored, createDetectionStateCache, type DetectionStateCache } from '../../../shared/store/detectionStateStore';
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
});
