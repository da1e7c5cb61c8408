import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateAuditTraffic } from '../../../bench/generateAuditTraffic';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { type Finding } from '../../../shared/detection/finding';
import { allRules } from '../../../shared/detection/rules/index';
import { applyStatefulRules } from '../../../shared/detection/stateful/applyStatefulRules';
import { inMemoryStateOf } from '../../../shared/detection/stateful/detectionState';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { scanAuditEvent } from '../../../shared/kubernetes/scanAuditEvent';
import { fixtureEventPool, fixtureFiles, ruleEvents } from '../../support/auditEventPool';
import { TEXT_VARIANTS, variantText } from '../../support/auditTextVariants';

/**
 * The selective decoder against the full path: every input is decoded both ways and run through every rule and the
 * stateful pass, and everything must come out the same: records (bodies read), skip reasons and details, repair
 * counts, findings (rule, alert type, severity, entities, details, dedup key, evidence), what the stateful rules
 * watched, and the engine's counts. The inputs: the traffic generator over many seeds (both mixes), every fixture of
 * the benign baseline and of the trimmed forms, every rule example and timeline, and fuzzed variants of all of them.
 *
 * `npm test` runs a fixed budget; `npm run fuzz:decoder` sets FUZZ_DECODER_RUNS (and FUZZ_DECODER_SEED) for a long run.
 */

const FUZZING = process.env.FUZZ_DECODER_RUNS !== undefined;
const FUZZ_RUNS = Number(process.env.FUZZ_DECODER_RUNS ?? 300);
/** Fixed in `npm test`; a new one for every long run (fast-check prints it with any counterexample). */
const FUZZ_SEED = process.env.FUZZ_DECODER_SEED !== undefined ? Number(process.env.FUZZ_DECODER_SEED) : FUZZING ? Date.now() % 2 ** 31 : 20261204;
const GENERATOR_SEEDS = FUZZING ? 40 : 6;
if (FUZZING) console.log(`fuzz:decoder: ${FUZZ_RUNS} runs of each property, seed ${FUZZ_SEED}, ${GENERATOR_SEEDS} generator seeds per mix`);

const RESOURCE_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-diff/providers/Microsoft.ContainerService/managedClusters/aks-diff';

/** The stream the pipeline sees, decoded one way: each input a batch, the stateful rules' state carried across them. */
function runStream(inputs: readonly unknown[], selective: boolean): unknown[] {
  const stateOf = inMemoryStateOf();
  return inputs.map((input) => {
    const decoded = decodeAuditInput(input, { selective });
    // The rules run first, on the records as decoded: lazily read bodies are read by the rules, as in the pipeline.
    const evaluation = evaluateRules(decoded.records, { rules: allRules });
    const stateful = applyStatefulRules(evaluation.candidates, { stateOf, learningPeriodInMs: 0 });
    return {
      records: decoded.records.map((record) => ({ ...record, event: { ...record.event } })),
      skipped: decoded.skipped,
      repairedEvents: decoded.repairedEvents,
      repaired: decoded.repaired,
      nextIndex: decoded.nextIndex,
      findings: evaluation.findings.map(findingFacts),
      statefulFindings: stateful.findings.map(findingFacts),
      candidates: evaluation.candidates.map((candidate) => ({ rule: candidate.rule.id, at: candidate.at, evidenceId: candidate.evidenceId, observation: candidate.observation })),
      stats: evaluation.stats,
      failures: evaluation.failures,
    };
  });
}

function findingFacts(finding: Finding): Record<string, unknown> {
  return {
    rule: finding.rule.id,
    alertType: finding.alertType,
    displayName: finding.displayName,
    severity: finding.severity,
    evidence: evidenceIdOf(finding.record),
    entities: finding.entities,
    details: finding.details,
    dedupKey: finding.dedupKey,
  };
}

function expectSameOutcome(inputs: readonly unknown[]): void {
  expect(runStream(inputs, true)).toStrictEqual(runStream(inputs, false));
}

/** An Event Hubs message of AKS diagnostic records, each event's text as given (`properties.log`). */
function aksMessage(texts: readonly string[]): string {
  return JSON.stringify({
    records: texts.map((log, index) => ({
      time: '2026-12-04T10:00:00.0000000Z',
      resourceId: RESOURCE_ID,
      category: index % 7 === 6 ? 'kube-audit-admin' : 'kube-audit',
      operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
      properties: { log, stream: 'stdout', pod: 'kube-apiserver-6f4b7c9d8-abcde' },
    })),
  });
}

describe('the selective decoder against the full path', () => {
  test.each(['default', 'quiet'] as const)('when the traffic generator writes %s traffic over many seeds, then both paths give the same records, skips and findings', (mix) => {
    for (let seed = 1; seed <= GENERATOR_SEEDS; seed++) {
      const traffic = generateAuditTraffic({ events: 400, seed, quiet: mix === 'quiet', attackShare: mix === 'quiet' ? 0 : 0.05 });
      expectSameOutcome(traffic.messages);
    }
  });

  test.each(fixtureFiles.map((file) => [path.relative(path.join(__dirname, '../../fixtures'), file), file]))(
    'when the fixture %s is decoded as it is, then both paths agree',
    (_name, file) => {
      expectSameOutcome([readFileSync(file)]);
    },
  );

  test('when every fixture event is sent as an AKS diagnostic record, then both paths agree and the selective decoder read nearly all', () => {
    expect(fixtureEventPool.length).toBeGreaterThan(300);
    const texts = fixtureEventPool.map((event) => JSON.stringify(event));
    expectSameOutcome([aksMessage(texts)]);
    // The trimmed forms are left to the full path on purpose (they need repairs); the complete events are read.
    const selective = decodeAuditInput(aksMessage(texts), { selective: true });
    expect(selective.records.length).toBeGreaterThan(300);
  });

  test('when every rule example and timeline event is sent in order, then both paths raise the same alerts', () => {
    expect(ruleEvents.length).toBeGreaterThan(150);
    expectSameOutcome(ruleEvents.map((event) => aksMessage([JSON.stringify(event)])));
  });

  test('when event texts are rewritten or broken in any of the fuzzed ways, then both paths agree', () => {
    const pool = [...ruleEvents, ...fixtureEventPool];
    let texts = 0;
    let read = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ event: fc.constantFrom(...pool), variant: fc.constantFrom(...TEXT_VARIANTS), seed: fc.integer() }), { minLength: 1, maxLength: 4 }),
        (cases) => {
          const variants = cases.map(({ event, variant, seed }) => variantText(event, variant, seed));
          texts += variants.length;
          read += variants.filter((text) => scanAuditEvent(text) !== undefined).length;
          expectSameOutcome([aksMessage(variants)]);
        },
      ),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
    if (FUZZING) console.log(`fuzz:decoder: ${texts} event texts tried, ${read} read by the selective decoder, the rest left to the full path`);
    // Both paths must be exercised: a fuzzer whose variants all fell back would compare the full path with itself.
    expect(read).toBeGreaterThan(texts / 5);
    expect(read).toBeLessThan(texts);
  });

  test('when every kind of variant is applied to a real event, then the selective decoder accepts some and refuses others, and the paths agree on all', () => {
    const event = fixtureEventPool.find((candidate) => candidate.requestObject !== undefined && candidate.responseStatus !== undefined) as Record<string, unknown>;
    const accepted = new Map<string, number>();
    for (const variant of TEXT_VARIANTS) {
      for (let seed = 1; seed <= 40; seed++) {
        const message = aksMessage([variantText(event, variant, seed)]);
        expectSameOutcome([message]);
        const selective = decodeAuditInput(message, { selective: true });
        const read = selective.records.filter((record) => Object.getOwnPropertyDescriptor(record.event, 'requestObject')?.get !== undefined).length;
        accepted.set(variant, (accepted.get(variant) ?? 0) + read);
      }
    }
    // The rewrites that keep the event well-formed are read selectively (a test that never took the fast path would prove nothing).
    expect(accepted.get('shuffled keys')).toBe(40);
    expect(accepted.get('escaped characters')).toBeGreaterThan(30);
    expect(accepted.get('truncated')).toBe(0);
  });
});
