import fc from 'fast-check';
import { getSuppressionRule } from '../../functions/getSuppressionRule';
import { getThreatIntelSet } from '../../functions/getThreatIntelSet';
import { putSuppressionRule } from '../../functions/putSuppressionRule';
import { putThreatIntelSet } from '../../functions/putThreatIntelSet';
import { simulateSuppressionRule } from '../../functions/simulateSuppressionRule';
import { SuppressionReason, SuppressionRuleState, suppressionConditionFields } from '../../shared/alerts/suppressionRule';
import { ApiHarness, type Handler, type TestCaller } from '../support/apiHarness';
import { FuzzTally, fuzzParameters, timedAsync } from '../support/fuzzBudget';
import { anyJson, oddString } from '../support/fuzzInputs';
import { problemWithRefusal } from '../support/fuzzRoutes';

/*
 * Issue "Fuzzing every input": suppression-rule conditions and threat-intel sets, the two bodies whose content the
 * pipeline evaluates. Near-valid bodies (every field drawn from valid and invalid values) are accepted or refused with
 * a 400 naming the field; an accepted rule or set reads back as it was answered (a round trip), and an accepted rule
 * simulates without error.
 */

const SUB = '7b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d';
const CALLER: TestCaller = { objectId: 'a2000000-0000-4000-8000-00000000f022', name: 'Fuzz Admin' };
const TIME_LIMIT_IN_MS = 5_000;

let harness: ApiHarness;
beforeAll(async () => {
  harness = await new ApiHarness().start();
  await harness.grant(SUB, CALLER, 'SecurityAdmin');
});
afterAll(async () => {
  await harness.stop();
});

function call(handler: Handler, method: string, collection: string, name: string, body?: unknown) {
  const suffix = handler === simulateSuppressionRule ? '/simulate' : '';
  return harness.call(handler, method, `/api/subscriptions/${SUB}/${collection}/${encodeURIComponent(name)}${suffix}`, {
    params: { subscriptionId: SUB, name },
    as: CALLER,
    ...(body === undefined ? {} : { body }),
  });
}

/** Valid values most of the time, so that bodies get accepted too, and anything else otherwise. */
function mostly<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: fc.oneof(oddString, anyJson), weight: 1 });
}

/** The body as drawn, or now and then with a field removed or an unknown field added. */
function sometimesBroken(body: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(body);
  return fc.oneof(
    { arbitrary: fc.constant(body), weight: 6 },
    fc.tuple(fc.oneof(oddString, fc.constantFrom('name', 'id', 'subscriptionId', '__proto__')), anyJson).map(([key, value]) => ({ ...body, [key]: value })),
    fc.constantFrom(...(keys.length === 0 ? [''] : keys)).map((key) => Object.fromEntries(Object.entries(body).filter(([name]) => name !== key))),
  );
}

const conditionValue = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('kube-system', 'High', 'Low', '10.0.0.1', 'nginx:1.27', 'system:serviceaccount:default:web'), fc.string({ maxLength: 300 }));
const condition = fc.oneof(
  fc.record({ field: mostly(fc.constantFrom(...suppressionConditionFields)), in: mostly(fc.array(mostly(conditionValue), { maxLength: 5 })) }),
  fc.record({ field: mostly(fc.constantFrom(...suppressionConditionFields)), contains: mostly(conditionValue) }),
  fc.record({ field: mostly(fc.constantFrom(...suppressionConditionFields)), in: mostly(fc.array(conditionValue, { maxLength: 3 })), contains: conditionValue }, { requiredKeys: [] }),
  anyJson,
);
const ruleBody = fc.record(
  {
    alertType: mostly(fc.constantFrom('*', 'K8S_PrivilegedContainer', 'K8S.NODE_ReverseShell', 'K8S_ExposedDashboard')),
    reason: mostly(fc.constantFrom(...Object.values(SuppressionReason))),
    comment: mostly(fc.string({ maxLength: 1_100 })),
    state: mostly(fc.constantFrom(...Object.values(SuppressionRuleState))),
    expirationDateUtc: mostly(fc.oneof(fc.constant(null), fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()))),
    conditions: mostly(fc.array(condition, { maxLength: 22 })),
  },
  { requiredKeys: ['alertType', 'reason', 'state', 'conditions'] },
).chain(sometimesBroken);

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }).map((part) => part.toString(16)), { minLength: 8, maxLength: 8 }).map((parts) => parts.join(':'));
const intelEntry = fc.oneof(ipv4, ipv6, fc.constantFrom('::1', '::ffff:10.0.0.1', '0.0.0.0', '255.255.255.255', '01.2.3.4', '1.2.3', 'fe80::1%eth0'), oddString);
const cidr = fc.oneof(fc.tuple(ipv4, fc.integer({ min: -1, max: 40 })).map(([ip, bits]) => `${ip}/${bits}`), fc.tuple(ipv6, fc.integer({ min: 0, max: 130 })).map(([ip, bits]) => `${ip}/${bits}`), oddString);
const domain = fc.oneof(fc.domain(), fc.domain().map((name) => name.toUpperCase()), fc.domain().map((name) => `*.${name}`), fc.domain().map((name) => `${name}.`), oddString);
const intelBody = fc.record(
  {
    description: mostly(fc.string({ maxLength: 600 })),
    ips: mostly(fc.array(mostly(intelEntry), { maxLength: 6 })),
    cidrs: mostly(fc.array(mostly(cidr), { maxLength: 6 })),
    domains: mostly(fc.array(mostly(domain), { maxLength: 6 })),
  },
  { requiredKeys: ['ips'] },
).chain(sometimesBroken);

async function expectAnswer(response: { status?: number; jsonBody?: unknown }, elapsedInMs: number, accepted: number[]): Promise<void> {
  expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
  expect(response.status).toBeDefined();
  if (accepted.includes(response.status ?? 0)) return Promise.resolve();
  expect({ status: response.status, problem: problemWithRefusal(response) }).toEqual({ status: 400, problem: undefined });
  return Promise.resolve();
}

describe('suppression-rule conditions under fuzzing', () => {
  it('when a rule with arbitrary conditions is PUT, then it is stored and reads back as answered, and simulates; or it is a 400 naming the field', async () => {
    const tally = new FuzzTally('suppression rule: PUT, GET, simulate');
    await fc.assert(
      fc.asyncProperty(ruleBody, fc.constantFrom('fuzz-rule-1', 'fuzz-rule-2', 'fuzz-rule-3'), async (body, name) => {
        const { result: put, elapsedInMs } = await timedAsync(() => call(putSuppressionRule, 'PUT', 'suppressionRules', name, body));
        await expectAnswer(put, elapsedInMs, [200, 201]);
        tally.count(put.status === 200 || put.status === 201 ? 'accepted' : 'refused', elapsedInMs);
        if (put.status !== 200 && put.status !== 201) return;
        const get = await call(getSuppressionRule, 'GET', 'suppressionRules', name);
        expect(get.status).toBe(200);
        expect(get.jsonBody).toEqual(put.jsonBody);
        const simulated = await call(simulateSuppressionRule, 'POST', 'suppressionRules', name);
        expect([200, 429]).toContain(simulated.status);
      }),
      fuzzParameters(0.5),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });
});

describe('threat-intel sets under fuzzing', () => {
  it('when a set with arbitrary entries is PUT, then it reads back as answered and a PUT of the answer changes nothing; or it is a 400 naming the field', async () => {
    const tally = new FuzzTally('threat-intel set: PUT, GET, PUT again');
    await fc.assert(
      fc.asyncProperty(intelBody, fc.constantFrom('fuzz-set-1', 'fuzz-set-2', 'fuzz-set-3'), async (body, name) => {
        const { result: put, elapsedInMs } = await timedAsync(() => call(putThreatIntelSet, 'PUT', 'threatIntelSets', name, body));
        await expectAnswer(put, elapsedInMs, [200, 201]);
        tally.count(put.status === 200 || put.status === 201 ? 'accepted' : 'refused', elapsedInMs);
        if (put.status !== 200 && put.status !== 201) return;
        const view = put.jsonBody as { description?: string; ips: string[]; cidrs: string[]; domains: string[] };
        const get = await call(getThreatIntelSet, 'GET', 'threatIntelSets', name);
        expect(get.jsonBody).toEqual(view);
        const again = await call(putThreatIntelSet, 'PUT', 'threatIntelSets', name, { ...(view.description === undefined ? {} : { description: view.description }), ips: view.ips, cidrs: view.cidrs, domains: view.domains });
        expect(again.status).toBe(200);
        const { updatedAtUtc: _first, updatedBy: _by, ...before } = view as unknown as Record<string, unknown>;
        const { updatedAtUtc: _second, updatedBy: _by2, ...after } = again.jsonBody as Record<string, unknown>;
        expect(after).toEqual(before);
      }),
      fuzzParameters(0.5),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });
});
