import { judgeSimulationRun, type SimulationRun, SimulationStatus, summarizeSimulationRun } from '../../../shared/simulation/simulationRun';

const SENT = '2026-11-22T10:00:00.000Z';
const DEADLINE = '2026-11-22T10:15:00.000Z';

function run(overrides: Partial<SimulationRun> = {}): SimulationRun {
  return {
    id: '0f000000-0000-4000-8000-000000000001',
    subscriptionId: '5a000000-0000-4000-8000-000000000001',
    trigger: 'onDemand',
    requestedBy: { principalId: 'p', principalName: 'P' },
    requestedAtUtc: SENT,
    alertTypes: ['A', 'B'],
    eventCount: 3,
    sentAtUtc: SENT,
    deadlineUtc: DEADLINE,
    status: SimulationStatus.running,
    expected: [
      { alertId: 'a', alertType: 'A', ruleId: 'ra', alertDisplayName: '[Sample alert] A', occurrences: 2, baselineCount: 0 },
      { alertId: 'b', alertType: 'B', ruleId: 'rb', alertDisplayName: '[Sample alert] B', occurrences: 1, baselineCount: 4 },
    ],
    ...overrides,
  };
}

describe('judgeSimulationRun', () => {
  it('when every expected alert has grown by its occurrences, then the run succeeded with each latency from sending', () => {
    const judged = judgeSimulationRun(
      run(),
      [
        { id: 'a', count: 2, lastModifiedUtc: '2026-11-22T10:00:01.500Z' },
        { id: 'b', count: 5, lastModifiedUtc: '2026-11-22T10:00:00.250Z' },
      ],
      new Date('2026-11-22T10:00:05Z'),
    );
    expect(judged.status).toBe(SimulationStatus.succeeded);
    expect(judged.completedAtUtc).toBe('2026-11-22T10:00:05.000Z');
    expect(judged.expected.map((e) => e.latencyInMs)).toEqual([1500, 250]);
    expect(summarizeSimulationRun(judged)).toEqual({ expected: 2, arrived: 2, missing: [], latencyInMs: { p50: 250, p95: 1500, max: 1500 } });
  });

  it('when an alert of an earlier run exists but has not grown by this run’s occurrences, then it has not arrived', () => {
    const judged = judgeSimulationRun(run(), [{ id: 'b', count: 4, lastModifiedUtc: '2026-11-22T09:59:00.000Z' }], new Date('2026-11-22T10:00:05Z'));
    expect(judged.status).toBe(SimulationStatus.running);
    expect(judged.expected.every((e) => e.arrivedAtUtc === undefined)).toBe(true);
  });

  it('when nothing new arrived before the deadline, then the same run is returned (nothing to write)', () => {
    const original = run();
    expect(judgeSimulationRun(original, [], new Date('2026-11-22T10:01:00Z'))).toBe(original);
  });

  it('when the deadline passed with an alert missing, then the run failed and names what is missing', () => {
    const judged = judgeSimulationRun(run(), [{ id: 'a', count: 2, lastModifiedUtc: '2026-11-22T10:00:01.000Z' }], new Date('2026-11-22T10:15:01Z'));
    expect(judged.status).toBe(SimulationStatus.failed);
    expect(summarizeSimulationRun(judged)).toMatchObject({ expected: 2, arrived: 1, missing: [{ alertId: 'b', alertType: 'B' }] });
  });

  it('when the run was never recorded as sent, then nothing counts as arrived and the deadline still ends it', () => {
    const unsent = run({ sentAtUtc: undefined });
    delete unsent.sentAtUtc;
    const observed = [{ id: 'a', count: 2, lastModifiedUtc: '2026-11-22T10:00:01.000Z' }, { id: 'b', count: 5, lastModifiedUtc: '2026-11-22T10:00:01.000Z' }];
    expect(judgeSimulationRun(unsent, observed, new Date('2026-11-22T10:05:00Z')).status).toBe(SimulationStatus.running);
    expect(judgeSimulationRun(unsent, observed, new Date('2026-11-22T10:16:00Z')).status).toBe(SimulationStatus.failed);
  });

  it('when a run is settled, then judging it again changes nothing', () => {
    const settled = run({ status: SimulationStatus.failed, completedAtUtc: DEADLINE });
    expect(judgeSimulationRun(settled, [{ id: 'a', count: 9, lastModifiedUtc: DEADLINE }], new Date('2026-11-22T11:00:00Z'))).toBe(settled);
  });
});
