import type { Database } from '@azure/cosmos';
import { getPlan, type Plan } from '../store/planStore';
import { listSuppressionRules, type SuppressionRuleDocument } from '../store/suppressionRuleStore';
import { TtlCache } from './ttlCache';

/**
 * What the pipeline needs to know about a subscription, cached per instance for a short, configurable
 * time (SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS) so that a batch does not read Cosmos per event: a
 * plan turned off, or a suppression rule changed, takes effect within that time.
 *
 * A plan that is off (or was never set) is kept at most DISABLED_PLAN_TTL_IN_MS: events from just after an
 * owner switches the plan on must not be gated for a whole cache period by a stale "off". That costs a
 * subscription which streams without the plan one point read per few seconds per instance.
 */
export interface SubscriptionSettingsSource {
  plan(subscriptionId: string): Promise<Plan | undefined>;
  suppressionRules(subscriptionId: string): Promise<SuppressionRuleDocument[]>;
}

export interface SubscriptionSettingsReads {
  plans: number;
  suppressionRules: number;
}

export const DISABLED_PLAN_TTL_IN_MS = 5_000;

export class CachedSubscriptionSettings implements SubscriptionSettingsSource {
  private readonly plans: TtlCache<Plan | undefined>;
  private readonly rules: TtlCache<SuppressionRuleDocument[]>;
  /** Store reads made so far (benchmarks, tests). */
  readonly reads: SubscriptionSettingsReads = { plans: 0, suppressionRules: 0 };

  constructor(
    private readonly database: Database,
    ttlInMs: number,
    nowInMs: () => number = Date.now,
  ) {
    this.plans = new TtlCache(ttlInMs, nowInMs);
    this.rules = new TtlCache(ttlInMs, nowInMs);
  }

  plan(subscriptionId: string): Promise<Plan | undefined> {
    return this.plans.get(
      subscriptionId,
      () => {
        this.reads.plans++;
        return getPlan(this.database, subscriptionId);
      },
      (plan) => (plan?.enabled === true ? Number.POSITIVE_INFINITY : DISABLED_PLAN_TTL_IN_MS),
    );
  }

  suppressionRules(subscriptionId: string): Promise<SuppressionRuleDocument[]> {
    return this.rules.get(subscriptionId, () => {
      this.reads.suppressionRules++;
      return listSuppressionRules(this.database, subscriptionId);
    });
  }

  clear(): void {
    this.plans.clear();
    this.rules.clear();
  }
}
