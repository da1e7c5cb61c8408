import { InvocationContext } from '@azure/functions';
import { ingestAuditEventsFunction } from '../../functions/ingestAuditEvents';
import { ingestNodeEvents, ingestNodeEventsFunction } from '../../functions/ingestNodeEvents';
import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { listDeadLetters } from '../../shared/store/deadLetterStore';
import { isTransientStoreError } from '../../shared/store/transientFaults';
import { getUsage } from '../../shared/store/usageStore';
import { deliverWithRetry, type LoggingContext, triggerContextFor, useIngestionTriggerHarness } from '../support/ingestionTriggerHarness';
import { type ProxiedRequest } from '../support/faultInjectingProxy';
import { benignExecEvent, minerEvent, ndjson, nodeBatch, nodeTime, nsenterEvent, onCluster, reverseShellEvent } from '../support/nodeMessages';

/*
 * The node-events trigger as the host runs it: the input array and `triggerMetadata` of a batch, the
 * retry policy, and a store behind a proxy that answers with the faults Azure Cosmos DB gives.
 */

const harness = useIngestionTriggerHarness('9a000000');
const enabledSubscription = (): Promise<string> => harness.enabledSubscription();

/** NDJSON messages as the node webhook sends them: an attack and a routine exec per message. */
function nodeTraffic(subscriptionId: string, partitionId: string, messages = 3): EventBatch {
  const attacks = [reverseShellEvent, minerEvent, nsenterEvent];
  return nodeBatch(
    Array.from({ length: messages }, (_, i) =>
      ndjson([onCluster((attacks[i % attacks.length] ?? minerEvent)(nodeTime(1, i), `${partitionId}-${i}`), subscriptionId), onCluster(benignExecEvent(nodeTime(1, i), `${partitionId}-benign-${i}`), subscriptionId)]),
    ),
    { partitionId },
  );
}

const trigger = { name: 'ingestNodeEvents', handler: ingestNodeEvents, options: ingestNodeEventsFunction.options };
const contextFor = (batch: EventBatch, retryCount?: number): LoggingContext => triggerContextFor(trigger, batch, retryCount);
const deliver = (batch: EventBatch): ReturnType<typeof deliverWithRetry> => deliverWithRetry(trigger, batch);

const usageWrites = (request: ProxiedRequest): boolean => request.kind === 'write' && request.path.includes('/colls/usage/');

describe('ingestNodeEvents: the trigger', () => {
  it('when the function is defined, then it reads the node-events hub named by settings with its consumer group and the EVENTHUB identity, many at a time, with the audit trigger\'s retry policy', () => {
    expect(ingestNodeEventsFunction.options).toMatchObject({
      eventHubName: '%NODE_EVENTHUB_NAME%',
      consumerGroup: '%NODE_EVENTHUB_CONSUMER_GROUP%',
      connection: 'EVENTHUB',
      cardinality: 'many',
      retry: { strategy: 'exponentialBackoff', maxRetryCount: -1 },
    });
    expect(ingestNodeEventsFunction.options.retry).toEqual(ingestAuditEventsFunction.options.retry);
  });

  it('when a batch is processed, then one node summary line is logged with the counts, usage is metered on the node meter, and no payload is logged', async () => {
    const sub = await enabledSubscription();
    const batch = nodeTraffic(sub, 'log-1', 2);
    const context = contextFor(batch);
    await ingestNodeEvents(batch.messages.map((m) => m.body), context);

    const summaries = context.logs.filter((log) => log.message.startsWith('ingestion batch '));
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(summaries[0]!.message.slice('ingestion batch '.length)) as Record<string, unknown>;
    expect(summary).toMatchObject({ signal: 'node', stream: 'node-events/log-1', messages: 2, events: 4, analyzed: 4, deadLettered: 0 });
    expect(await getUsage(harness.store.database, sub, '2026-11-22T10:00:00.000Z')).toMatchObject({ eventsAnalyzed: 0, nodeEventsAnalyzed: 4 });
    const everything = context.logs.map((log) => log.message).join('\n');
    expect(everything).not.toContain('203.0.113.7');
    expect(everything).not.toContain('/dev/tcp');
    expect(everything).not.toContain(sub);
  });
});

describe('ingestNodeEvents: faults', () => {
  it('when the store answers 503 to the usage write, then the batch is retried and in the end every event is counted once', async () => {
    const sub = await enabledSubscription();
    harness.store.proxy.failNext(2, { status: 503, match: usageWrites });
    const outcome = await deliver(nodeTraffic(sub, 'fault-503'));
    expect(outcome).toMatchObject({ ok: true, attempts: 3 });
    expect(outcome.errors.every(isTransientStoreError)).toBe(true);
    expect((await getUsage(harness.store.database, sub, '2026-11-22T10:00:00.000Z'))?.nodeEventsAnalyzed).toBe(6);
  });

  it('when the store rejects the usage as bad data (400), then the function does not throw: the batch is dead-lettered once', async () => {
    const sub = await enabledSubscription();
    harness.store.proxy.failNext(1, { status: 400, match: usageWrites });
    const outcome = await deliver(nodeTraffic(sub, 'fault-400', 2));
    expect(outcome).toMatchObject({ ok: true, attempts: 1 });
    const letters = await listDeadLetters(harness.store.database, 'fault-400');
    expect(letters.map((l) => [l.eventHubName, l.sequenceNumber, l.reason])).toEqual([
      ['node-events', 0, 'processingFailed'],
      ['node-events', 1, 'processingFailed'],
    ]);
  });

  it('when the trigger metadata lacks sequence numbers, then the events are dead-lettered and the function does not throw', async () => {
    const sub = await enabledSubscription();
    const batch = nodeTraffic(sub, 'no-metadata', 1);
    const context = new InvocationContext({ functionName: 'ingestNodeEvents', invocationId: 'test', triggerMetadata: { partitionContext: {} }, logHandler: () => undefined });
    await expect(ingestNodeEvents(batch.messages.map((m) => m.body), context)).resolves.toBeUndefined();
    expect((await listDeadLetters(harness.store.database, 'unknown')).map((l) => l.reason)).toContain('invalidTriggerMetadata');
    expect(await getUsage(harness.store.database, sub, '2026-11-22T10:00:00.000Z')).toBeUndefined();
  });
});
