import type { Database } from '@azure/cosmos';
import { type loadConfig } from '../shared/config';
import { type DetectionContext } from '../shared/detection/detectionContext';
import { allRules } from '../shared/detection/rules/index';
import { type IngestionDependencies } from '../shared/ingestion/processEventBatch';
import { type CachedSubscriptionSettings } from '../shared/ingestion/subscriptionSettings';
import { createDetectionStateCache } from '../shared/store/detectionStateStore';
import { changePlan, upsertPlan } from '../shared/store/planStore';
import { SelfSpecifiedWorkloads } from '../shared/store/selfSpecifiedWorkloads';
import { type UsageMeter } from '../shared/store/usageMeter';
import { CountingPublisher } from './storeRequests';

/**
 * One Functions instance as the handler benchmarks build it, the way services.ts builds it for the ingestion trigger:
 * every rule, the configured window, settle time, learning period and flush intervals, its own stateful state cache and
 * inventory memory, the settings cache and usage meter given, an alert-events hub that only counts, and a clock
 * (default: the wall clock; the sustained-rate pass passes its simulated one).
 */
export interface BenchInstanceOptions {
  database: Database;
  config: ReturnType<typeof loadConfig>;
  detectionContext: DetectionContext;
  subscriptionSettings: CachedSubscriptionSettings;
  usageMeter: UsageMeter;
  nowInMs?: () => number;
}

export function benchInstanceDependencies(options: BenchInstanceOptions): IngestionDependencies {
  const { database, config, nowInMs } = options;
  return {
    database,
    rules: allRules,
    detectionContext: options.detectionContext,
    subscriptionSettings: options.subscriptionSettings,
    aggregationWindowInMs: config.ingestion.aggregationWindowInMs,
    alertEvents: new CountingPublisher(),
    exportSettleInMs: config.export.settleInMs,
    learningPeriodInMs: config.detection.learningPeriodInMs,
    detectionStateCache: createDetectionStateCache(nowInMs, config.detection.stateFlushIntervalInMs),
    selfSpecifiedWorkloads: new SelfSpecifiedWorkloads(),
    usageMeter: options.usageMeter,
    simulationSigningKey: () => Promise.reject(new Error('the bench traffic has no simulated events')),
    now: nowInMs === undefined ? () => new Date() : () => new Date(nowInMs()),
  };
}

/** The bench's subscriptions with the plan switched on at `enabledAtUtc` (before the traffic starts: every event is covered). */
export async function switchPlansOn(database: Database, subscriptionIds: readonly string[], enabledAtUtc: string): Promise<void> {
  for (const subscriptionId of subscriptionIds) {
    await upsertPlan(database, changePlan(subscriptionId, undefined, { enabled: true, by: { principalId: 'bench', principalName: 'npm run bench' }, now: new Date(enabledAtUtc) }));
  }
}
