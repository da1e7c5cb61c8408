import type { Timer } from '@azure/functions';
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { TimerFunctionDefinition } from '../shared/functions/defineFunction';
import { createInvocationContext } from './createInvocationContext';
import { invokeWithRetry } from './invokeWithRetry';
import type { LocalLogger } from './localLogger';

export interface LocalTimersOptions {
  functions: readonly TimerFunctionDefinition[];
  resolve: (expression: string) => string;
  logger: LocalLogger;
}

/** An occurrence fired later than this counts as past due, as the host reports it. */
const PAST_DUE_AFTER_IN_MS = 1000;
const MAX_TIMEOUT_IN_MS = 2 ** 31 - 1;

interface Schedule {
  definition: TimerFunctionDefinition;
  expression: string;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  last: Date | undefined;
}

/**
 * Runs timer functions on their NCRONTAB schedules (six fields, seconds first, UTC), with `runOnStartup`,
 * the `Timer` argument of the host (`isPastDue`, `scheduleStatus`), retry policies, and never two
 * overlapping runs of one function (the host holds a singleton lock for timers).
 */
export class LocalTimers {
  private readonly schedules: Schedule[];
  private readonly stopping = new AbortController();

  constructor(private readonly options: LocalTimersOptions) {
    // Parse every schedule first: a bad expression stops the runtime at start, naming the function.
    this.schedules = options.functions.map((definition) => {
      const expression = options.resolve(definition.options.schedule);
      parseNcrontab(expression, new Date(), definition.name);
      return { definition, expression, timer: undefined, running: undefined, last: undefined };
    });
  }

  start(now: Date = new Date()): void {
    for (const schedule of this.schedules) {
      if (schedule.definition.options.runOnStartup) this.fire(schedule, now);
      else this.arm(schedule, now);
    }
  }

  /** When each function runs next (for the banner and tests). */
  nextOccurrences(now: Date = new Date()): { name: string; next: Date }[] {
    return this.schedules.map((s) => ({ name: s.definition.name, next: nextOccurrence(s, now) }));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const schedule of this.schedules) clearTimeout(schedule.timer);
    await Promise.all(this.schedules.flatMap((s) => (s.running ? [s.running] : [])));
  }

  private arm(schedule: Schedule, from: Date): void {
    if (this.stopping.signal.aborted) return;
    const due = nextOccurrence(schedule, from);
    const delay = Math.min(Math.max(0, due.getTime() - Date.now()), MAX_TIMEOUT_IN_MS);
    schedule.timer = setTimeout(() => {
      if (Date.now() + 5 < due.getTime()) this.arm(schedule, from); // a long wait was capped; keep waiting
      else this.fire(schedule, due);
    }, delay);
    schedule.timer.unref();
  }

  private fire(schedule: Schedule, scheduledFor: Date): void {
    const { definition } = schedule;
    const now = new Date();
    const timer: Timer = {
      isPastDue: now.getTime() - scheduledFor.getTime() > PAST_DUE_AFTER_IN_MS,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (schedule.last ?? scheduledFor).toISOString(),
        next: nextOccurrence(schedule, now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    schedule.running = invokeWithRetry(
      async (retryContext) => {
        const context = createInvocationContext({
          functionName: definition.name,
          triggerType: 'timerTrigger',
          logger: this.options.logger,
          ...(retryContext ? { retryContext } : {}),
        });
        await definition.options.handler(timer, context);
      },
      { retry: definition.options.retry, signal: this.stopping.signal },
    ).then((outcome) => {
      if (!outcome.ok) {
        const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        this.options.logger.log('error', definition.name, `timer run failed after ${outcome.attempts} attempt(s): ${reason}`);
      }
      schedule.last = scheduledFor;
      schedule.running = undefined;
      this.arm(schedule, new Date());
    });
  }
}

function nextOccurrence(schedule: Schedule, from: Date): Date {
  return parseNcrontab(schedule.expression, from, schedule.definition.name).next().toDate();
}

function parseNcrontab(expression: string, from: Date, functionName: string): CronExpression {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(
      `Timer function "${functionName}": schedule "${expression}" must be an NCRONTAB expression with six fields ` +
        '({second} {minute} {hour} {day} {month} {day-of-week}).',
    );
  }
  try {
    return CronExpressionParser.parse(expression, { currentDate: from, tz: 'UTC' });
  } catch (error) {
    throw new Error(`Timer function "${functionName}": schedule "${expression}" is not valid: ${(error as Error).message}`, { cause: error });
  }
}
