import fc from 'fast-check';
import { auditSignal, nodeSignal, type BatchSignal } from '../../shared/ingestion/batchSignal';
import { processEventBatch } from '../../shared/ingestion/processEventBatch';
import { toDeadLetter } from '../../shared/store/deadLetterStore';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { aksMessage, aksResourceId, auditBatch, benignEvent, diagnosticRecord, INGEST_SUBSCRIPTION, OTHER_INGEST_SUBSCRIPTION } from '../support/auditMessages';
import { FuzzTally, fuzzParameters, timedAsync } from '../support/fuzzBudget';
import { anyJson, type Json, mutatedJson, mutatedText, oddString, pathologicalText, variantTexts } from '../support/fuzzInputs';
import { auditEventSeeds, auditTextSeeds, auditValueSeeds, diagnosticRecordOf, nodeEventSeeds, nodeTextSeeds } from '../support/fuzzSeeds';
import { ingestionDependencies } from '../support/ingestionDependencies';
import { benignExecEvent, nodeBatch, onCluster } from '../support/nodeMessages';
import { startTestCosmos, type TestCosmos } from '../support/testCosmos';

/*
 * Issue "Fuzzing every input": a batch with a fuzzed message beside a good one goes through the whole pipeline (decode,
 * plan gating, rules, stateful rules, alerts, inventory, dead letters, usage) against the in-process Cosmos server and
 * completes: every record of every message is an event or a counted skip (dead-lettered unless sampled), the good
 * message's event is analyzed, nothing throws. Few runs: each batch writes to the store.
 */

const NOW = new Date('2026-11-22T10:05:00.000Z');
/**
 * A batch's time bound: every unusable record is one dead-letter write, so the bound grows with the records (an NDJSON
 * message of 6,000 `{}` lines is 6,000 dead letters and took 5.2 s against the in-process server).
 */
const BATCH_TIME_LIMIT_IN_MS = 3_000;
const TIME_PER_RECORD_IN_MS = 2;
const OWNER = { principalId: 'fuzz-setup', principalName: 'fuzz setup' };

let cosmos: TestCosmos;
beforeAll(async () => {
  cosmos = await startTestCosmos();
  for (const subscriptionId of [INGEST_SUBSCRIPTION, OTHER_INGEST_SUBSCRIPTION]) {
    await upsertPlan(cosmos.database, changePlan(subscriptionId, undefined, { enabled: true, by: OWNER, now: new Date('2026-01-01T00:00:00Z') }));
  }
});
afterAll(async () => {
  await cosmos.close();
});

/** An event whose request body nests `depth` deep: decodable, but deeper than any recursion over it can go. */
function deeplyNestedEventText(depth: number): string {
  const event = JSON.stringify({ ...benignEvent('deep-1', '2026-11-22T10:00:00.000Z'), verb: 'create', requestObject: '@' });
  return event.replace('"@"', '{"spec":'.repeat(depth) + '{}' + '}'.repeat(depth));
}

const auditEvents = auditEventSeeds();
const fuzzedAuditMessage: fc.Arbitrary<unknown> = fc.oneof(
  mutatedJson(auditValueSeeds()),
  fc.array(fc.oneof(mutatedJson(auditEvents as Json[]).map((event) => diagnosticRecordOf(event)), anyJson), { maxLength: 4 }).map((records) => ({ records })),
  variantTexts(auditEvents).map((log) => aksMessage([diagnosticRecord(log)])),
  mutatedText(auditTextSeeds()),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"records":[${JSON.stringify(diagnosticRecord('@')).replace('"@"', JSON.stringify(deeplyNestedEventText(depth)))}]}`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"records":[{"category":"kube-audit","resourceId":"${aksResourceId()}","properties":{"log":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`),
  anyJson,
  oddString,
  pathologicalText,
);

const nodeEvents = nodeEventSeeds().map((event) => onCluster(event));
const fuzzedNodeMessage: fc.Arbitrary<unknown> = fc.oneof(
  mutatedJson(nodeEvents as Json[]),
  fc.array(mutatedJson(nodeEvents as Json[]), { maxLength: 4 }),
  variantTexts(nodeEvents),
  mutatedText(nodeTextSeeds()),
  anyJson,
  oddString,
  pathologicalText,
);

/** Records each message decodes to on its own: what the batch must account for. */
function recordsOf(signal: BatchSignal, body: unknown): number {
  const decoded = signal.decode(body);
  return decoded.records.length + decoded.skipped.length;
}

async function expectBatchCompletes(signal: BatchSignal, good: unknown, fuzzed: unknown, sequenceNumber: number, tally: FuzzTally): Promise<void> {
  const batch = (signal === auditSignal ? auditBatch : nodeBatch)([good, fuzzed], { firstSequenceNumber: sequenceNumber });
  const { result, elapsedInMs } = await timedAsync(() => processEventBatch(batch, signal, ingestionDependencies(cosmos.database, NOW)));
  const { summary } = result;
  const skipped = Object.values(summary.skipped).reduce((sum, count) => sum + count, 0);
  const records = recordsOf(signal, good) + recordsOf(signal, fuzzed);

  expect(elapsedInMs).toBeLessThan(BATCH_TIME_LIMIT_IN_MS + TIME_PER_RECORD_IN_MS * records);
  expect(summary.events + skipped).toBe(records);
  expect(summary.deadLettered).toBeLessThanOrEqual(skipped);
  expect(summary.analyzed).toBeGreaterThanOrEqual(1);
  for (const reason of Object.keys(summary.skipped)) expect(reason.length).toBeGreaterThan(0);
  tally.count(summary.events > 1 ? 'accepted' : 'refused', elapsedInMs);
}

describe('the batch processor under fuzzing', () => {
  let sequenceNumber = 1_000;

  it('when an audit batch holds a fuzzed message beside a good one, then it completes and every record is an event or a counted skip', async () => {
    const tally = new FuzzTally('batch processor: audit batch with a fuzzed message');
    await fc.assert(
      fc.asyncProperty(fuzzedAuditMessage, async (fuzzed) => {
        sequenceNumber += 2;
        const good = aksMessage([diagnosticRecord(benignEvent(`good-${sequenceNumber}`, '2026-11-22T10:00:00.000Z'))]);
        await expectBatchCompletes(auditSignal, good, fuzzed, sequenceNumber, tally);
      }),
      fuzzParameters(0.3),
    );
    tally.report();
  });

  it('when a node batch holds a fuzzed message beside a good one, then it completes and every record is an event or a counted skip', async () => {
    const tally = new FuzzTally('batch processor: node batch with a fuzzed message');
    await fc.assert(
      fc.asyncProperty(fuzzedNodeMessage, async (fuzzed) => {
        sequenceNumber += 2;
        const good = onCluster(benignExecEvent('2026-11-22T10:00:00.000Z', `good-${sequenceNumber}`));
        await expectBatchCompletes(nodeSignal, good, fuzzed, sequenceNumber, tally);
      }),
      fuzzParameters(0.2),
    );
    tally.report();
  });
});

describe('the batch processor: regressions found by fuzzing', () => {
  it('when a dead-lettered record nests arrays 20,000 deep, then its dead letter says so instead of throwing', () => {
    const raw = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) as unknown;
    const source = { eventHubName: 'hub', consumerGroup: 'cg', partitionId: '0', sequenceNumber: 1, offset: '0', enqueuedTimeUtc: NOW.toISOString(), recordIndex: 0 };

    const letter = toDeadLetter({ source, reason: 'notAnAuditEvent', detail: 'deep', raw }, NOW);

    expect(letter.raw).toMatch(/^\(not written as JSON: /);
  });

  it('when an audit batch holds a diagnostic record whose log nests arrays 20,000 deep, then the batch completes with the record dead-lettered', async () => {
    const deep = `{"records":[{"category":"kube-audit","resourceId":"${aksResourceId()}","properties":{"log":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]}`;
    const good = aksMessage([diagnosticRecord(benignEvent('good-deep', '2026-11-22T10:00:00.000Z'))]);

    const { summary } = await processEventBatch(auditBatch([good, deep], { firstSequenceNumber: 90 }), auditSignal, ingestionDependencies(cosmos.database, NOW));

    expect(summary).toMatchObject({ events: 1, skipped: { notAnAuditEvent: 1 }, deadLettered: 1 });
  });

  it('when an audit event\'s request body nests 20,000 deep, then the batch completes', async () => {
    const message = `{"records":[${JSON.stringify(diagnosticRecord('@')).replace('"@"', JSON.stringify(deeplyNestedEventText(20_000)))}]}`;

    const { summary } = await processEventBatch(auditBatch([message], { firstSequenceNumber: 95 }), auditSignal, ingestionDependencies(cosmos.database, NOW));

    expect(summary.events + Object.values(summary.skipped).reduce((sum, count) => sum + count, 0)).toBe(1);
  });
});
