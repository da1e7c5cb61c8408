import fc from 'fast-check';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { SkipReason } from '../../shared/kubernetes/skipReason';
import { decodeNodeInput, type DecodedNodeInput } from '../../shared/node/decodeNodeInput';
import { aksResourceId } from '../support/auditMessages';
import { FuzzTally, fuzzParameters, timed } from '../support/fuzzBudget';
import { anyJson, asBytes, bounded, type Json, mutatedJson, mutatedText, oddString, pathologicalText, variantTexts } from '../support/fuzzInputs';
import { nodeEventSeeds, nodeTextSeeds } from '../support/fuzzSeeds';

/*
 * Issue "Fuzzing every input": decodeNodeInput over anything the node-events hub can carry: Tetragon's
 * GetEventsResponse lines, falcosidekick alerts, NDJSON, arrays, Fluent Bit and Vector wrappers, broken and
 * pathological versions of each. It never throws, takes at most a second per input (up to 64 KB) and accounts for
 * every record; the same events give the same records whether sent as a JSON array or as NDJSON.
 */

const TIME_LIMIT_IN_MS = 1_000;
const CLUSTER = parseClusterResourceId(aksResourceId()) as ClusterIdentity;
const SKIP_REASONS = new Set<string>(Object.values(SkipReason));

const events = nodeEventSeeds();
const texts = nodeTextSeeds();

const brokenEvent: fc.Arbitrary<Json> = fc.oneof({ arbitrary: mutatedJson(events as Json[]), weight: 4 }, anyJson, oddString);
/** What shippers put around a line: Fluent Bit's `log`, Vector's `message`, as text or as an object. */
const wrapped: fc.Arbitrary<Json> = fc.tuple(brokenEvent, fc.constantFrom('log', 'message'), fc.boolean()).map(([event, key, asText]) => ({
  [key]: asText ? JSON.stringify(event) : event,
  cluster_resource_id: aksResourceId(),
  stream: 'stdout',
}));

const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: brokenEvent, weight: 4 },
  { arbitrary: wrapped, weight: 2 },
  { arbitrary: fc.array(fc.oneof(brokenEvent, wrapped), { maxLength: 4 }), weight: 2 },
  { arbitrary: fc.array(fc.oneof(brokenEvent, wrapped), { minLength: 1, maxLength: 4 }).map((lines) => lines.map((line) => JSON.stringify(line)).join('\n')), weight: 2 },
  { arbitrary: mutatedText(texts), weight: 3 },
  { arbitrary: variantTexts(events), weight: 2 },
  { arbitrary: anyJson.map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: oddString, weight: 1 },
  { arbitrary: asBytes(mutatedText(texts)), weight: 1 },
  { arbitrary: pathologicalText, weight: 1 },
);

function expectAccounted(decoded: DecodedNodeInput): void {
  expect(decoded.records.length + decoded.skipped.length).toBe(decoded.nextIndex);
  for (const skipped of decoded.skipped) {
    expect(SKIP_REASONS.has(skipped.reason)).toBe(true);
    expect(typeof skipped.detail === 'string' && skipped.detail.length > 0).toBe(true);
  }
  for (const record of decoded.records) expect(record.signal).toBe('node');
}

describe('decodeNodeInput under fuzzing', () => {
  it('when any input is decoded, with or without a cluster, then it never throws, takes under a second and accounts for every record', () => {
    const tally = new FuzzTally('node decoder: any input');
    fc.assert(
      fc.property(anyInput, fc.boolean(), (raw, withCluster) => {
        const input = typeof raw === 'string' ? bounded(raw) : raw;
        const { result, elapsedInMs } = timed(() => decodeNodeInput(input, withCluster ? { cluster: CLUSTER } : {}));
        expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
        expectAccounted(result);
        tally.count(result.records.length > 0 ? 'accepted' : 'refused', elapsedInMs);
      }),
      fuzzParameters(),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });

  it('when the same events are sent as a JSON array and as NDJSON, then they decode to the same records and skips', () => {
    const tally = new FuzzTally('node decoder: JSON array = NDJSON');
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedJson(events as Json[]), fc.constantFrom(...(events as Json[]))), { minLength: 2, maxLength: 5 }), (lines) => {
        const objects = lines.filter((line) => typeof line === 'object' && line !== null && !Array.isArray(line));
        const asArray = decodeNodeInput(JSON.stringify(objects), { cluster: CLUSTER });
        const { result: asLines, elapsedInMs } = timed(() => decodeNodeInput(objects.map((line) => JSON.stringify(line)).join('\n'), { cluster: CLUSTER }));
        expect(asLines.records).toEqual(asArray.records);
        expect(asLines.skipped.map((s) => [s.reason, s.source.index])).toEqual(asArray.skipped.map((s) => [s.reason, s.source.index]));
        tally.count(asLines.records.length > 0 ? 'accepted' : 'refused', elapsedInMs);
      }),
      fuzzParameters(),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
  });
});

describe('decodeNodeInput: regressions found by fuzzing', () => {
  it('when arrays are nested 30,000 deep, then the input is one skipped record, not a stack overflow', () => {
    const decoded = decodeNodeInput('['.repeat(30_000) + ']'.repeat(30_000));

    expect(decoded.records).toEqual([]);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.notANodeEvent]);
    expect(decoded.skipped[0]?.detail).toMatch(/nested/);
  });
});
