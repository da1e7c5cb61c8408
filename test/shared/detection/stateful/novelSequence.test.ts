import { tokenMintedThenNewAddress } from '../../../../shared/detection/rules/audit/token-minted-then-new-address';
import { type ClusterDetectionState, emptyDetectionState, type StateLimits } from '../../../../shared/detection/stateful/detectionState';
import { evaluateWithMemory } from '../../../../shared/detection/stateful/runTimeline';
import { observeNovelSequence, type SequenceStep } from '../../../../shared/detection/stateful/sequence';
import { detectionRecordOf } from '../../../support/ruleHarness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-11-23T08:00:00.000Z');
const ACCOUNT = 'system:serviceaccount:shop:web';
const POD_IP = '10.244.1.23';
const OTHER_POD_IP = '10.244.2.47';
const ATTACKER_IP = '198.51.100.73';

/** The state after a JSON round trip, as it comes back from the store. */
const stored = (state: ClusterDetectionState): ClusterDetectionState => JSON.parse(JSON.stringify(state)) as ClusterDetectionState;

interface Sighting {
  id: string;
  step: SequenceStep | undefined;
  at: number;
  value?: string;
}

const mintAt = (id: string, at: number): Sighting => ({ id, step: 'first', at });
const useAt = (id: string, at: number, value: string): Sighting => ({ id, step: 'then', at, value });

function observe(state: ClusterDetectionState, sighting: Sighting, limits?: StateLimits) {
  const entry = { at: sighting.at, evidenceId: sighting.id, ...(sighting.step === 'first' ? { note: `A token minted (${sighting.id})` } : {}) };
  return observeNovelSequence(
    state,
    { rule: 'token-minted-then-new-address', key: ACCOUNT, step: sighting.step, entry, value: sighting.value },
    { withinInMs: HOUR, historyInMs: HOUR, ...(limits === undefined ? {} : { limits }) },
  );
}

/** The ids of the events that reported a pair, one batch per event in the order given, the state stored between batches. */
function reporters(sightings: readonly Sighting[], state: ClusterDetectionState = emptyDetectionState()): string[] {
  let current = state;
  return sightings.flatMap((sighting) => {
    current = stored(current);
    return observe(current, sighting).kind === 'novel' ? [sighting.id] : [];
  });
}

// Two hours of the account's pods, a mint, then a use from a public address never seen for the account.
const history = [useAt('h1', T0, POD_IP), useAt('h2', T0 + HOUR, POD_IP), useAt('h3', T0 + 90 * MINUTE, OTHER_POD_IP)];
const mint = mintAt('m1', T0 + 2 * HOUR);
const attack = useAt('a1', T0 + 2 * HOUR + 3 * MINUTE, ATTACKER_IP);
const usual = [useAt('u1', T0 + 2 * HOUR + MINUTE, POD_IP), useAt('u2', T0 + 2 * HOUR + 20 * MINUTE, OTHER_POD_IP)];

describe('observeNovelSequence', () => {
  it('when a use from a never-seen address follows a mint within the window, then it reports the pair once, with the history it was judged against', () => {
    const state = emptyDetectionState();
    for (const sighting of [...history, mint, ...usual]) expect(observe(state, sighting)).toEqual({ kind: 'none' });
    const verdict = observe(state, attack);
    expect(verdict).toEqual({
      kind: 'novel',
      alsoReported: 0,
      pair: {
        first: expect.objectContaining({ evidenceId: 'm1', at: mint.at, note: 'A token minted (m1)' }) as unknown,
        then: { evidenceId: 'a1', at: attack.at, value: ATTACKER_IP },
        observedSince: T0,
        knownValues: 2,
      },
    });
    // One alert per mint: a second new address within the same hour is the same token's story.
    expect(observe(state, useAt('a2', T0 + 2 * HOUR + 9 * MINUTE, '192.0.2.200')).kind).toBe('none');
  });

  it('when the account is used only from addresses seen before, or from a new one with no mint or outside the window, then nothing fires', () => {
    expect(reporters([...history, mint, ...usual])).toEqual([]);
    expect(reporters([...history, ...usual, attack])).toEqual([]);
    expect(reporters([...history, mint, useAt('late', mint.at + HOUR + MINUTE, ATTACKER_IP)])).toEqual([]);
    // Used before the mint: the address was new, but no token had been minted yet.
    expect(reporters([...history, useAt('early', mint.at - MINUTE, ATTACKER_IP), mint])).toEqual([]);
  });

  it('when the account has less history than required before the use, then the use is not judged (a new account, Argus just switched on)', () => {
    expect(reporters([useAt('x1', T0, POD_IP), mintAt('mx', T0 + 10 * MINUTE), useAt('x2', T0 + 12 * MINUTE, ATTACKER_IP)])).toEqual([]);
    expect(reporters([mintAt('my', T0), useAt('y1', T0 + MINUTE, ATTACKER_IP)])).toEqual([]);
  });

  it('when the events arrive out of order (the use first, the history last), then the pair fires once, reported by the piece that completes it', () => {
    expect(reporters([attack, mint, ...history.slice().reverse()])).toEqual(['h2']);
    expect(reporters([mint, attack, ...history])).toEqual(['h1']);
    expect(reporters([...history, attack, mint])).toEqual(['m1']);
    expect(reporters([...usual.slice().reverse(), attack, mint, ...history.slice().reverse()])).toHaveLength(1);
  });

  it('when the usual traffic arrives in reverse (latest first), then the uses from pod addresses seen within the required history stay quiet', () => {
    expect(reporters([...history, mint, ...usual].reverse())).toEqual([]);
  });

  it('when the reporting event is observed again (a retried batch, after a store round trip), then it reports the same pair again; any other event replayed reports nothing', () => {
    let state = emptyDetectionState();
    const all = [...history, mint, ...usual, attack];
    for (const sighting of all) observe(state, sighting);
    state = stored(state);
    const again = observe(state, attack);
    expect(again).toMatchObject({ kind: 'novel', pair: { first: { evidenceId: 'm1' }, then: { evidenceId: 'a1', value: ATTACKER_IP } } });
    for (const sighting of all.filter((entry) => entry.id !== 'a1')) expect(observe(state, sighting).kind).toBe('none');
    expect(stored(state)).toEqual(state);
  });

  it('when an account keeps calling from addresses it already showed, then the state does not change (nothing to write)', () => {
    const state = emptyDetectionState();
    for (const sighting of [...history, mint]) observe(state, sighting);
    const before = JSON.stringify(state);
    for (let minute = 1; minute <= 30; minute++) observe(state, useAt(`poll-${minute}`, mint.at + minute * MINUTE, minute % 2 === 0 ? POD_IP : OTHER_POD_IP));
    expect(JSON.stringify(state)).toBe(before);
  });

  it('when an account shows more addresses than the profile keeps, then the oldest are forgotten and the steps stay capped', () => {
    const limits: StateLimits = { valuesPerProfile: 3, entriesPerWindow: 8, stepsPerSequence: 2, keysPerKind: 10 };
    const state = emptyDetectionState();
    for (let index = 0; index < 6; index++) observe(state, useAt(`p${index}`, T0 + index * MINUTE, `10.244.0.${index + 10}`), limits);
    const key = `token-minted-then-new-address\n${ACCOUNT}`;
    expect(state.profiles[key]).toEqual({ '10.244.0.13': T0 + 3 * MINUTE, '10.244.0.14': T0 + 4 * MINUTE, '10.244.0.15': T0 + 5 * MINUTE });
    expect(state.sequences[key]?.then.map((step) => step.evidenceId)).toEqual(['p4', 'p5']);
    // A forgotten address looks new again: the documented cost of the bound.
    for (let index = 0; index < 3; index++) observe(state, mintAt(`m${index}`, T0 + 2 * HOUR + index * MINUTE), limits);
    expect(state.sequences[key]?.first.map((step) => step.evidenceId)).toEqual(['m1', 'm2']);
    expect(observe(state, useAt('back', T0 + 2 * HOUR + 5 * MINUTE, '10.244.0.10'), limits).kind).toBe('novel');
  });
});

describe('token-minted-then-new-address explanation', () => {
  it('when its alert timeline runs, then the explanation names the token, its author and time, the new address and how long the account was observed', () => {
    const timeline = tokenMintedThenNewAddress.timelines?.find((entry) => entry.expect === 'alert');
    const records = (timeline?.events ?? []).map((event, index) => detectionRecordOf(event, index));
    const [finding, ...others] = evaluateWithMemory(records, { rules: [tokenMintedThenNewAddress] }).statefulFindings;
    expect(others).toEqual([]);
    expect(finding?.details).toMatchObject({ newValue: '198.51.100.73', observedSinceUtc: '2026-11-02T08:00:04.118Z', firstStepAtUtc: '2026-11-02T10:00:12.532Z', knownValues: '1' });
    expect(finding?.details['explanation']).toBe(
      'A token for service account shop/web (audit id 4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a03, valid 3600 s) was minted by jordan@contoso.com from 203.0.113.58 ' +
        'at 2026-11-02T10:00:12.532Z; then a request by the service account at 2026-11-02T10:03:41.220Z, 209 s later, from source IP 198.51.100.73, ' +
        'never seen for system:serviceaccount:shop:web before that. system:serviceaccount:shop:web had been observed for 2 h 3 min (since 2026-11-02T08:00:04.118Z), ' +
        'from 1 other source IP(s).',
    );
  });
});
