import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { listDeadLetters } from '../../../shared/store/deadLetterStore';
import { aksMessage, auditBatch, diagnosticRecord, privilegedPodEvent } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * A message full of garbage (found by the fuzz suite: 6,000 `{}` lines cost 6,000 writes) costs a bounded number of
 * dead letters, and loses none of its records: past ten letters per message and reason, one letter holds the rest.
 */

const NOW = new Date('2026-11-22T10:10:00.000Z');
let cosmos: TestCosmos;
beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

describe('dead letters of a message full of garbage', () => {
  const garbage = Array.from({ length: 2_000 }, (_, index) => diagnosticRecord(`not json ${index}`));
  const body = aksMessage([...garbage, diagnosticRecord(privilegedPodEvent('fold-good-1', '2026-11-22T10:05:00.000Z'))]);

  it('when one message holds 2,000 unusable records (under the 1 MB Event Hubs limit), then 11 dead letters are written, the eleventh holding the other 1,990 raw records, and the good record is decoded', async () => {
    const { summary } = await processAuditBatch(auditBatch([body], { partitionId: 'fold-1', firstSequenceNumber: 7 }), ingestionDependencies(cosmos.database, NOW));

    const letters = await listDeadLetters(cosmos.database, 'fold-1');
    expect(letters).toHaveLength(11);
    expect(summary.deadLettered).toBe(11);
    expect(Object.values(summary.skipped).reduce((sum, count) => sum + (count ?? 0), 0)).toBe(2_000);
    expect(letters.slice(0, 10).map((letter) => [letter.recordIndex, letter.records])).toEqual(Array.from({ length: 10 }, (_, index) => [index, undefined]));
    const folded = letters[10];
    expect(folded).toMatchObject({ recordIndex: 10, records: 1_990, rawTruncated: false });
    const raws = JSON.parse(folded?.raw ?? '[]') as unknown[];
    expect(raws).toHaveLength(1_990);
    expect(JSON.stringify(raws[0])).toContain('not json 10');
    expect(JSON.stringify(raws.at(-1))).toContain('not json 1999');
    expect(folded?.detail).toMatch(/^1990 more records of this message from record 10 on/);
    // The good record was decoded (no plan is on for its subscription here, so it is gated, not lost).
    expect(Object.values(summary.gated)).toEqual([1]);
  });

  it('when the same batch is delivered again, then the same 11 letters are overwritten, not added', async () => {
    await processAuditBatch(auditBatch([body], { partitionId: 'fold-1', firstSequenceNumber: 7 }), ingestionDependencies(cosmos.database, NOW));
    expect(await listDeadLetters(cosmos.database, 'fold-1')).toHaveLength(11);
  });
});
