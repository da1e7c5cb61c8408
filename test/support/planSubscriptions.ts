import type { Database } from '@azure/cosmos';
import { changePlan, upsertPlan } from '../../shared/store/planStore';

/** The owner who switches the plans of pipeline tests on. */
export const PLAN_OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };

/**
 * A source of fresh subscriptions for pipeline tests, one per call, each with the plan switched on at `enabledAtUtc`
 * (before the tests' events, so every event is covered): ids `<idPrefix>-<counter>`, so the tests of one file never
 * share a partition of the store.
 */
export function planSubscriptions(database: () => Database, options: { idPrefix: string; enabledAtUtc: string }): () => Promise<string> {
  let counter = 0;
  return async () => {
    counter++;
    const subscriptionId = `${options.idPrefix}-${counter.toString(16).padStart(12, '0')}`;
    await upsertPlan(database(), changePlan(subscriptionId, undefined, { enabled: true, by: PLAN_OWNER, now: new Date(options.enabledAtUtc) }));
    return subscriptionId;
  };
}
