import { secretGetBurst } from '../../../shared/detection/rules/audit/secret-get-burst';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { type IngestionDependencies } from '../../../shared/ingestion/processEventBatch';
import { queryAlerts } from '../../../shared/store/alertStore';
import { createDetectionStateCache, type DetectionStateCache } from '../../../shared/store/detectionStateStore';
import { aksMessage, aksResourceId, AUDIT_HUB, auditBatch, diagnosticRecord } from '../../support/auditMessages';
import { watchedSince } from '../../support/clusterWatches';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { planSubscriptions } from '../../support/planSubscriptions';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * The stateful rules' observations written at most once a minute (DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS) through the
 * pipeline: quiet observations wait, what raises an alert is written in its batch, and observations judged again later
 * (another instance wrote meanwhile) raise their alert on the event they came from.
 */

const MINUTE = 60_000;
const burst = secretGetBurst.timelines?.find((timeline) => timeline.expect === 'alert');
if (burst === undefined) throw new Error('secret-get-burst has no alerting timeline');
const [read1, read2, read3] = burst.events as Record<string, unknown>[];

let cosmos: TestCosmos;
const newSubscription = planSubscriptions(() => cosmos.database, { idPrefix: '7e100000-0000-4000-8000', enabledAtUtc: '2026-11-01T00:00:00.000Z' });

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

/** One instance: its own state cache (with the interval) and a clock the test moves. */
function instance(cache: DetectionStateCache, clock: { nowMs: number }): IngestionDependencies {
  return ingestionDependencies(cosmos.database, new Date(clock.nowMs), { detectionStateCache: cache, now: () => new Date(clock.nowMs) });
}

function batchOf(subscriptionId: string, events: readonly (Record<string, unknown> | undefined)[], partitionId: string, firstSequenceNumber: number) {
  const records = events.map((event) => diagnosticRecord(event as Record<string, unknown>, { resourceId: aksResourceId(subscriptionId) }));
  return auditBatch([aksMessage(records)], { partitionId, firstSequenceNumber });
}

describe('processAuditBatch: stateful observations written at most once a minute', () => {
  it('when reads that raise nothing arrive batch after batch within the minute, then no state is written; the read that completes the burst writes in its batch and raises its alert there', async () => {
    const sub = await newSubscription();
    await watchedSince(cosmos.database, aksResourceId(sub), '2026-11-01T00:00:00.000Z');
    const clock = { nowMs: Date.parse('2026-11-02T16:33:00.000Z') };
    const dependencies = instance(createDetectionStateCache(() => clock.nowMs, MINUTE), clock);

    const first = await processAuditBatch(batchOf(sub, [read1], '0', 0), dependencies);
    clock.nowMs += 10_000;
    const second = await processAuditBatch(batchOf(sub, [read2], '0', 1), dependencies);
    clock.nowMs += 10_000;
    const third = await processAuditBatch(batchOf(sub, [read3], '0', 2), dependencies);

    // Each read feeds several stateful rules (the burst, first secret access, the service account's addresses, ...).
    expect([first, second].map(({ summary }) => summary.stateful)).toEqual([
      expect.objectContaining({ findings: 0, writes: 0 }),
      expect.objectContaining({ findings: 0, reads: 0, writes: 0 }),
    ]);
    expect(first.summary.stateful.candidates).toBeGreaterThan(0);
    // The completing read writes the burst's state (with the pending reads) in its batch; the rules it raised nothing for wait.
    expect(third.summary.stateful).toMatchObject({ findings: 1, writes: 1 });
    expect(third.summary.alerts.created).toBe(1);
    const { alerts } = await queryAlerts(cosmos.database, sub, {}, { top: 10 });
    expect(alerts.map((alert) => alert.alertType)).toEqual([secretGetBurst.alertType]);
  });

  it('when another instance wrote the state meanwhile, then the pending reads are judged again with its read at the next minute, and the alert names the earlier event at its own position', async () => {
    const sub = await newSubscription();
    await watchedSince(cosmos.database, aksResourceId(sub), '2026-11-01T00:00:00.000Z');
    const clock = { nowMs: Date.parse('2026-11-02T16:33:00.000Z') };
    const keeping = instance(createDetectionStateCache(() => clock.nowMs, MINUTE), clock);
    const writingAtOnce = instance(createDetectionStateCache(() => clock.nowMs, 0), clock);

    // Instance A (partition 0) keeps two reads unwritten; instance B (partition 1) writes the third at once: alone it is no burst.
    const kept = await processAuditBatch(batchOf(sub, [read1, read2], '0', 0), keeping);
    const written = await processAuditBatch(batchOf(sub, [read3], '1', 0), writingAtOnce);
    expect(kept.summary.stateful).toMatchObject({ findings: 0, writes: 0 });
    expect(written.summary.stateful.findings).toBe(0);
    expect(written.summary.stateful.writes).toBeGreaterThan(0);

    // A minute later, A's next batch (an event no stateful rule watches) writes what it kept: a lost race, judged again.
    clock.nowMs += MINUTE;
    const later = await processAuditBatch(batchOf(sub, [], '0', 1), keeping);

    expect(later.summary.stateful).toMatchObject({ candidates: 0, findings: 1 });
    expect(later.summary.cosmos.conflicts).toBeGreaterThan(0);
    expect(later.summary.alerts.created).toBe(1);
    const { alerts } = await queryAlerts(cosmos.database, sub, {}, { top: 10 });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alertType).toBe(secretGetBurst.alertType);
    // Raised on a read of partition 0's first batch, counted at that event's position.
    expect(alerts[0]?.evidenceAuditIds.some((id) => id === read1?.auditID || id === read2?.auditID)).toBe(true);
    expect(alerts[0]?.ingestedThrough).toEqual({ [`${AUDIT_HUB}/0`]: 0 });
  });
});
