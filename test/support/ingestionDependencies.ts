import type { Database } from '@azure/cosmos';
import { defaultDetectionContext } from '../../shared/detection/detectionContext';
import { allRules } from '../../shared/detection/rules';
import { type IngestionDependencies } from '../../shared/ingestion/processEventBatch';
import { CachedSubscriptionSettings } from '../../shared/ingestion/subscriptionSettings';
import { RecordingPublisher } from './recordingPublisher';

/** The simulation signing key of pipeline tests. */
export const TEST_SIMULATION_KEY = Buffer.alloc(32, 7);

/**
 * What processEventBatch needs in a pipeline test: every rule, the default lists, the store without a
 * settings cache, a one-hour window, a recording alert-events hub, a 10 s export settle time, a 7-day learning period, the test
 * signing key and a fixed clock; `overrides` replace any of them.
 */
export function ingestionDependencies(database: Database, now: Date, overrides: Partial<IngestionDependencies> = {}): IngestionDependencies {
  return {
    database,
    rules: allRules,
    detectionContext: defaultDetectionContext,
    subscriptionSettings: new CachedSubscriptionSettings(database, 0),
    aggregationWindowInMs: 3_600_000,
    alertEvents: new RecordingPublisher(),
    exportSettleInMs: 10_000,
    learningPeriodInMs: 7 * 24 * 3_600_000,
    simulationSigningKey: () => Promise.resolve(TEST_SIMULATION_KEY),
    now: () => now,
    ...overrides,
  };
}
