import type { Database } from '@azure/cosmos';
import { compileThreatIntelFeeds } from '../intel/threatIntelFeed';
import { combineThreatIntelMatchers, compileThreatIntelMatcher, type ThreatIntelMatcher } from '../intel/threatIntelMatch';
import { getPlan, type Plan } from '../store/planStore';
import { listSuppressionRules, type SuppressionRuleDocument } from '../store/suppressionRuleStore';
import { listThreatIntelFeeds } from '../store/threatIntelFeedStore';
import { listThreatIntelSets } from '../store/threatIntelSetStore';
import { TtlCache } from './ttlCache';

/**
 * What the pipeline needs to know about a subscription, cached per instance for a short, configurable
 * time (SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS) so that a batch does not read Cosmos per event: a
 * plan turned off, or a suppression rule or custom threat-intel set changed, takes effect within that time.
 *
 * A plan that is off (or was never set) is kept at most DISABLED_PLAN_TTL_IN_MS: events from just after an
 * owner switches the plan on must not be gated for a whole cache period by a stale "off". That costs a
 * subscription which streams without the plan one point read per few seconds per instance.
 */
export interface SubscriptionSettingsSource {
  plan(subscriptionId: string): Promise<Plan | undefined>;
  suppressionRules(subscriptionId: string): Promise<SuppressionRuleDocument[]>;
  /**
   * The subscription's custom threat-intel sets, compiled into one matcher (in name order; empty when it has none),
   * followed by the configured feeds stored by the refreshThreatIntelFeeds timer (the same for every subscription;
   * a Tor exit feed as the matcher's `torExitFeeds`).
   */
  customThreatIntel(subscriptionId: string): Promise<ThreatIntelMatcher>;
}

export interface SubscriptionSettingsReads {
  plans: number;
  suppressionRules: number;
  threatIntelSets: number;
  /** Reads of the stored feeds (global: one per cache period, whatever the number of subscriptions). */
  threatIntelFeeds: number;
}

export const DISABLED_PLAN_TTL_IN_MS = 5_000;

export class CachedSubscriptionSettings implements SubscriptionSettingsSource {
  private readonly plans: TtlCache<Plan | undefined>;
  private readonly rules: TtlCache<SuppressionRuleDocument[]>;
  private readonly threatIntel: TtlCache<ThreatIntelMatcher>;
  private readonly feeds: TtlCache<ThreatIntelMatcher>;
  /** The last combination of a subscription's sets with the feeds, so that an unchanged pair is the same object. */
  private readonly combined = new WeakMap<ThreatIntelMatcher, { feeds: ThreatIntelMatcher; matcher: ThreatIntelMatcher }>();
  /** Store reads made so far (benchmarks, tests). */
  readonly reads: SubscriptionSettingsReads = { plans: 0, suppressionRules: 0, threatIntelSets: 0, threatIntelFeeds: 0 };

  constructor(
    private readonly database: Database,
    ttlInMs: number,
    nowInMs: () => number = Date.now,
  ) {
    this.plans = new TtlCache(ttlInMs, nowInMs);
    this.rules = new TtlCache(ttlInMs, nowInMs);
    this.threatIntel = new TtlCache(ttlInMs, nowInMs);
    this.feeds = new TtlCache(ttlInMs, nowInMs);
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

  /** Compiled once per cache period: at most 20 sets of 10,000 entries each (MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION). */
  async customThreatIntel(subscriptionId: string): Promise<ThreatIntelMatcher> {
    const [custom, feeds] = await Promise.all([
      this.threatIntel.get(subscriptionId, async () => {
        this.reads.threatIntelSets++;
        const sets = await listThreatIntelSets(this.database, subscriptionId);
        return compileThreatIntelMatcher(sets.map(({ name, ips, cidrs, domains }) => ({ name, ips, cidrs, domains })));
      }),
      this.threatIntelFeeds(),
    ]);
    const last = this.combined.get(custom);
    if (last !== undefined && last.feeds === feeds) return last.matcher;
    const matcher = combineThreatIntelMatchers(custom, feeds);
    this.combined.set(custom, { feeds, matcher });
    return matcher;
  }

  /** The stored feeds, compiled once per cache period for all subscriptions. */
  private threatIntelFeeds(): Promise<ThreatIntelMatcher> {
    return this.feeds.get('feeds', async () => {
      this.reads.threatIntelFeeds++;
      return compileThreatIntelFeeds(await listThreatIntelFeeds(this.database));
    });
  }

  clear(): void {
    this.plans.clear();
    this.rules.clear();
    this.threatIntel.clear();
    this.feeds.clear();
  }
}
