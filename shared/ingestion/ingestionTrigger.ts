import type { EventHubFunctionOptions, InvocationContext } from '@azure/functions';
import { allRules } from '../detection/rules';
import { onHostTerminate } from '../functions/defineFunction';
import { flushPendingWrites, getServices } from '../services';
import { toDeadLetter, writeDeadLetters } from '../store/deadLetterStore';
import { isTransientStoreError } from '../store/transientFaults';
import { type BatchSignal } from './batchSignal';
import { deadLetterSourceOf, type EventBatch, readEventHubBatch } from './eventHubBatch';
import { processEventBatch } from './processEventBatch';

// A scale-in or deployment stops the app gracefully: the instance's unwritten usage counts and observations are written.
onHostTerminate(() => flushPendingWrites());

/** Rule failures logged per batch (each names the rule and the event id, never the event). */
const MAX_LOGGED_RULE_FAILURES = 5;

/**
 * What every ingestion trigger declares besides its hub and consumer group: the identity-based EVENTHUB
 * connection, batches, and a retry policy without limit (exponential backoff): an outage stalls ingestion,
 * it loses nothing, and re-running a batch changes nothing.
 */
export const INGESTION_TRIGGER_OPTIONS = {
  connection: 'EVENTHUB',
  cardinality: 'many',
  retry: { strategy: 'exponentialBackoff', maxRetryCount: -1, minimumInterval: { seconds: 2 }, maximumInterval: { minutes: 2 } },
} as const satisfies Partial<EventHubFunctionOptions>;

export type IngestionHandler = (input: unknown, context: InvocationContext) => Promise<void>;

/**
 * The handler of an ingestion trigger: reads the batch the host passes, runs it through the pipeline with
 * the signal's decoder, and logs one summary line (counts only).
 *
 * The trigger checkpoints whatever the outcome, so: transient store faults throw and the retry policy runs
 * the batch again; bad data is dead-lettered and never throws; an unexpected failure dead-letters the
 * batch's events so that it cannot stall the partition forever.
 */
export function createIngestionHandler(signal: BatchSignal): IngestionHandler {
  return async (input, context) => {
    const services = getServices();
    const deadLetterBatch = async (failed: EventBatch, reason: string, detail: string): Promise<void> => {
      const now = new Date();
      const letters = failed.messages.map((message) => toDeadLetter({ source: deadLetterSourceOf(failed, message, -1), reason, detail, raw: message.body }, now));
      try {
        await writeDeadLetters(services.database, letters);
      } catch (error) {
        // A transient fault retries the batch; anything else must not loop: the loss is logged loudly.
        if (isTransientStoreError(error)) throw error;
        context.error(`dead-lettering ${letters.length} events failed; they are lost: ${messageOf(error)}`);
      }
    };

    const reading = readEventHubBatch(input, context.triggerMetadata);
    if (!reading.ok) {
      context.error(`ingestion batch rejected: ${reading.problem}`);
      await deadLetterBatch(unreadableBatch(input), 'invalidTriggerMetadata', reading.problem);
      return;
    }
    const { batch } = reading;
    try {
      const { summary, ruleFailures } = await processEventBatch(batch, signal, {
        database: services.database,
        rules: allRules,
        detectionContext: services.ingestion.detectionContext,
        subscriptionSettings: services.ingestion.subscriptionSettings,
        aggregationWindowInMs: services.config.ingestion.aggregationWindowInMs,
        alertEvents: services.alertEventPublisher,
        exportSettleInMs: services.config.export.settleInMs,
        learningPeriodInMs: services.config.detection.learningPeriodInMs,
        simulationSigningKey: services.ingestion.simulationSigningKey,
        detectionStateCache: services.ingestion.detectionStateCache,
        selfSpecifiedWorkloads: services.ingestion.selfSpecifiedWorkloads,
        usageMeter: services.ingestion.usageMeter,
        now: () => new Date(),
      });
      for (const failure of ruleFailures.slice(0, MAX_LOGGED_RULE_FAILURES)) {
        context.warn(`rule ${failure.ruleId} failed on ${signal.name} event ${failure.auditId}: ${failure.message}`);
      }
      context.log(`ingestion batch ${JSON.stringify(summary)}`);
    } catch (error) {
      if (isTransientStoreError(error)) throw error;
      context.error(`ingestion batch ${batch.eventHubName}/${batch.partitionId} failed unexpectedly; its events are dead-lettered: ${messageOf(error)}`);
      await deadLetterBatch(batch, 'processingFailed', messageOf(error));
    }
  };
}

/** A batch whose metadata could not be read: its events keep their order, under partition "unknown". */
function unreadableBatch(input: unknown): EventBatch {
  const events: unknown[] = Array.isArray(input) ? (input as unknown[]) : [input];
  const now = new Date().toISOString();
  return {
    eventHubName: 'unknown',
    consumerGroup: 'unknown',
    partitionId: 'unknown',
    messages: events.map((body, index) => ({ body, sequenceNumber: index, offset: '', enqueuedTimeUtc: now })),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
