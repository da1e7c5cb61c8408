import { allRules } from '../../../../shared/detection/rules';
import { learningStatusOf } from '../../../../shared/detection/stateful/learningStatus';

describe('learningStatusOf', () => {
  const week = 7 * 86_400_000;
  const enabledAtUtc = '2026-11-20T08:00:00.000Z';

  it('when the learning period has passed since the switch-on, then the first-seen rules are active; one millisecond before, they are learning', () => {
    const end = Date.parse(enabledAtUtc) + week;
    expect(learningStatusOf(allRules, { enabledAtUtc, learningPeriodInMs: week, now: new Date(end) })).toMatchObject({ state: 'active', learningUntilUtc: '2026-11-27T08:00:00.000Z' });
    expect(learningStatusOf(allRules, { enabledAtUtc, learningPeriodInMs: week, now: new Date(end - 1) }).state).toBe('learning');
  });

  it('when the plan is off, then nothing has started, and every stateful rule is listed as learning or active from the start', () => {
    const status = learningStatusOf(allRules, { enabledAtUtc: undefined, learningPeriodInMs: week, now: new Date(enabledAtUtc) });
    expect(status.state).toBe('notStarted');
    const stateful = allRules.filter((rule) => rule.stateful !== undefined).map((rule) => rule.id);
    expect([...status.firstSeenRules, ...status.activeFromTheStart].sort()).toEqual(stateful.sort());
  });

  it('when a cluster was first seen after the switch-on, then it learns for the period from its first event; a cluster seen before learns from the switch-on', () => {
    const status = learningStatusOf(allRules, {
      enabledAtUtc,
      learningPeriodInMs: week,
      now: new Date('2026-12-01T00:00:00.000Z'),
      clusters: [
        { cluster: 'aks-new', firstEventUtc: '2026-11-28T10:00:00.000Z' },
        { cluster: 'aks-old', firstEventUtc: '2026-11-01T00:00:00.000Z' },
      ],
    });
    expect(status.state).toBe('active');
    expect(status.clusters).toEqual([
      { cluster: 'aks-new', state: 'learning', watchedSinceUtc: '2026-11-28T10:00:00.000Z', learningStartedUtc: '2026-11-28T10:00:00.000Z', learningUntilUtc: '2026-12-05T10:00:00.000Z' },
      { cluster: 'aks-old', state: 'active', watchedSinceUtc: '2026-11-01T00:00:00.000Z', learningStartedUtc: enabledAtUtc, learningUntilUtc: '2026-11-27T08:00:00.000Z' },
    ]);
  });
});
