import fc from 'fast-check';
import { observeBurst } from '../../../../shared/detection/stateful/burstWindow';
import { type ClusterDetectionState, emptyDetectionState } from '../../../../shared/detection/stateful/detectionState';
import { observeFirstSeen } from '../../../../shared/detection/stateful/firstSeen';
import { observeSequence, type SequenceStep } from '../../../../shared/detection/stateful/sequence';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = Date.parse('2026-11-23T08:00:00.000Z');

/** The state after a JSON round trip, as it comes back from the store. */
const stored = (state: ClusterDetectionState): ClusterDetectionState => JSON.parse(JSON.stringify(state)) as ClusterDetectionState;

describe('observeFirstSeen', () => {
  const options = { learningPeriodInMs: 7 * DAY };
  const seen = (state: ClusterDetectionState, value: string, at: number, subject = 'system:serviceaccount:ci:deployer') =>
    observeFirstSeen(state, { profile: 'registry-by-identity', subject, value, at, evidenceId: `${subject} ${value} ${at}` }, options);

  it('when a value is first seen during the learning period, then it is learned silently; after it, a new value is new and a known one known', () => {
    const state = emptyDetectionState();
    expect(seen(state, 'contoso.azurecr.io', T0)).toMatchObject({ kind: 'learning' });
    expect(seen(state, 'contoso.azurecr.io', T0 + 8 * DAY)).toMatchObject({ kind: 'known' });
    expect(seen(state, 'evil.example.io', T0 + 8 * DAY)).toEqual({ kind: 'new', knownValues: 1 });
    expect(seen(state, 'evil.example.io', T0 + 8 * DAY + MINUTE)).toMatchObject({ kind: 'known' });
  });

  it('when the first sighting is observed again (a retried batch, after a store round trip), then it is judged alike; a later sighting is known', () => {
    let state = emptyDetectionState();
    seen(state, 'contoso.azurecr.io', T0);
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY).kind).toBe('new');
    state = stored(state);
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY).kind).toBe('new');
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY + 1).kind).toBe('known');
  });

  it('when a later sighting arrives first and reports the value, then the earlier sighting arriving after it, and its replay, report nothing', () => {
    const state = emptyDetectionState();
    seen(state, 'contoso.azurecr.io', T0);
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY + MINUTE).kind).toBe('new');
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY).kind).toBe('known');
    expect(seen(stored(state), 'evil.example.io', T0 + 9 * DAY).kind).toBe('known');
    // Now the profile holds the earlier sighting: the later one observed again is a known value.
    expect(seen(state, 'evil.example.io', T0 + 9 * DAY + MINUTE).kind).toBe('known');
  });

  it('when subjects differ, then each has its own profile', () => {
    const state = emptyDetectionState();
    seen(state, 'contoso.azurecr.io', T0, 'alice');
    expect(seen(state, 'contoso.azurecr.io', T0 + 8 * DAY, 'bob').kind).toBe('new');
  });
});

describe('observeBurst', () => {
  // The property below spreads events over 30 minutes: within the allowed lateness, so arrival order cannot matter.
  const threshold = { windowInMs: 5 * MINUTE, distinct: 3, latenessInMs: 30 * MINUTE };
  const read = (state: ClusterDetectionState, id: string, secret: string, at: number, key = 'dana@contoso.com') =>
    observeBurst(state, { rule: 'secret-get-burst', key, evidenceId: id, entry: { at, value: secret, refused: false } }, threshold);

  it('when one identity reads three distinct secrets within five minutes, then the third completes one burst; a fourth read fires nothing more', () => {
    const state = emptyDetectionState();
    expect(read(state, 'a1', 'db-password', T0)).toEqual({ kind: 'none' });
    expect(read(state, 'a2', 'db-password', T0 + MINUTE)).toEqual({ kind: 'none' });
    expect(read(state, 'a3', 'api-key', T0 + 2 * MINUTE).kind).toBe('none');
    expect(read(state, 'a4', 'tls-cert', T0 + 4 * MINUTE)).toMatchObject({ kind: 'burst', completedBy: 'a4', values: ['api-key', 'db-password', 'tls-cert'] });
    expect(read(state, 'a5', 'registry-creds', T0 + 4 * MINUTE + 1).kind).toBe('alreadyFired');
    // The completing read observed again (a retried batch) reports the same burst again; the alert layer counts it once.
    expect(read(state, 'a4', 'tls-cert', T0 + 4 * MINUTE)).toMatchObject({ kind: 'burst', completedBy: 'a4' });
  });

  it('when the reads are spread wider than the window, or by different identities, then there is no burst', () => {
    const state = emptyDetectionState();
    read(state, 'b1', 's1', T0);
    read(state, 'b2', 's2', T0 + 3 * MINUTE);
    expect(read(state, 'b3', 's3', T0 + 6 * MINUTE).kind).toBe('none');
    const other = emptyDetectionState();
    read(other, 'c1', 's1', T0, 'alice');
    read(other, 'c2', 's2', T0, 'bob');
    expect(read(other, 'c3', 's3', T0, 'carol').kind).toBe('none');
  });

  it('when refusals are required, then a burst needs them', () => {
    const state = emptyDetectionState();
    const probe = (id: string, uri: string, refused: boolean, at: number) =>
      observeBurst(state, { rule: 'api-enumeration', key: '198.51.100.7', evidenceId: id, entry: { at, value: uri, refused } }, { windowInMs: MINUTE, distinct: 3, refused: 2 });
    probe('p1', '/api/v1/secrets', true, T0);
    probe('p2', '/api/v1/nodes', false, T0 + 1000);
    expect(probe('p3', '/apis/rbac.authorization.k8s.io/v1/clusterroles', false, T0 + 2000).kind).toBe('none');
    expect(probe('p4', '/api/v1/namespaces', true, T0 + 3000).kind).toBe('burst');
  });

  it('when an event arrives later than the allowed lateness behind the newest, then it is not counted (the documented limit)', () => {
    const state = emptyDetectionState();
    const strict = { windowInMs: 5 * MINUTE, distinct: 3, latenessInMs: MINUTE };
    const at = (id: string, secret: string, time: number) => observeBurst(state, { rule: 'r', key: 'k', evidenceId: id, entry: { at: time, value: secret, refused: false } }, strict);
    at('l1', 's1', T0);
    at('l2', 's2', T0 + 1000);
    at('l3', 's9', T0 + 20 * MINUTE);
    expect(at('l4', 's3', T0 + 2000).kind).toBe('none');
  });

  it('when a second burst follows long after the first, then it fires too', () => {
    const state = emptyDetectionState();
    for (const [index, secret] of ['s1', 's2', 's3'].entries()) read(state, `x${index}`, secret, T0 + index * 1000);
    expect(read(state, 'y0', 's4', T0 + 2 * MINUTE).kind).toBe('alreadyFired');
    for (const [index, secret] of ['s5', 's6'].entries()) read(state, `z${index}`, secret, T0 + 10 * MINUTE + index * 1000);
    expect(read(state, 'z9', 's7', T0 + 11 * MINUTE)).toMatchObject({ kind: 'burst', completedBy: 'z9' });
  });

  it('property: whatever order the reads arrive in, with replays, a burst fires if and only if it fires in time order, and distinct fired bursts never overlap', () => {
    const reads = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), secret: fc.constantFrom('s1', 's2', 's3', 's4', 's5'), minute: fc.integer({ min: 0, max: 30 }) }), {
      selector: (entry) => entry.id,
      minLength: 1,
      maxLength: 25,
    });
    fc.assert(
      fc.property(reads, fc.func(fc.integer()), fc.integer({ min: 0, max: 5 }), (events, orderKey, replays) => {
        const inOrder = [...events].sort((a, b) => a.minute - b.minute || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const shuffled = [...events].sort((a, b) => orderKey(a.id) - orderKey(b.id) || (a.id < b.id ? -1 : 1));
        const withReplays = [...shuffled, ...shuffled.slice(0, replays)];
        const spansOf = (sequence: typeof events) => {
          const state = emptyDetectionState();
          return sequence.flatMap((event) => {
            const verdict = read(state, event.id, event.secret, T0 + event.minute * MINUTE);
            return verdict.kind === 'burst' ? [{ from: verdict.startedAt, to: verdict.completedAt }] : [];
          });
        };
        const expected = spansOf(inOrder);
        const actual = [...new Map(spansOf(withReplays).map((span) => [`${span.from}-${span.to}`, span])).values()];
        expect(actual.length > 0).toBe(expected.length > 0);
        for (const [index, span] of actual.entries()) {
          for (const other of actual.slice(index + 1)) expect(span.from <= other.to && other.from <= span.to).toBe(false);
        }
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe('observeSequence', () => {
  const within = 5 * MINUTE;
  const step = (state: ClusterDetectionState, id: string, kind: SequenceStep, at: number, key = 'dana@contoso.com') =>
    observeSequence(state, { rule: 'rbac-then-workload', key, step: kind, entry: { at, evidenceId: id } }, within);

  it('when an RBAC change is followed within five minutes by a workload write of the same identity, then the write reports the pair (again if observed again)', () => {
    const state = emptyDetectionState();
    expect(step(state, 'rb1', 'first', T0)).toEqual({ kind: 'none' });
    const pair = { kind: 'pairs', pairs: [{ first: { at: T0, evidenceId: 'rb1' }, then: { at: T0 + 2 * MINUTE, evidenceId: 'w1' } }] };
    expect(step(state, 'w1', 'then', T0 + 2 * MINUTE)).toEqual(pair);
    expect(step(state, 'w1', 'then', T0 + 2 * MINUTE)).toEqual(pair);
  });

  it('when the write comes first (another partition delivered it earlier), then the change completes the pair when it arrives', () => {
    const state = emptyDetectionState();
    expect(step(state, 'w1', 'then', T0 + MINUTE)).toEqual({ kind: 'none' });
    expect(step(state, 'rb1', 'first', T0)).toMatchObject({ kind: 'pairs' });
  });

  it('when the write is later than the window, earlier than the change, or by another identity, then nothing fires', () => {
    const state = emptyDetectionState();
    step(state, 'rb1', 'first', T0);
    expect(step(state, 'w1', 'then', T0 + 6 * MINUTE).kind).toBe('none');
    expect(step(state, 'w0', 'then', T0 - MINUTE).kind).toBe('none');
    expect(step(state, 'w2', 'then', T0 + MINUTE, 'bob').kind).toBe('none');
  });

  it('property: whatever order the steps arrive in, with replays and a store round trip, the same pairs are reported', () => {
    const steps = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), kind: fc.constantFrom<SequenceStep>('first', 'then'), minute: fc.integer({ min: 0, max: 20 }) }), {
      selector: (entry) => entry.id,
      maxLength: 16,
    });
    fc.assert(
      fc.property(steps, fc.func(fc.integer()), (events, orderKey) => {
        const pairsOf = (sequence: typeof events, roundTrip: boolean) => {
          let state = emptyDetectionState();
          return sequence.flatMap((event) => {
            if (roundTrip) state = stored(state);
            const verdict = step(state, event.id, event.kind, T0 + event.minute * MINUTE);
            return verdict.kind === 'pairs' ? verdict.pairs.map((pair) => `${pair.first.evidenceId}>${pair.then.evidenceId}`) : [];
          });
        };
        const inOrder = [...events].sort((a, b) => a.minute - b.minute);
        const shuffled = [...events].sort((a, b) => orderKey(a.id) - orderKey(b.id) || (a.id < b.id ? -1 : 1));
        const expected = [...new Set(pairsOf(inOrder, false))].sort();
        const actual = [...new Set(pairsOf([...shuffled, ...shuffled], true))].sort();
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});
