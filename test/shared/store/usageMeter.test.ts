import { SeededRandom } from '../../../bench/seededRandom';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { UsageMeter } from '../../../shared/store/usageMeter';
import { getUsage, type UsageDocument, usageDocumentId, type UsageIncrement, usageHourOf } from '../../../shared/store/usageStore';
import { aksMessage, aksResourceId, auditBatch, benignEvent, diagnosticRecord } from '../../support/auditMessages';
import { startFaultInjectingCosmos, type FaultInjectingCosmos } from '../../support/faultInjectingCosmos';
import { ingestionDependencies } from '../../support/ingestionDependencies';

/*
 * The per-instance usage meter against the in-process Cosmos server through the real SDK, behind the fault-injecting
 * proxy so that the requests the store receives are counted where they arrive.
 */

const MINUTE = 60_000;
const HOUR = '2026-11-22T10:00:00.000Z';
const T0 = Date.parse('2026-11-22T10:05:00.000Z');
const STREAM = 'insights-logs-kube-audit/0';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };

let cosmos: FaultInjectingCosmos;
let subscriptionCounter = 0;

beforeAll(async () => {
  cosmos = await startFaultInjectingCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

function newSubscription(): string {
  subscriptionCounter++;
  return `5b000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
}

/** What processEventBatch builds for one message: its events of one subscription, by cluster. */
function increment(subscriptionId: string, sequenceNumber: number, events = 2, options: { stream?: string; hourStartUtc?: string; cluster?: string } = {}): UsageIncrement {
  return {
    subscriptionId,
    signal: 'audit',
    hourStartUtc: options.hourStartUtc ?? HOUR,
    position: { stream: options.stream ?? STREAM, sequenceNumber },
    eventsByCluster: { [options.cluster ?? 'aks-shop-prod']: events },
  };
}

/** Messages `from`..`to` (inclusive) of a stream, two events each. */
function messages(subscriptionId: string, from: number, to: number, options: { stream?: string } = {}): UsageIncrement[] {
  return Array.from({ length: to - from + 1 }, (_, i) => increment(subscriptionId, from + i, 2, options));
}

/** One batch as processEventBatch meters it: add, then write the stream's counts if they are due. */
async function meterBatch(meter: UsageMeter, increments: readonly UsageIncrement[], now: Date): Promise<{ reads: number; writes: number; pendingEvents: number }> {
  const added = await meter.add(increments, now);
  const flushed = await meter.flushDue(now, { stream: increments[0]?.position.stream ?? STREAM });
  return { reads: added.reads + flushed.reads, writes: added.writes + flushed.writes, pendingEvents: flushed.pendingEvents };
}

function storeRequests(): { reads: number; writes: number; queries: number } {
  const { byKind } = cosmos.proxy.stats();
  return { reads: byKind.read.requests, writes: byKind.write.requests, queries: byKind.query.requests };
}

async function countedEvents(subscriptionId: string, hours: readonly string[] = [HOUR]): Promise<number> {
  let events = 0;
  for (const hour of hours) events += (await getUsage(cosmos.database, subscriptionId, hour))?.eventsAnalyzed ?? 0;
  return events;
}

describe('UsageMeter: store requests', () => {
  it('when many batches of one partition arrive within a minute, then the store gets one write per document and no read after the first', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    cosmos.proxy.resetStats();

    const perBatch = [];
    for (let batch = 0; batch < 30; batch++) perBatch.push(await meterBatch(meter, messages(sub, batch * 5, batch * 5 + 4), new Date(T0 + batch * 1_000)));
    expect(storeRequests()).toEqual({ reads: 1, writes: 0, queries: 0 });
    expect(perBatch[0]).toEqual({ reads: 1, writes: 0, pendingEvents: 10 });
    expect(perBatch.slice(1).every((requests) => requests.reads === 0 && requests.writes === 0)).toBe(true);

    // A minute after the first unwritten count: the next batch writes; then another minute of batches, another write.
    expect(await meterBatch(meter, messages(sub, 150, 154), new Date(T0 + MINUTE))).toEqual({ reads: 0, writes: 1, pendingEvents: 0 });
    for (let batch = 0; batch < 30; batch++) await meterBatch(meter, messages(sub, 155 + batch * 5, 159 + batch * 5), new Date(T0 + MINUTE + 1_000 + batch * 1_000));
    await meterBatch(meter, messages(sub, 305, 305), new Date(T0 + 2 * MINUTE + 1_000));

    expect(storeRequests()).toEqual({ reads: 1, writes: 2, queries: 0 });
    expect(meter.stats).toMatchObject({ reads: 1, writes: 2, conflicts: 0, written: 306 * 2, lost: 0 });
    expect(await getUsage(cosmos.database, sub, HOUR)).toMatchObject({ eventsAnalyzed: 306 * 2, eventsByCluster: { 'aks-shop-prod': 612 }, ingestedThrough: { [STREAM]: 305 } });
  });

  it('when a minute passes (the clock passed in), then the next batch flushes; when nothing arrives, then flushDue writes the last counts', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });

    await meterBatch(meter, messages(sub, 0, 9), new Date(T0));
    expect(await meterBatch(meter, messages(sub, 10, 19), new Date(T0 + MINUTE - 1))).toMatchObject({ writes: 0, pendingEvents: 40 });
    expect(await getUsage(cosmos.database, sub, HOUR)).toBeUndefined();
    expect(await meterBatch(meter, messages(sub, 20, 29), new Date(T0 + MINUTE))).toMatchObject({ writes: 1, pendingEvents: 0 });
    expect(await countedEvents(sub)).toBe(60);

    // The partition goes quiet: only the idle flush can write its last counts, once they are a minute old.
    await meterBatch(meter, messages(sub, 30, 34), new Date(T0 + MINUTE + 5_000));
    expect(await meter.flushDue(new Date(T0 + 2 * MINUTE))).toMatchObject({ writes: 0, pendingEvents: 10 });
    expect(await meter.flushDue(new Date(T0 + 2 * MINUTE + 5_000))).toMatchObject({ writes: 1, pendingEvents: 0 });
    expect(await countedEvents(sub)).toBe(70);
  });

  it('when a partition goes quiet, then the idle timer writes its counts without another batch', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: 50 });
    const errors: unknown[] = [];
    const stop = meter.startTimer(10, (error) => errors.push(error));
    try {
      await meter.add(messages(sub, 0, 4), new Date());
      expect(await countedEvents(sub)).toBe(0);
      const deadline = Date.now() + 5_000;
      while ((await countedEvents(sub)) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await countedEvents(sub)).toBe(10);
      expect(meter.pendingEventsOf()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      stop();
    }
  });

  it('when the idle timer\'s write fails, then the failure is reported, the counts are kept and the next tick writes them', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: 0 });
    await meter.add(messages(sub, 0, 4), new Date());
    const errors: unknown[] = [];
    cosmos.proxy.failNext(1, { status: 503, match: (request) => request.kind === 'write' && request.path.includes('/colls/usage/') });
    const stop = meter.startTimer(10, (error) => errors.push(error));
    try {
      const deadline = Date.now() + 5_000;
      while ((await countedEvents(sub)) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      stop();
    }
    expect(errors).toEqual([expect.objectContaining({ code: 503 })]);
    expect(await countedEvents(sub)).toBe(10);
    expect(cosmos.proxy.pendingFaults()).toBe(0);
  });
});

describe('UsageMeter: layout', () => {
  it('when two partitions of one subscription are metered, then they write different documents and getUsage sums them', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await meterBatch(meter, messages(sub, 0, 9, { stream: 'insights-logs-kube-audit/0' }), new Date(T0));
    await meterBatch(meter, [increment(sub, 100, 3, { stream: 'insights-logs-kube-audit/1', cluster: 'aks-shop-dev' })], new Date(T0));
    await meter.flush(new Date(T0 + 1_000));

    const { resources } = await cosmos.database
      .container('usage')
      .items.query<UsageDocument>({ query: 'SELECT * FROM c WHERE c.subscriptionId = @s', parameters: [{ name: '@s', value: sub }] }, { partitionKey: sub })
      .fetchAll();
    expect(resources.map((document) => [document.id, document.stream, document.countedThrough, document.eventsAnalyzed]).sort()).toEqual([
      [`${HOUR}|insights-logs-kube-audit~2F0`, 'insights-logs-kube-audit/0', 9, 20],
      [`${HOUR}|insights-logs-kube-audit~2F1`, 'insights-logs-kube-audit/1', 100, 3],
    ]);
    expect(await getUsage(cosmos.database, sub, HOUR)).toEqual({
      id: HOUR,
      subscriptionId: sub,
      hourStartUtc: HOUR,
      eventsAnalyzed: 23,
      eventsByCluster: { 'aks-shop-prod': 20, 'aks-shop-dev': 3 },
      nodeEventsAnalyzed: 0,
      nodeEventsByCluster: {},
      ingestedThrough: { 'insights-logs-kube-audit/0': 9, 'insights-logs-kube-audit/1': 100 },
      updatedAtUtc: new Date(T0 + 1_000).toISOString(),
    });
  });

  it('when a stream name holds characters Cosmos forbids in ids, then its document id has none of them and stays distinct', () => {
    const ids = ['hub/0', 'hub~2F0', 'hub?0', 'hub#0', 'hub\\0', 'hub%2F0'].map((stream) => usageDocumentId(HOUR, stream));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.slice(HOUR.length + 1)).not.toMatch(/[/\\?#%]/);
  });
});

describe('UsageMeter: exactly once', () => {
  it('when a batch is replayed before and after a flush, and by a fresh instance, then nothing is counted twice', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await meterBatch(meter, messages(sub, 0, 9), new Date(T0));
    await meterBatch(meter, messages(sub, 0, 9), new Date(T0 + 1_000)); // the same batch again, unwritten
    await meterBatch(meter, messages(sub, 5, 14), new Date(T0 + 2_000)); // cut differently, half new
    expect(meter.pendingEventsOf()).toBe(30);
    await meter.flush(new Date(T0 + 3_000));
    await meterBatch(meter, messages(sub, 0, 14), new Date(T0 + 4_000)); // after the write
    await meter.flush(new Date(T0 + 5_000));
    expect(meter.stats).toMatchObject({ written: 30, replayed: 60, lost: 0 });

    const fresh = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await meterBatch(fresh, messages(sub, 10, 19), new Date(T0 + 6_000));
    await fresh.flush(new Date(T0 + 7_000));
    expect(fresh.stats).toMatchObject({ reads: 1, written: 10, replayed: 10 });
    expect(await getUsage(cosmos.database, sub, HOUR)).toMatchObject({ eventsAnalyzed: 40, ingestedThrough: { [STREAM]: 19 } });
  });

  it('when another instance wrote the stream meanwhile (412), then the meter re-reads and adds only what is above the stored position, dropping what straddles it as lost', async () => {
    const sub = newSubscription();
    const logs: string[] = [];
    const a = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE, log: (message) => logs.push(message) });
    const b = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await a.add(messages(sub, 0, 9), new Date(T0));
    await a.flush(new Date(T0));
    await b.add(messages(sub, 10, 19), new Date(T0)); // B takes the partition over from A's checkpoint
    await b.flush(new Date(T0));
    await a.add(messages(sub, 20, 29), new Date(T0)); // A still believes it holds the partition
    await a.flush(new Date(T0));
    expect(a.stats).toMatchObject({ conflicts: 1, written: 40, lost: 0 });
    expect(await countedEvents(sub)).toBe(60);

    await a.add(messages(sub, 30, 39), new Date(T0));
    await b.add(messages(sub, 30, 34), new Date(T0));
    await b.flush(new Date(T0));
    await a.flush(new Date(T0));
    expect(a.stats).toMatchObject({ lost: 20 });
    expect(await getUsage(cosmos.database, sub, HOUR)).toMatchObject({ eventsAnalyzed: 70, ingestedThrough: { [STREAM]: 34 } });
    expect(logs.at(-1)).toContain('20 across it dropped as lost');
  });

  it('when the store refuses a usage write as bad data (400), then the meter drops those counts as lost and throws, and the next batch is written', async () => {
    const sub = newSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: 0, log: () => undefined });
    cosmos.proxy.failNext(1, { status: 400, match: (request) => request.kind === 'write' && request.path.includes('/colls/usage/') });
    await expect(meterBatch(meter, messages(sub, 0, 4), new Date(T0))).rejects.toMatchObject({ code: 400 });
    await meterBatch(meter, messages(sub, 5, 9), new Date(T0 + 1_000));
    expect(meter.stats).toMatchObject({ lost: 10, written: 10 });
    expect(await countedEvents(sub)).toBe(10);
  });
});

/** A partition's traffic: per message its events and when it reached the hub (two seconds apart, across an hour). */
function partitionTraffic(random: SeededRandom, count: number): { events: number; enqueuedAtMs: number }[] {
  const start = Date.parse('2026-11-22T10:52:00.000Z');
  return Array.from({ length: count }, (_, i) => ({ events: random.int(1, 4), enqueuedAtMs: start + i * 2_000 }));
}

/** Cuts `from`..`count - 1` into batches of random size (how the hub hands them to whichever instance reads). */
function cutBatches(random: SeededRandom, from: number, count: number): { first: number; last: number }[] {
  const batches = [];
  for (let first = from; first < count; ) {
    const last = Math.min(count - 1, first + random.int(1, 40) - 1);
    batches.push({ first, last });
    first = last + 1;
  }
  return batches;
}

describe('UsageMeter: an instance killed between batches', () => {
  const HOURS = ['2026-11-22T10:00:00.000Z', '2026-11-22T11:00:00.000Z'];

  it.each(Array.from({ length: 50 }, (_, seed) => [seed + 1]))(
    'when instance A is killed at a random point (seed %i) and B resumes from the checkpoint, then nothing is doubled and exactly A\'s checkpointed unwritten counts are lost',
    async (seed) => {
      const sub = newSubscription();
      const random = new SeededRandom(seed * 7919);
      const traffic = partitionTraffic(random, random.int(200, 500));
      const sent = traffic.reduce((sum, message) => sum + message.events, 0);
      const incrementsOf = ({ first, last }: { first: number; last: number }): UsageIncrement[] =>
        traffic.slice(first, last + 1).map(({ events, enqueuedAtMs }, i) => ({ ...increment(sub, first + i, events), hourStartUtc: usageHourOf(enqueuedAtMs) }));
      // Batches are processed a second after their last message reached the hub.
      const processedAt = ({ last }: { last: number }): Date => new Date((traffic[last]?.enqueuedAtMs ?? 0) + 1_000);

      const a = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
      const aBatches = cutBatches(random, 0, traffic.length);
      const killAfter = random.int(1, aBatches.length - 1); // A completes this many batches, then dies
      const checkpointBehind = random.chance(0.5); // the kill fell between A's last batch and its checkpoint
      const unwritten: { events: number }[] = []; // A's batches since its last write
      for (const batch of aBatches.slice(0, killAfter)) {
        const requests = await meterBatch(a, incrementsOf(batch), processedAt(batch));
        unwritten.push({ events: traffic.slice(batch.first, batch.last + 1).reduce((sum, message) => sum + message.events, 0) });
        // A write at the end of a batch takes everything pending, this batch's events included.
        if (requests.writes > 0) unwritten.length = 0;
      }
      // A's meter state before it is dropped: what it holds is exactly its batches since its last write.
      expect(a.pendingEventsOf()).toBe(unwritten.reduce((sum, batch) => sum + batch.events, 0));
      const checkpointed = checkpointBehind ? unwritten.slice(0, -1) : unwritten;
      const expectedLost = checkpointed.reduce((sum, batch) => sum + batch.events, 0);
      const resumeAt = (aBatches[checkpointBehind ? killAfter - 2 : killAfter - 1]?.last ?? -1) + 1;

      const b = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
      for (const batch of cutBatches(random, resumeAt, traffic.length)) await meterBatch(b, incrementsOf(batch), processedAt(batch));
      await b.flush(new Date((traffic.at(-1)?.enqueuedAtMs ?? 0) + 5_000));

      const counted = await countedEvents(sub, HOURS);
      expect(counted).toBeLessThanOrEqual(sent);
      expect(sent - counted).toBe(expectedLost);
      expect(b.stats.lost).toBe(0);
    },
  );

  it('when A is killed right after a batch that wrote its counts, then nothing is lost', async () => {
    const sub = newSubscription();
    const a = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await meterBatch(a, messages(sub, 0, 9), new Date(T0));
    expect(await meterBatch(a, messages(sub, 10, 19), new Date(T0 + MINUTE))).toMatchObject({ writes: 1, pendingEvents: 0 });
    const b = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await meterBatch(b, messages(sub, 20, 29), new Date(T0 + MINUTE + 30_000));
    await b.flush(new Date(T0 + MINUTE + 31_000));
    expect(await countedEvents(sub)).toBe(60);
  });
});

describe('processEventBatch with the instance\'s usage meter', () => {
  const BATCH_TIME = '2026-11-22T10:05:00.000Z';

  async function enabledSubscription(): Promise<string> {
    const sub = newSubscription();
    await upsertPlan(cosmos.database, changePlan(sub, undefined, { enabled: true, by: OWNER, now: new Date('2026-11-22T09:00:00.000Z') }));
    return sub;
  }

  /** Messages `first`..`first + count - 1` of partition 'kill', each with `events` benign audit events. */
  function benignBatch(sub: string, first: number, counts: readonly number[]): ReturnType<typeof auditBatch> {
    const bodies = counts.map((events, i) =>
      aksMessage(Array.from({ length: events }, (_, j) => diagnosticRecord(benignEvent(`${sub}-${first + i}-${j}`, '2026-11-22T10:04:00.000000Z'), { resourceId: aksResourceId(sub) }))),
    );
    return auditBatch(bodies, { partitionId: 'kill', firstSequenceNumber: first, enqueuedTimeUtc: BATCH_TIME });
  }

  it('when quiet batches run within a minute, then their summaries show one usage read for the first and one write after the minute', async () => {
    const sub = await enabledSubscription();
    const meter = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    const settings = new CachedSubscriptionSettings(cosmos.database, 10 * MINUTE);
    const run = async (first: number, atMs: number): Promise<unknown> =>
      (await processAuditBatch(benignBatch(sub, first, [3, 3]), ingestionDependencies(cosmos.database, new Date(atMs), { usageMeter: meter, subscriptionSettings: settings }))).summary;

    expect(await run(0, T0)).toMatchObject({ analyzed: 6, usage: { reads: 1, writes: 0, pendingEvents: 6 }, cosmos: { reads: 1, writes: 0 } });
    expect(await run(2, T0 + 20_000)).toMatchObject({ usage: { reads: 0, writes: 0, pendingEvents: 12 }, cosmos: { reads: 0, writes: 0 } });
    expect(await run(4, T0 + MINUTE)).toMatchObject({ usage: { reads: 0, writes: 1, pendingEvents: 0 }, cosmos: { reads: 0, writes: 1 } });
    expect(await countedEvents(sub)).toBe(18);
  });

  it.each([
    [101, false],
    [202, true],
    [303, false],
  ])('when the instance is killed between batches (seed %i, checkpoint one batch behind: %s), then B counts from the checkpoint and exactly the unwritten checkpointed events are lost', async (seed, checkpointBehind) => {
    const sub = await enabledSubscription();
    const random = new SeededRandom(seed);
    const counts = Array.from({ length: 300 }, () => random.int(1, 3));
    const sent = counts.reduce((sum, events) => sum + events, 0);
    const settings = new CachedSubscriptionSettings(cosmos.database, 10 * MINUTE);
    const runAll = async (meter: UsageMeter, batches: readonly { first: number; last: number }[], startMs: number): Promise<number[]> => {
      const pendingAfter: number[] = [];
      for (const [index, batch] of batches.entries()) {
        const dependencies = ingestionDependencies(cosmos.database, new Date(startMs + index * 7_000), { usageMeter: meter, subscriptionSettings: settings });
        const { summary } = await processAuditBatch(benignBatch(sub, batch.first, counts.slice(batch.first, batch.last + 1)), dependencies);
        pendingAfter.push(summary.usage.pendingEvents);
      }
      return pendingAfter;
    };

    const a = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    const aBatches = cutBatches(random, 0, counts.length);
    const killAfter = random.int(2, aBatches.length - 1);
    const pendingAfter = await runAll(a, aBatches.slice(0, killAfter), T0);
    const eventsOf = ({ first, last }: { first: number; last: number }): number => counts.slice(first, last + 1).reduce((sum, events) => sum + events, 0);
    const lastBatch = aBatches[killAfter - 1] as { first: number; last: number };
    // Unwritten at the kill: A's pending events; checkpointed among them: all, or all but its last batch's.
    const pendingAtKill = pendingAfter.at(-1) ?? 0;
    expect(a.pendingEventsOf()).toBe(pendingAtKill);
    const expectedLost = checkpointBehind ? Math.max(0, pendingAtKill - eventsOf(lastBatch)) : pendingAtKill;
    const resumeAt = checkpointBehind ? lastBatch.first : lastBatch.last + 1;

    const b = new UsageMeter(cosmos.database, { flushIntervalInMs: MINUTE });
    await runAll(b, cutBatches(random, resumeAt, counts.length), T0 + killAfter * 7_000 + 30_000);
    await b.flush();

    const counted = await countedEvents(sub);
    expect(counted).toBeLessThanOrEqual(sent);
    expect(sent - counted).toBe(expectedLost);
  });
});
