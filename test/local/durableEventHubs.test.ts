import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubLog } from '../../local/hubStateFile';
import { LocalEventHubs } from '../../local/localEventHubs';
import { createMemoryLogger } from '../../local/localLogger';
import { defineEventHubFunction } from '../../shared/functions/defineFunction';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

/*
 * The local Event Hubs with their logs on disk: an instance that is abandoned without stop() stands for a runtime killed
 * with SIGKILL (nothing of it runs any more that could save anything); a new instance over the same folder is the restart.
 */

interface Delivery {
  bodies: unknown[];
  sequenceNumbers: number[];
}

/** One consumer of hub 'audit'; its handler is given, by default one that records and succeeds. */
function durableHubs(directory: string, handler?: (delivery: Delivery) => Promise<void>, deliveries: Delivery[] = []): LocalEventHubs {
  return new LocalEventHubs({
    functions: [
      defineEventHubFunction('ingest', {
        eventHubName: 'audit',
        connection: 'EVENTHUB',
        cardinality: 'many',
        handler: (messages, context) => {
          const delivery = { bodies: messages as unknown[], sequenceNumbers: context.triggerMetadata?.['sequenceNumberArray'] as number[] };
          deliveries.push(delivery);
          return handler === undefined ? Promise.resolve() : handler(delivery);
        },
      }),
    ],
    resolve: (expression) => expression,
    maxEventBatchSize: 2,
    namespace: 'local',
    logger: createMemoryLogger(),
    durableDirectory: directory,
  });
}

const never = (): Promise<void> => new Promise(() => undefined);

describe('LocalEventHubs with durableDirectory', () => {
  const folder = createTemporaryDirectory('argus-hubs-');
  afterAll(() => folder.remove());
  let case_ = 0;
  const freshDirectory = (): string => join(folder.path, `case-${++case_}`);

  it('when the runtime is killed while a batch runs, then after the restart every accepted event is delivered from the last checkpoint, numbering continued', async () => {
    const directory = freshDirectory();
    let calls = 0;
    // The first batch completes (checkpointed); the second hangs: the kill comes while it runs.
    const killed = durableHubs(directory, () => (++calls === 1 ? Promise.resolve() : never()));
    killed.restoreState([]);
    killed.enqueue('audit', ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(2);

    const deliveries: Delivery[] = [];
    const restarted = durableHubs(directory, undefined, deliveries);
    expect(restarted.restoreState([])).toEqual([]);
    await restarted.whenIdle();
    restarted.enqueue('audit', ['{"n":5}']);
    await restarted.whenIdle();
    expect(deliveries.map((d) => d.sequenceNumbers)).toEqual([[2, 3], [4], [5]]);
    expect(deliveries.flatMap((d) => d.bodies)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  });

  it('when a batch succeeded but the runtime died before its checkpoint was written, then that batch is delivered again, as Event Hubs does', async () => {
    const directory = freshDirectory();
    const first = durableHubs(directory);
    first.restoreState([]);
    first.enqueue('audit', ['{"n":0}', '{"n":1}']);
    await first.whenIdle();
    // Put the checkpoint back where it was before the batch: the kill fell between the handler's return and the write.
    const checkpointsPath = join(HubLog.directoryOf(directory, 'audit'), 'checkpoints.json');
    const saved = JSON.parse(readFileSync(checkpointsPath, 'utf8')) as { checkpoints: Record<string, number> };
    expect(saved.checkpoints).toEqual({ 'ingest/$Default': 2 });
    writeFileSync(checkpointsPath, JSON.stringify({ ...saved, checkpoints: { 'ingest/$Default': 0 } }));

    const deliveries: Delivery[] = [];
    const restarted = durableHubs(directory, undefined, deliveries);
    restarted.restoreState([]);
    await restarted.whenIdle();
    expect(deliveries.map((d) => d.sequenceNumbers)).toEqual([[0, 1]]);
  });

  it('when a kill cut the last line of the log short, then the unacknowledged line is dropped and new events follow the last whole one', async () => {
    const directory = freshDirectory();
    const hubs = durableHubs(directory, never);
    hubs.restoreState([]);
    hubs.enqueue('audit', ['{"n":0}']);
    const partition = join(HubLog.directoryOf(directory, 'audit'), '0');
    const [segment] = readdirSync(partition);
    appendFileSync(join(partition, segment as string), '{"s":1,"o":"7","t":"2026-11-22T10:00:00.000","b":"{\\"n\\"');

    const deliveries: Delivery[] = [];
    const restarted = durableHubs(directory, undefined, deliveries);
    restarted.restoreState([]);
    restarted.enqueue('audit', ['{"n":1}']);
    await restarted.whenIdle();
    expect(deliveries.flatMap((d) => d.bodies)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(deliveries.flatMap((d) => d.sequenceNumbers)).toEqual([0, 1]);
  });

  it('when every consumer has passed every event, then a restart keeps the numbering and offsets going, and delivers nothing again', async () => {
    const directory = freshDirectory();
    const first = durableHubs(directory);
    first.restoreState([]);
    first.enqueue('audit', ['{"n":0}', '{"n":1}', '{"n":2}']);
    await first.whenIdle();
    await first.stop();

    const deliveries: Delivery[] = [];
    const offsets: string[] = [];
    const restarted = durableHubs(directory, undefined, deliveries);
    restarted.restoreState([]);
    await restarted.whenIdle();
    expect(deliveries).toEqual([]);
    expect(restarted.enqueue('audit', ['{"n":3}'])).toMatchObject({ firstSequenceNumber: 3 });
    await restarted.whenIdle();
    expect(deliveries.map((d) => d.sequenceNumbers)).toEqual([[3]]);
    const opened = HubLog.open(HubLog.directoryOf(directory, 'audit'));
    offsets.push(...opened.events.map((event) => event.offset));
    expect(offsets[offsets.length - 1]).toBe('21');
  });

  it('when the data folder holds the state file of an earlier version, then its pending events are adopted into the log and survive a kill', async () => {
    const directory = freshDirectory();
    const legacy = durableHubs(directory, never);
    const state = [
      {
        hubName: 'audit',
        firstSequenceNumber: 7,
        nextOffset: 60,
        events: [{ body: '{"n":7}', sequenceNumber: 7, offset: '53', enqueuedTimeUtc: '2026-11-22T10:00:00.000' }],
        checkpoints: { 'ingest/$Default': 7 },
      },
    ];
    expect(legacy.restoreState(state)).toEqual([]);

    const deliveries: Delivery[] = [];
    const restarted = durableHubs(directory, undefined, deliveries);
    restarted.restoreState([]);
    restarted.enqueue('audit', ['{"n":8}']);
    await restarted.whenIdle();
    expect(deliveries.flatMap((d) => d.sequenceNumbers)).toEqual([7, 8]);
  });

  it('when a hub no function binds any more still has undelivered events on disk, then it is reported', () => {
    const directory = freshDirectory();
    const opened = HubLog.open(HubLog.directoryOf(directory, 'gone'));
    opened.log.append([{ body: '1', sequenceNumber: 0, offset: '0', enqueuedTimeUtc: '2026-11-22T10:00:00.000' }]);
    const hubs = durableHubs(directory);
    expect(hubs.restoreState([])).toEqual(['gone']);
  });
});
