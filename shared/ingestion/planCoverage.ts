import { type Plan } from '../store/planStore';

/**
 * Whether an event is covered by its subscription's plan (pure): the plan is on, and the event happened
 * at or after the plan was turned on. Activity from before enablement, or while the plan is off, raises
 * no alerts.
 */
export function isCoveredByPlan(plan: Plan | undefined, eventTimeInMs: number): boolean {
  if (plan?.enabled !== true || plan.enabledAtUtc === undefined) return false;
  return eventTimeInMs >= Date.parse(plan.enabledAtUtc);
}
