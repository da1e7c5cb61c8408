import fc from 'fast-check';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput, type DecodedAuditInput } from '../../shared/kubernetes/decodeAuditInput';
import { SkipReason } from '../../shared/kubernetes/skipReason';
import { aksResourceId } from '../support/auditMessages';
import { FuzzTally, fuzzParameters, timed } from '../support/fuzzBudget';
import { anyJson, asBytes, bounded, type Json, mutatedJson, mutatedText, oddString, pathologicalText, variantTexts } from '../support/fuzzInputs';
import { auditEventSeeds, auditTextSeeds, auditValueSeeds, diagnosticRecordOf } from '../support/fuzzSeeds';

/*
 * Issue "Fuzzing every input": decodeAuditInput over anything a hub message, a webhook body or a file can be: AKS
 * diagnostic messages, raw events, EventLists, NDJSON, arrays, the trimmed and exported shapes, the CloudWatch, Elastic
 * and Splunk envelopes, broken and pathological versions of each. It never throws, takes at most a second per input
 * (up to 64 KB), accounts for every record (an event, or a skip with a reason and a detail), and what it accepts
 * survives a round trip through its raw JSON.
 */

const TIME_LIMIT_IN_MS = 1_000;
const CLUSTER = parseClusterResourceId(aksResourceId()) as ClusterIdentity;
const SKIP_REASONS = new Set<string>(Object.values(SkipReason));

const events = auditEventSeeds();
const values = auditValueSeeds();
const texts = auditTextSeeds();

const brokenEvent = fc.oneof(mutatedJson(events as Json[]), anyJson, oddString);
/** The envelopes pipelines put around events, with broken contents. */
const envelope: fc.Arbitrary<Json> = fc.oneof(
  fc.array(fc.oneof(brokenEvent.map((event) => diagnosticRecordOf(event)), brokenEvent), { maxLength: 4 }).map((records) => ({ records })),
  fc.array(brokenEvent, { maxLength: 4 }).map((items) => ({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items })),
  fc.record({
    messageType: fc.constantFrom('DATA_MESSAGE', 'CONTROL_MESSAGE', 'OTHER', ''),
    owner: fc.constant('123456789012'),
    logGroup: fc.constant('/aws/eks/prod/cluster'),
    logStream: fc.constant('kube-apiserver-audit-1'),
    subscriptionFilters: fc.constant<Json>(['argus']),
    logEvents: fc.array(fc.oneof(brokenEvent.map((event) => ({ id: '1', timestamp: 1, message: JSON.stringify(event) })), anyJson), { maxLength: 3 }),
  }) as fc.Arbitrary<Json>,
  fc.array(brokenEvent, { maxLength: 3 }).map((hits) => ({ hits: { hits: hits.map((hit) => ({ _index: 'logs', _source: { kubernetes: { audit: hit } } })) } })),
  fc.array(fc.oneof(brokenEvent.map((event) => ({ _raw: JSON.stringify(event) })), anyJson), { maxLength: 3 }).map((results) => ({ results })),
  fc.oneof(brokenEvent, anyJson).map((result) => ({ preview: false, result: { _raw: typeof result === 'string' ? result : JSON.stringify(result) } })),
  fc.array(brokenEvent, { maxLength: 3 }).map((lines) => ({ awslogs: { data: Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n')).toString('base64') } })),
);

/** Any input: noise, near-valid values and texts, envelopes, bytes, pathological texts. */
const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: mutatedJson(values), weight: 3 },
  { arbitrary: mutatedJson(events as Json[]), weight: 2 },
  { arbitrary: envelope, weight: 3 },
  { arbitrary: mutatedText(texts), weight: 3 },
  { arbitrary: variantTexts(events), weight: 2 },
  { arbitrary: fc.array(variantTexts(events), { minLength: 2, maxLength: 4 }).map((lines) => lines.join('\n')), weight: 1 },
  { arbitrary: anyJson, weight: 1 },
  { arbitrary: anyJson.map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: oddString, weight: 1 },
  { arbitrary: asBytes(mutatedText(texts)), weight: 1 },
  { arbitrary: pathologicalText, weight: 1 },
);

function bound(input: unknown): unknown {
  return typeof input === 'string' ? bounded(input) : input;
}

/** What every decoding must satisfy, whatever the input. */
function expectAccounted(decoded: DecodedAuditInput, startIndex = 0): void {
  expect(decoded.records.length + decoded.skipped.length).toBe(decoded.nextIndex - startIndex);
  for (const skipped of decoded.skipped) {
    expect(SKIP_REASONS.has(skipped.reason)).toBe(true);
    expect(typeof skipped.detail === 'string' && skipped.detail.length > 0).toBe(true);
  }
  for (const record of decoded.records) {
    expect(typeof record.event.auditID).toBe('string');
    expect(typeof record.cluster.subscriptionId).toBe('string');
  }
}

describe('decodeAuditInput under fuzzing', () => {
  it('when any input is decoded, fully or selectively, with or without a cluster, then it never throws, takes under a second and accounts for every record', () => {
    const tally = new FuzzTally('audit decoder: any input');
    fc.assert(
      fc.property(anyInput, fc.boolean(), fc.boolean(), (raw, selective, withCluster) => {
        const input = bound(raw);
        const { result, elapsedInMs } = timed(() => decodeAuditInput(input, { selective, ...(withCluster ? { cluster: CLUSTER } : {}) }));
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

  it('when an accepted event is written back as its raw JSON, then it decodes to the same event', () => {
    const tally = new FuzzTally('audit decoder: round trip of accepted events');
    fc.assert(
      fc.property(fc.oneof(mutatedJson(values), mutatedJson(events as Json[]), variantTexts(events), mutatedText(texts)), (input) => {
        const first = decodeAuditInput(bound(input), { cluster: CLUSTER });
        for (const record of first.records) {
          const { result: again, elapsedInMs } = timed(() => decodeAuditInput(JSON.stringify(record.event), { cluster: record.cluster }));
          expect(again.skipped).toEqual([]);
          expect(again.records.map((r) => r.event)).toEqual([record.event]);
          tally.count('accepted', elapsedInMs);
        }
        if (first.records.length === 0) tally.count('refused', 0);
      }),
      fuzzParameters(),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
  });

  it('when a message is decoded in pieces (NDJSON read line by line), then the indexes continue from startIndex', () => {
    fc.assert(
      fc.property(anyInput, fc.nat(1_000_000), (raw, startIndex) => {
        expectAccounted(decodeAuditInput(bound(raw), { startIndex, cluster: CLUSTER }), startIndex);
      }),
      fuzzParameters(0.5),
    );
  });
});

describe('decodeAuditInput: regressions found by fuzzing', () => {
  it('when arrays are nested 30,000 deep, then the input is one skipped record, not a stack overflow', () => {
    const decoded = decodeAuditInput('['.repeat(30_000) + ']'.repeat(30_000));

    expect(decoded.records).toEqual([]);
    expect(decoded.skipped.map((s) => s.reason)).toEqual([SkipReason.notAnAuditEvent]);
    expect(decoded.skipped[0]?.detail).toMatch(/nested/);
  });

  it('when records are nested in records 10,000 deep, then the input is skipped, not a stack overflow', () => {
    const decoded = decodeAuditInput('{"records":['.repeat(10_000) + ']}'.repeat(10_000));

    expect(decoded.records).toEqual([]);
    expectAccounted(decoded);
  });
});
