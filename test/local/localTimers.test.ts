import { createMemoryLogger } from '../../local/localLogger';
import { LocalTimers } from '../../local/localTimers';
import { defineTimerFunction } from '../../shared/functions/defineFunction';

const timer = (schedule: string) =>
  defineTimerFunction('simulate', { schedule, handler: () => Promise.resolve() });

describe('LocalTimers', () => {
  it('when a schedule has five fields (plain cron), then start-up fails naming the function and the NCRONTAB format', () => {
    expect(() => new LocalTimers({ functions: [timer('*/5 * * * *')], resolve: (s) => s, logger: createMemoryLogger() })).toThrow(
      /Timer function "simulate": schedule "\*\/5 \* \* \* \*" must be an NCRONTAB expression with six fields/,
    );
  });

  it('when a schedule is not a valid expression, then start-up fails naming the function', () => {
    expect(() => new LocalTimers({ functions: [timer('0 99 * * * *')], resolve: (s) => s, logger: createMemoryLogger() })).toThrow(
      /Timer function "simulate": schedule "0 99 \* \* \* \*" is not valid/,
    );
  });

  it('when the schedule comes from a setting, then the next occurrence follows the resolved NCRONTAB expression in UTC', () => {
    const timers = new LocalTimers({
      functions: [timer('%SIMULATION_SCHEDULE%')],
      resolve: (s) => s.replace('%SIMULATION_SCHEDULE%', '0 0 */6 * * *'),
      logger: createMemoryLogger(),
    });
    expect(timers.nextOccurrences(new Date('2026-11-22T07:30:00Z'))).toEqual([
      { name: 'simulate', next: new Date('2026-11-22T12:00:00Z') },
    ]);
  });
});
