import { type Alert } from '../../../shared/alerts/alert';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { type IngestionDependencies } from '../../../shared/ingestion/processEventBatch';
import { type AlertChangedEvent, readAlertChangedEvent } from '../../../shared/messaging/alertChangedEvents';
import { isTransientStoreError } from '../../../shared/store/transientFaults';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord, privilegedPodEvent } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { planSubscriptions } from '../../support/planSubscriptions';
import { RecordingPublisher } from '../../support/recordingPublisher';
import { storedAlertsOf } from '../../support/storedAlerts';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/*
 * The ingestion pipeline's side of the push export: every alert it creates or changes is published to the
 * alert-events hub after the write, at least once, with the version that was stored.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');

let cosmos: TestCosmos;
/** A subscription of its own, with the plan enabled, for each test. */
const enabledSubscription = planSubscriptions(() => cosmos.database, { idPrefix: '7f000000-0000-4000-8000', enabledAtUtc: '2026-11-22T09:00:00.000Z' });

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

function dependencies(alertEvents: RecordingPublisher): IngestionDependencies {
  return ingestionDependencies(cosmos.database, NOW, { alertEvents });
}

/** Privileged pods created on the subscription's cluster, one message each, at 10:10:ss: an alert per pod name. */
function privilegedPodBatch(subscriptionId: string, pods: readonly { auditId: string; name: string }[], partitionId: string, firstSequenceNumber = 0) {
  return auditBatch(
    pods.map(({ auditId, name }, index) =>
      aksMessage([diagnosticRecord(privilegedPodEvent(auditId, `2026-11-22T10:10:${String(index).padStart(2, '0')}.000000Z`, name), { resourceId: aksResourceId(subscriptionId) })]),
    ),
    { partitionId, firstSequenceNumber },
  );
}

function eventsOf(publisher: RecordingPublisher): AlertChangedEvent[] {
  return publisher.take().map((body) => {
    const reading = readAlertChangedEvent(body);
    if (!reading.ok) throw new Error(reading.problem);
    return reading.event;
  });
}

const stateOf = (a: Pick<Alert, 'id' | 'version' | 'lastModifiedUtc'>): string => `${a.id}@${a.version}@${a.lastModifiedUtc}`;
const statesOfEvents = (events: readonly AlertChangedEvent[]): string[] =>
  events.map((event) => stateOf({ id: event.alertId, version: event.version, lastModifiedUtc: event.lastModifiedUtc })).sort();
const statesOfAlerts = (alerts: readonly Alert[]): string[] => alerts.map(stateOf).sort();

describe('processAuditBatch: alert-changed events', () => {
  it('when a batch creates alerts and a later batch updates one, then one event per created or updated alert is published with the stored version, keyed by subscription', async () => {
    const sub = await enabledSubscription();
    const publisher = new RecordingPublisher();

    const { summary } = await processAuditBatch(privilegedPodBatch(sub, [{ auditId: 'pub-1', name: 'shell-a' }, { auditId: 'pub-2', name: 'shell-b' }], 'pub-a'), dependencies(publisher));
    const partitionKeys = [...publisher.partitionKeys];
    const created = eventsOf(publisher);
    const stored = await storedAlertsOf(cosmos.database, sub);
    expect(stored.length).toBeGreaterThan(0);
    expect(summary.published).toBe(created.length);
    expect(statesOfEvents(created)).toEqual(statesOfAlerts(stored));
    expect(partitionKeys.every((key) => key === sub)).toBe(true);
    expect(created.every((event) => event.version === 1 && event.subscriptionId === sub && event.alert.version === 1)).toBe(true);
    for (const event of created) expect(event.alert).not.toHaveProperty('ingestedThrough');

    // The same pod again, later in the stream: the alert it belongs to is updated (one more occurrence).
    await processAuditBatch(privilegedPodBatch(sub, [{ auditId: 'pub-3', name: 'shell-a' }], 'pub-a', 10), dependencies(publisher));
    const updated = eventsOf(publisher);
    const after = await storedAlertsOf(cosmos.database, sub);
    const changed = after.filter((alert) => alert.version > 1);
    expect(changed).toHaveLength(1);
    expect(statesOfEvents(updated)).toEqual(statesOfAlerts(changed));
    expect(updated[0]?.version).toBe(2);
  });

  it('when the same batch is delivered again, then the same states are published again and no version is bumped', async () => {
    const sub = await enabledSubscription();
    const publisher = new RecordingPublisher();
    const batch = privilegedPodBatch(sub, [{ auditId: 'again-1', name: 'shell-a' }, { auditId: 'again-2', name: 'shell-b' }], 'pub-b');

    await processAuditBatch(batch, dependencies(publisher));
    const first = eventsOf(publisher);
    const storedFirst = await storedAlertsOf(cosmos.database, sub);
    const { summary } = await processAuditBatch(batch, dependencies(publisher));
    const second = eventsOf(publisher);
    const storedSecond = await storedAlertsOf(cosmos.database, sub);

    expect(first.length).toBeGreaterThan(0);
    expect(summary.alerts).toMatchObject({ created: 0, updated: 0 });
    expect(statesOfAlerts(storedSecond)).toEqual(statesOfAlerts(storedFirst));
    expect(statesOfEvents(second)).toEqual(statesOfEvents(first));
  });

  it('when publishing fails, then the batch throws a transient error after the alerts were written, and the batch run again publishes them', async () => {
    const sub = await enabledSubscription();
    const publisher = new RecordingPublisher();
    publisher.failWith = new Error('alert-events hub unreachable');
    const batch = privilegedPodBatch(sub, [{ auditId: 'fail-1', name: 'shell-a' }, { auditId: 'fail-2', name: 'shell-b' }], 'pub-c');

    const failure = await processAuditBatch(batch, dependencies(publisher)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTransientStoreError(failure)).toBe(true);
    expect((failure as Error).message).toContain('alert-events hub unreachable');
    const written = await storedAlertsOf(cosmos.database, sub);
    expect(written.length).toBeGreaterThan(0);
    expect(publisher.bodies).toEqual([]);

    publisher.failWith = undefined;
    await processAuditBatch(batch, dependencies(publisher));
    const published = eventsOf(publisher);
    expect(statesOfEvents(published)).toEqual(statesOfAlerts(written));
    expect(statesOfAlerts(await storedAlertsOf(cosmos.database, sub))).toEqual(statesOfAlerts(written));
  });
});

describe('slow alert writes and the export settle time', () => {
  it('when an alert write takes longer than half the settle time from stamp to acknowledgement, then it is written again with a fresh stamp and that version is published', async () => {
    const subscriptionId = await enabledSubscription();
    const alertEvents = new RecordingPublisher();
    // Every reading of the clock is 6 s after the previous one: each write is acknowledged more than
    // 5 s (half of the 10 s settle time) after the stamp it carries.
    let tick = 0;
    const slowClock = (): Date => new Date(NOW.getTime() + 6_000 * tick++);
    const { summary } = await processAuditBatch(privilegedPodBatch(subscriptionId, [{ auditId: 'slow-1', name: 'slow-pod' }], 'slow-0'), {
      ...dependencies(alertEvents),
      now: slowClock,
    });

    expect(summary.alerts).toMatchObject({ created: 1, restamped: 1 });
    const [stored] = await storedAlertsOf(cosmos.database, subscriptionId);
    expect(stored?.version).toBe(2);
    expect(Date.parse(stored?.lastModifiedUtc ?? '')).toBeGreaterThan(Date.parse(stored?.timeGeneratedUtc ?? ''));
    const [event] = alertEvents.takeParsed<AlertChangedEvent>();
    expect(event).toMatchObject({ alertId: stored?.id, version: 2, lastModifiedUtc: stored?.lastModifiedUtc });
  });

  it('when alert writes are quick, then nothing is written twice', async () => {
    const subscriptionId = await enabledSubscription();
    const { summary } = await processAuditBatch(privilegedPodBatch(subscriptionId, [{ auditId: 'quick-1', name: 'quick-pod' }], 'quick-0'), dependencies(new RecordingPublisher()));
    expect(summary.alerts).toMatchObject({ created: 1, restamped: 0 });
    expect((await storedAlertsOf(cosmos.database, subscriptionId))[0]?.version).toBe(1);
  });
});
