import { InvocationContext, type RetryOptions } from '@azure/functions';
import { invokeWithRetry } from '../../local/invokeWithRetry';
import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { setAlertEventPublisherForTests } from '../../shared/services';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { applyAppSettings } from './appSettings';
import { triggerMetadataOf } from './auditMessages';
import { startFaultInjectingCosmos, type FaultInjectingCosmos } from './faultInjectingCosmos';
import { RecordingPublisher } from './recordingPublisher';

/** What the tests of an ingestion trigger share: a store behind a fault-injecting proxy, the alert-events hub, plans. */
export interface IngestionTriggerHarness {
  /** The store, behind a proxy that answers with the faults Azure Cosmos DB gives (set in beforeAll). */
  readonly store: FaultInjectingCosmos;
  /** The alert-events hub (there is no local Event Hubs to send to outside the runtime). */
  readonly alertEvents: RecordingPublisher;
  /** A new subscription (ids start with `prefix`) whose plan was enabled before every test event. */
  enabledSubscription(): Promise<string>;
}

/**
 * Registers the hooks of an ingestion trigger's tests (call at the top of the file): the store and settings before
 * all, every queued fault consumed after each test, everything restored after all.
 */
export function useIngestionTriggerHarness(subscriptionIdPrefix: string): IngestionTriggerHarness {
  let store: FaultInjectingCosmos | undefined;
  let restoreSettings: () => void = () => undefined;
  let subscriptionCounter = 0;
  const alertEvents = new RecordingPublisher();

  beforeAll(async () => {
    store = await startFaultInjectingCosmos();
    restoreSettings = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', COSMOS__accountEndpoint: store.proxy.endpoint, SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '0', USAGE_FLUSH_INTERVAL_IN_SECONDS: '0' });
    setAlertEventPublisherForTests(alertEvents);
  });
  afterAll(async () => {
    setAlertEventPublisherForTests(undefined);
    restoreSettings();
    await store?.close();
  });
  afterEach(() => {
    expect(store?.proxy.pendingFaults()).toBe(0);
  });

  return {
    get store(): FaultInjectingCosmos {
      if (store === undefined) throw new Error('the store starts in beforeAll');
      return store;
    },
    alertEvents,
    async enabledSubscription(): Promise<string> {
      subscriptionCounter++;
      const subscriptionId = `${subscriptionIdPrefix}-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
      const by = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
      const database = this.store.database;
      await upsertPlan(database, changePlan(subscriptionId, undefined, { enabled: true, by, now: new Date('2026-11-22T09:00:00.000Z') }));
      return subscriptionId;
    },
  };
}

/** An ingestion trigger as the tests drive it: its name, its handler and its registered options (the retry policy). */
export interface IngestionTrigger {
  name: string;
  handler: (input: unknown, context: InvocationContext) => Promise<void>;
  options: { retry?: RetryOptions };
}

export type LoggingContext = InvocationContext & { logs: { level: string; message: string }[] };

/** The invocation context the host passes for a batch (its trigger metadata, a retry count when retrying), with the logs kept. */
export function triggerContextFor(trigger: Pick<IngestionTrigger, 'name'>, batch: EventBatch, retryCount?: number): LoggingContext {
  const logs: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName: trigger.name,
    invocationId: 'test',
    triggerMetadata: triggerMetadataOf(batch),
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
    ...(retryCount === undefined ? {} : { retryContext: { retryCount, maxRetryCount: -1 } }),
  });
  return Object.assign(context, { logs });
}

/** The trigger under its own retry policy, with the waits shortened so that the test is quick. */
export async function deliverWithRetry(trigger: IngestionTrigger, batch: EventBatch): Promise<{ ok: boolean; attempts: number; errors: unknown[] }> {
  const policy = trigger.options.retry as RetryOptions;
  const quick: RetryOptions = { ...policy, strategy: 'exponentialBackoff', minimumInterval: { milliseconds: 5 }, maximumInterval: { milliseconds: 20 } };
  const errors: unknown[] = [];
  const input = batch.messages.map((m) => m.body);
  const outcome = await invokeWithRetry((retryContext) => trigger.handler(input, triggerContextFor(trigger, batch, retryContext?.retryCount)), {
    retry: quick,
    onFailedAttempt: (error) => errors.push(error),
  });
  return { ok: outcome.ok, attempts: outcome.attempts, errors };
}
