import { InvocationContext } from '@azure/functions';
import { ingestAuditEvents, ingestAuditEventsFunction } from '../../functions/ingestAuditEvents';
import { type Alert } from '../../shared/alerts/alert';
import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { listDeadLetters } from '../../shared/store/deadLetterStore';
import { getUsage } from '../../shared/store/usageStore';
import { isTransientStoreError } from '../../shared/store/transientFaults';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord, privilegedPodEvent } from '../support/auditMessages';
import { type ProxiedRequest } from '../support/faultInjectingProxy';
import { deliverWithRetry, type LoggingContext, triggerContextFor, useIngestionTriggerHarness } from '../support/ingestionTriggerHarness';
import { storedAlertsOf } from '../support/storedAlerts';

/*
 * The Event Hub function as the host runs it: the input array and `triggerMetadata` of a batch, its own
 * retry policy, and a store behind a proxy that answers with the faults Azure Cosmos DB gives.
 */

const harness = useIngestionTriggerHarness('8f000000');
const enabledSubscription = (): Promise<string> => harness.enabledSubscription();

function attackBatch(subscriptionId: string, partitionId: string, pods = 6): EventBatch {
  return auditBatch(
    Array.from({ length: pods }, (_, i) =>
      aksMessage([diagnosticRecord(privilegedPodEvent(`${partitionId}-${i}`, `2026-11-22T10:00:${String(i).padStart(2, '0')}.000000Z`), { resourceId: aksResourceId(subscriptionId) })]),
    ),
    { partitionId },
  );
}

const trigger = { name: 'ingestAuditEvents', handler: ingestAuditEvents, options: ingestAuditEventsFunction.options };
const contextFor = (batch: EventBatch, retryCount?: number): LoggingContext => triggerContextFor(trigger, batch, retryCount);
const deliver = (batch: EventBatch): ReturnType<typeof deliverWithRetry> => deliverWithRetry(trigger, batch);

function alertsOf(subscriptionId: string): Promise<Alert[]> {
  return storedAlertsOf(harness.store.database, subscriptionId);
}

const alertWrites = (request: ProxiedRequest): boolean => request.kind === 'write' && request.path.includes('/colls/alerts/');
const usageWrites = (request: ProxiedRequest): boolean => request.kind === 'write' && request.path.includes('/colls/usage/');

describe('ingestAuditEvents: the trigger and its retry policy', () => {
  it('when the function is defined, then it reads the audit hub with a consumer group and an identity-based connection from settings, many at a time, retrying without limit with exponential backoff', () => {
    expect(ingestAuditEventsFunction.options).toMatchObject({
      eventHubName: '%AUDIT_EVENTHUB_NAME%',
      consumerGroup: '%AUDIT_EVENTHUB_CONSUMER_GROUP%',
      connection: 'EVENTHUB',
      cardinality: 'many',
      retry: { strategy: 'exponentialBackoff', maxRetryCount: -1 },
    });
  });

  it('when a batch is processed, then one summary line is logged with the counts and never a payload', async () => {
    const sub = await enabledSubscription();
    const batch = attackBatch(sub, 'log-1', 2);
    const context = contextFor(batch);
    await ingestAuditEvents(batch.messages.map((m) => m.body), context);
    const summaries = context.logs.filter((log) => log.message.startsWith('ingestion batch '));
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(summaries[0]!.message.slice('ingestion batch '.length)) as Record<string, unknown>;
    expect(summary).toMatchObject({ stream: 'insights-logs-kube-audit/log-1', messages: 2, events: 2, analyzed: 2, alerts: { created: 1 } });
    const everything = context.logs.map((log) => log.message).join('\n');
    expect(everything).not.toContain('dana@contoso.com');
    expect(everything).not.toContain('log-1-0');
    expect(everything).not.toContain(sub.toUpperCase());
  });
});

describe('ingestAuditEvents: transient faults', () => {
  it('when the store answers 503 and 408 to alert writes a few times, then the batch is retried and in the end nothing is lost or duplicated', async () => {
    const sub = await enabledSubscription();
    harness.store.proxy.failNext(2, { status: 503, match: alertWrites });
    harness.store.proxy.failNext(1, { status: 408, match: alertWrites });
    const outcome = await deliver(attackBatch(sub, 'fault-503'));
    expect(outcome).toMatchObject({ ok: true, attempts: 4 });
    expect(outcome.errors.every(isTransientStoreError)).toBe(true);
    const [alert] = await alertsOf(sub);
    expect(alert).toMatchObject({ count: 6, evidenceAuditIds: ['fault-503-0', 'fault-503-1', 'fault-503-2', 'fault-503-3', 'fault-503-4', 'fault-503-5'] });
    expect((await getUsage(harness.store.database, sub, '2026-11-22T10:00:00.000Z'))?.eventsAnalyzed).toBe(6);
  });

  it('when a write succeeds but its answer is lost (connection cut), then the retry counts nothing twice', async () => {
    const sub = await enabledSubscription();
    harness.store.proxy.dropResponseOfNext(1, alertWrites);
    harness.store.proxy.dropResponseOfNext(1, usageWrites);
    const outcome = await deliver(attackBatch(sub, 'fault-drop'));
    expect(outcome.ok).toBe(true);
    expect(outcome.attempts).toBeGreaterThan(1);
    expect((await alertsOf(sub)).map((a) => a.count)).toEqual([6]);
    expect((await getUsage(harness.store.database, sub, '2026-11-22T10:00:00.000Z'))?.eventsAnalyzed).toBe(6);
  });

  it('when the store throttles (429) beyond the SDK\'s own retries, then the batch is retried until it succeeds, exactly', async () => {
    const sub = await enabledSubscription();
    // The SDK absorbs up to 9 throttled attempts of one request; the 10th reaches the function.
    harness.store.proxy.failNext(10, { status: 429, match: alertWrites });
    const outcome = await deliver(attackBatch(sub, 'fault-429'));
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect((await alertsOf(sub)).map((a) => a.count)).toEqual([6]);
  });
});

describe('ingestAuditEvents: data errors never loop', () => {
  it('when the store rejects the alert as bad data (400), then the function does not throw: the batch is dead-lettered once', async () => {
    const sub = await enabledSubscription();
    harness.store.proxy.failNext(1, { status: 400, match: alertWrites });
    const outcome = await deliver(attackBatch(sub, 'fault-400', 2));
    expect(outcome).toMatchObject({ ok: true, attempts: 1 });
    const letters = await listDeadLetters(harness.store.database, 'fault-400');
    expect(letters.map((l) => [l.sequenceNumber, l.reason])).toEqual([
      [0, 'processingFailed'],
      [1, 'processingFailed'],
    ]);
    expect(letters[0]?.raw).toContain('fault-400-0');
  });

  it('when the trigger metadata lacks sequence numbers, then the events are dead-lettered and the function does not throw', async () => {
    const sub = await enabledSubscription();
    const batch = attackBatch(sub, 'no-metadata', 1);
    const context = new InvocationContext({ functionName: 'ingestAuditEvents', invocationId: 'test', triggerMetadata: { partitionContext: {} }, logHandler: () => undefined });
    await expect(ingestAuditEvents(batch.messages.map((m) => m.body), context)).resolves.toBeUndefined();
    expect((await listDeadLetters(harness.store.database, 'unknown')).map((l) => l.reason)).toContain('invalidTriggerMetadata');
    expect(await alertsOf(sub)).toEqual([]);
  });
});
