import type { InvocationContext } from '@azure/functions';
import { allRules } from '../shared/detection/rules';
import { defineEventHubFunction } from '../shared/functions/defineFunction';
import { deadLetterSourceOf, readEventHubBatch, type AuditBatch } from '../shared/ingestion/eventHubBatch';
import { processAuditBatch } from '../shared/ingestion/processAuditBatch';
import { getServices } from '../shared/services';
import { toDeadLetter, writeDeadLetters } from '../shared/store/deadLetterStore';
import { isTransientStoreError } from '../shared/store/transientFaults';

/** Rule failures logged per batch (each names the rule and the audit id, never the event). */
const MAX_LOGGED_RULE_FAILURES = 5;

/**
 * The ingestion pipeline's trigger: batches of the audit hub (`%AUDIT_EVENTHUB_NAME%`, AKS diagnostic
 * records or webhook events forwarded by `ingestAuditWebhook`) through detection into alerts.
 *
 * The trigger checkpoints whatever the outcome, so: transient store faults throw and the retry policy
 * runs the batch again (exponential backoff, without limit: an outage stalls ingestion, it loses
 * nothing, and re-running a batch changes nothing); bad data is dead-lettered and never throws; an
 * unexpected failure dead-letters the batch's events so that it cannot stall the partition forever.
 */
export async function ingestAuditEvents(input: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const reading = readEventHubBatch(input, context.triggerMetadata);
  if (!reading.ok) {
    context.error(`ingestion batch rejected: ${reading.problem}`);
    await deadLetterBatch(unreadableBatch(input), 'invalidTriggerMetadata', reading.problem);
    return;
  }
  const { batch } = reading;
  try {
    const { summary, ruleFailures } = await processAuditBatch(batch, {
      database: services.database,
      rules: allRules,
      detectionContext: services.ingestion.detectionContext,
      subscriptionSettings: services.ingestion.subscriptionSettings,
      aggregationWindowInMs: services.config.ingestion.aggregationWindowInMs,
      alertEvents: services.alertEventPublisher,
      exportSettleInMs: services.config.export.settleInMs,
      simulationSigningKey: services.ingestion.simulationSigningKey,
      now: () => new Date(),
    });
    for (const failure of ruleFailures.slice(0, MAX_LOGGED_RULE_FAILURES)) {
      context.warn(`rule ${failure.ruleId} failed on audit id ${failure.auditId}: ${failure.message}`);
    }
    context.log(`ingestion batch ${JSON.stringify(summary)}`);
  } catch (error) {
    if (isTransientStoreError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    context.error(`ingestion batch ${batch.eventHubName}/${batch.partitionId} failed unexpectedly; its events are dead-lettered: ${message}`);
    await deadLetterBatch(batch, 'processingFailed', message);
  }

  async function deadLetterBatch(failed: AuditBatch, reason: string, detail: string): Promise<void> {
    const now = new Date();
    const letters = failed.messages.map((message) =>
      toDeadLetter(
        {
          source: deadLetterSourceOf(failed, message, -1),
          reason,
          detail,
          raw: message.body,
        },
        now,
      ),
    );
    try {
      await writeDeadLetters(services.database, letters);
    } catch (error) {
      // A transient fault retries the batch; anything else must not loop: the loss is logged loudly.
      if (isTransientStoreError(error)) throw error;
      context.error(`dead-lettering ${letters.length} events failed; they are lost: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** A batch whose metadata could not be read: its events keep their order, under partition "unknown". */
function unreadableBatch(input: unknown): AuditBatch {
  const events: unknown[] = Array.isArray(input) ? (input as unknown[]) : [input];
  const now = new Date().toISOString();
  return {
    eventHubName: 'unknown',
    consumerGroup: 'unknown',
    partitionId: 'unknown',
    messages: events.map((body, index) => ({ body, sequenceNumber: index, offset: '', enqueuedTimeUtc: now })),
  };
}

export const ingestAuditEventsFunction = defineEventHubFunction('ingestAuditEvents', {
  eventHubName: '%AUDIT_EVENTHUB_NAME%',
  consumerGroup: '%AUDIT_EVENTHUB_CONSUMER_GROUP%',
  connection: 'EVENTHUB',
  cardinality: 'many',
  retry: { strategy: 'exponentialBackoff', maxRetryCount: -1, minimumInterval: { seconds: 2 }, maximumInterval: { minutes: 2 } },
  handler: ingestAuditEvents,
});
