import { HttpRequest, InvocationContext } from '@azure/functions';
import { createEventHubEndpoint } from '../../local/eventHubEndpoint';
import { LocalEventHubs, type LocalEventHubsOptions } from '../../local/localEventHubs';
import { createMemoryLogger } from '../../local/localLogger';
import { defineEventHubFunction, type EventHubFunctionDefinition } from '../../shared/functions/defineFunction';

const identity = (expression: string): string => expression;

/** Local hubs with test defaults: names used as given, batches of 10, logs kept in memory. */
function localHubs(functions: EventHubFunctionDefinition[], overrides: Partial<LocalEventHubsOptions> = {}): LocalEventHubs {
  return new LocalEventHubs({ functions, resolve: identity, maxEventBatchSize: 10, namespace: 'local', logger: createMemoryLogger(), ...overrides });
}

describe('LocalEventHubs', () => {
  it('when a batch fails and there is no retry policy, then it is logged and the checkpoint moves past it, as in Azure', async () => {
    const seen: unknown[][] = [];
    const logger = createMemoryLogger();
    const hubs = localHubs(
      [
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
      { maxEventBatchSize: 2, logger },
    );
    hubs.enqueue('audit', ['1', '2', '3']);
    await hubs.whenIdle();
    expect(seen).toEqual([[1, 2], [3]]);
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      expect.stringContaining('audit[0..1] (2 events) failed after 1 attempt(s)'),
    ]);
  });

  it('when the function has cardinality one, then each event comes alone with single-event metadata', async () => {
    const seen: { message: unknown; metadata: unknown }[] = [];
    const hubs = localHubs(
      [
        defineEventHubFunction('consumeOne', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          handler: (message: unknown, context: InvocationContext) => {
            seen.push({ message, metadata: context.triggerMetadata });
            return Promise.resolve();
          },
        }),
      ],
    );
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
    const hubs = localHubs([consumer('a', 'detection'), consumer('b', 'archive')]);
    hubs.enqueue('AUDIT', ['1']); // hub names are case-insensitive
    await hubs.whenIdle();
    expect(groups.sort()).toEqual(['archive', 'detection']);
  });
});

describe('LocalEventHubs state across restarts', () => {
  it('when the runtime stops while a batch is being retried, then the batch is kept and delivered after the restart, with numbering continued', async () => {
    const failing = localHubs(
      [
        defineEventHubFunction('ingest', {
          eventHubName: 'audit',
          connection: 'EVENTHUB',
          cardinality: 'many',
          retry: { strategy: 'fixedDelay', maxRetryCount: -1, delayInterval: 60_000 },
          handler: () => Promise.reject(new Error('store unavailable')),
        }),
      ],
    );
    failing.enqueue('audit', ['{"n":1}', '{"n":2}']);
    await new Promise((resolve) => setImmediate(resolve));
    await failing.stop();
    const saved = failing.exportState();
    expect(saved).toEqual([
      expect.objectContaining({ hubName: 'audit', firstSequenceNumber: 0, checkpoints: { 'ingest/$Default': 0 } }),
    ]);

    const received: { messages: unknown; sequenceNumbers: unknown }[] = [];
    const restarted = localHubs(
      [
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
    );
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
    const hubs = localHubs([]);
    const orphan = { hubName: 'gone', firstSequenceNumber: 0, nextOffset: 1, events: [{ body: '1', sequenceNumber: 0, offset: '0', enqueuedTimeUtc: '2026-11-22T10:00:00.000' }], checkpoints: {} };
    expect(hubs.restoreState([orphan])).toEqual(['gone']);
  });
});

describe('createEventHubEndpoint (POST /api/local/eventhubs/{hubName}/messages)', () => {
  /** A node-events hub whose consumer records what it is handed, as the Node worker hands it over. */
  function nodeHub(): { hubs: LocalEventHubs; seen: unknown[] } {
    const seen: unknown[] = [];
    const hubs = localHubs([
      defineEventHubFunction('consumeNodeEvents', {
        eventHubName: 'node-events',
        connection: 'EVENTHUB',
        cardinality: 'many',
        handler: (messages) => {
          seen.push(...(messages as unknown[]));
          return Promise.resolve();
        },
      }),
    ]);
    return { hubs, seen };
  }
  const post = (hubs: LocalEventHubs, body: string, contentType: string) =>
    createEventHubEndpoint(hubs).handler(
      new HttpRequest({ url: 'http://127.0.0.1/api/local/eventhubs/node-events/messages', method: 'POST', headers: { 'content-type': contentType }, body: { string: body }, params: { hubName: 'node-events' } }),
      new InvocationContext({ functionName: 'local.eventHubs' }),
    );

  it('when NDJSON is posted, then the whole body is one text event (as the node webhook sends it), not a JSON document', async () => {
    const { hubs, seen } = nodeHub();
    const body = '{"process_exec":{"process":{"binary":"/bin/sh"}}}\n{"process_exec":{"process":{"binary":"/bin/id"}}}';
    expect(await post(hubs, body, 'application/x-ndjson')).toMatchObject({ status: 202, jsonBody: { hubName: 'node-events', accepted: 1 } });
    await hubs.whenIdle();
    expect(seen).toEqual([body]);
  });

  it('when a JSON array is posted as application/json (or a +json type), then each element is one event', async () => {
    const { hubs, seen } = nodeHub();
    expect(await post(hubs, '[{"a":1},"line"]', 'application/json; charset=utf-8')).toMatchObject({ status: 202, jsonBody: { accepted: 2 } });
    expect(await post(hubs, '{"b":2}', 'application/cloudevents+json')).toMatchObject({ status: 202, jsonBody: { accepted: 1 } });
    await hubs.whenIdle();
    expect(seen).toEqual([{ a: 1 }, 'line', { b: 2 }]);
  });
});
