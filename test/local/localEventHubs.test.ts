import type { InvocationContext } from '@azure/functions';
import { LocalEventHubs } from '../../local/localEventHubs';
import { createMemoryLogger } from '../../local/localLogger';
import { defineEventHubFunction } from '../../shared/functions/defineFunction';

const identity = (expression: string): string => expression;

describe('LocalEventHubs', () => {
  it('when a batch fails and there is no retry policy, then it is logged and the checkpoint moves past it, as in Azure', async () => {
    const seen: unknown[][] = [];
    const logger = createMemoryLogger();
    const hubs = new LocalEventHubs({
      functions: [
        defineEventHubFunction('consume', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          cardinality: 'many',
          handler: (messages) => {
            seen.push(messages as unknown[]);
            return seen.length === 1 ? Promise.reject(new Error('bad batch')) : Promise.resolve();
          },
        }),
      ],
      resolve: identity,
      maxEventBatchSize: 2,
      namespace: 'local',
      logger,
    });
    hubs.enqueue('audit', ['1', '2', '3']);
    await hubs.whenIdle();
    expect(seen).toEqual([[1, 2], [3]]);
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      expect.stringContaining('audit[0..1] (2 events) failed after 1 attempt(s)'),
    ]);
  });

  it('when the function has cardinality one, then each event comes alone with single-event metadata', async () => {
    const seen: { message: unknown; metadata: unknown }[] = [];
    const hubs = new LocalEventHubs({
      functions: [
        defineEventHubFunction('consumeOne', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          handler: (message: unknown, context: InvocationContext) => {
            seen.push({ message, metadata: context.triggerMetadata });
            return Promise.resolve();
          },
        }),
      ],
      resolve: identity,
      maxEventBatchSize: 10,
      namespace: 'local',
      logger: createMemoryLogger(),
    });
    hubs.enqueue('audit', ['{"a":1}', 'ab'], new Date('2026-11-22T10:00:00.000Z'));
    await hubs.whenIdle();
    expect(seen).toEqual([
      { message: { a: 1 }, metadata: expect.objectContaining({ sequenceNumber: 0, offset: '0', enqueuedTimeUtc: '2026-11-22T10:00:00.000' }) as unknown },
      { message: 'ab', metadata: expect.objectContaining({ sequenceNumber: 1, offset: '7' }) as unknown },
    ]);
  });

  it('when two functions consume one hub, then each gets every event under its own consumer group', async () => {
    const groups: string[] = [];
    const consumer = (name: string, consumerGroup: string) =>
      defineEventHubFunction(name, {
        eventHubName: 'audit',
        consumerGroup,
        connection: 'EVENTHUB',
        cardinality: 'many',
        handler: (_m, context) => {
          groups.push((context.triggerMetadata?.['partitionContext'] as { consumerGroup: string }).consumerGroup);
          return Promise.resolve();
        },
      });
    const hubs = new LocalEventHubs({
      functions: [consumer('a', 'detection'), consumer('b', 'archive')],
      resolve: identity,
      maxEventBatchSize: 10,
      namespace: 'local',
      logger: createMemoryLogger(),
    });
    hubs.enqueue('AUDIT', ['1']); // hub names are case-insensitive
    await hubs.whenIdle();
    expect(groups.sort()).toEqual(['archive', 'detection']);
  });
});

describe('LocalEventHubs state across restarts', () => {
  it('when the runtime stops while a batch is being retried, then the batch is kept and delivered after the restart, with numbering continued', async () => {
    const failing = new LocalEventHubs({
      functions: [
        defineEventHubFunction('ingest', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          cardinality: 'many',
          retry: { strategy: 'fixedDelay', maxRetryCount: -1, delayInterval: 60_000 },
          handler: () => Promise.reject(new Error('store unavailable')),
        }),
      ],
      resolve: identity,
      maxEventBatchSize: 10,
      namespace: 'local',
      logger: createMemoryLogger(),
    });
    failing.enqueue('audit', ['{"n":1}', '{"n":2}']);
    await new Promise((resolve) => setImmediate(resolve));
    await failing.stop();
    const saved = failing.exportState();
    expect(saved).toEqual([
      expect.objectContaining({ hubName: 'audit', firstSequenceNumber: 0, checkpoints: { 'ingest/$Default': 0 } }),
    ]);

    const received: { messages: unknown; sequenceNumbers: unknown }[] = [];
    const restarted = new LocalEventHubs({
      functions: [
        defineEventHubFunction('ingest', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          cardinality: 'many',
          handler: (messages, context) => {
            received.push({ messages, sequenceNumbers: context.triggerMetadata?.['sequenceNumberArray'] });
            return Promise.resolve();
          },
        }),
      ],
      resolve: identity,
      maxEventBatchSize: 10,
      namespace: 'local',
      logger: createMemoryLogger(),
    });
    expect(restarted.restoreState(saved)).toEqual([]);
    await restarted.whenIdle();
    restarted.enqueue('audit', ['{"n":3}']);
    await restarted.whenIdle();
    expect(received).toEqual([
      { messages: [{ n: 1 }, { n: 2 }], sequenceNumbers: [0, 1] },
      { messages: [{ n: 3 }], sequenceNumbers: [2] },
    ]);
  });

  it('when saved events belong to a hub no function binds any more, then the hub is reported', () => {
    const hubs = new LocalEventHubs({ functions: [], resolve: identity, maxEventBatchSize: 10, namespace: 'local', logger: createMemoryLogger() });
    const orphan = { hubName: 'gone', firstSequenceNumber: 0, nextOffset: 1, events: [{ body: '1', sequenceNumber: 0, offset: '0', enqueuedTimeUtc: '2026-11-22T10:00:00.000' }], checkpoints: {} };
    expect(hubs.restoreState([orphan])).toEqual(['gone']);
  });
});
