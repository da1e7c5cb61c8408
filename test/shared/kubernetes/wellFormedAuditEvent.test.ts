import fc from 'fast-check';
import { generateAuditTraffic } from '../../../bench/generateAuditTraffic';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { schemaFastPath } from '../../../shared/kubernetes/normalizeAuditEvent';
import { wellFormedAuditEvent } from '../../../shared/kubernetes/wellFormedAuditEvent';
import { fixtureEventPool, ruleEvents } from '../../support/auditEventPool';
import { TEXT_VARIANTS, variantText } from '../../support/auditTextVariants';

/**
 * Normalization's fast path read by hand against the strict schema it stands in for: whenever the hand-read path takes
 * an event, the schema takes it too and gives the identical event. (Refusing costs only time: the schema decides then.)
 */

const FUZZING = process.env.FUZZ_DECODER_RUNS !== undefined;
const RUNS = FUZZING ? Number(process.env.FUZZ_DECODER_RUNS) : 500;
const SEED = process.env.FUZZ_DECODER_SEED !== undefined ? Number(process.env.FUZZ_DECODER_SEED) : process.env.FUZZ_DECODER_RUNS === undefined ? 20261204 : Date.now() % 2 ** 31;

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Counts of events the hand-read path took and refused, to show both were exercised. */
function expectAgreement(value: unknown, counts: { taken: number; refused: number }): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const byHand = wellFormedAuditEvent(value as Record<string, unknown>);
  if (byHand === undefined) {
    counts.refused++;
    return;
  }
  counts.taken++;
  expect(byHand).toStrictEqual(schemaFastPath(value));
}

const generatedEvents = generateAuditTraffic({ events: 2_000, seed: 7 }).messages.flatMap((message) =>
  (JSON.parse(message) as { records: { category: string; properties: { log: string } }[] }).records
    .filter((record) => record.category === 'kube-audit')
    .map((record) => JSON.parse(record.properties.log) as Record<string, unknown>),
);

describe('wellFormedAuditEvent', () => {
  test('when it reads the generator’s, the fixtures’ and the rules’ events, then it takes the well-formed ones and gives what the schema gives', () => {
    const counts = { taken: 0, refused: 0 };
    for (const event of [...generatedEvents, ...fixtureEventPool, ...ruleEvents]) expectAgreement(event, counts);
    expect(counts.taken).toBeGreaterThan(2_000);
    // The trimmed fixtures need repairs: left to the schema.
    expect(counts.refused).toBeGreaterThan(20);
  });

  test('when events are rewritten or broken in any of the fuzzed ways, then what it takes the schema takes identically', () => {
    const pool = [...ruleEvents, ...fixtureEventPool];
    const counts = { taken: 0, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...pool), fc.constantFrom(...TEXT_VARIANTS), fc.integer(), (event, variant, seed) => {
        expectAgreement(parsedOrUndefined(variantText(event, variant, seed)), counts);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (FUZZING) console.log(`fuzz:decoder: fuzzed events read by hand ${counts.taken}, left to the schema ${counts.refused}`);
    expect(counts.taken).toBeGreaterThan(RUNS / 5);
    expect(counts.refused).toBeGreaterThan(RUNS / 50);
  });

  test('when any field of a real event is replaced by any JSON value, then what it takes the schema takes identically', () => {
    const counts = { taken: 0, refused: 0 };
    const fields = ['auditID', 'level', 'stage', 'verb', 'requestURI', 'user', 'impersonatedUser', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations'];
    fc.assert(
      fc.property(fc.constantFrom(...generatedEvents.slice(0, 200)), fc.constantFrom(...fields), fc.jsonValue(), fc.boolean(), fc.nat(), (event, field, value, nested, pick) => {
        const inner = event[field];
        const keys = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? Object.keys(inner) : [];
        // One level down: one of the object's own fields (user.groups, objectRef.name, responseStatus.code, ...).
        const replaced =
          nested && keys.length > 0 ? { ...event, [field]: { ...(inner as object), [keys[pick % keys.length] as string]: value } } : { ...event, [field]: value };
        expectAgreement(replaced, counts);
      }),
      { numRuns: RUNS * 4, seed: SEED },
    );
    if (FUZZING) console.log(`fuzz:decoder: events with a field replaced read by hand ${counts.taken}, left to the schema ${counts.refused}`);
    expect(counts.taken).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  test('when each field and each field one level down of real events is set to each kind of value, then what it takes the schema takes identically', () => {
    const values: unknown[] = [null, 0, 1.5, -1, 1000, 200, '', 'Mixed-Case', '2026-12-04 10:00:00', [], ['a'], [1], {}, { a: 'b' }, { a: ['b'] }, true];
    const counts = { taken: 0, refused: 0 };
    const samples = [...generatedEvents.filter((event) => event.impersonatedUser !== undefined || event.responseStatus !== undefined).slice(0, 20), ...ruleEvents.slice(0, 20)];
    for (const event of samples) {
      for (const [field, inner] of Object.entries(event)) {
        for (const value of values) {
          expectAgreement({ ...event, [field]: value }, counts);
          if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) continue;
          for (const key of Object.keys(inner)) expectAgreement({ ...event, [field]: { ...inner, [key]: value } }, counts);
        }
      }
    }
    expect(counts.taken).toBeGreaterThan(1_000);
  });

  test('when the decoder reads a message, then its events are the same as the schema alone would give', () => {
    const message = generateAuditTraffic({ events: 300, seed: 3 }).messages[0] as string;
    for (const record of decodeAuditInput(message).records) {
      const { event } = record;
      expect(schemaFastPath(JSON.parse(JSON.stringify(event)))).toStrictEqual(event);
    }
  });
});
