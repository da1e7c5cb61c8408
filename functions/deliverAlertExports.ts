import type { InvocationContext } from '@azure/functions';
import { ArgusEnvironment } from '../shared/config';
import { deliverExportChanges } from '../shared/export/deliverExportChanges';
import { deliverWebhook } from '../shared/export/deliverWebhook';
import { defineEventHubFunction } from '../shared/functions/defineFunction';
import { deadLetterSourceOf, readEventHubBatch } from '../shared/ingestion/eventHubBatch';
import { type ExportEvent, readExportEvent } from '../shared/messaging/exportEvents';
import { getServices } from '../shared/services';
import { toDeadLetter, writeDeadLetters } from '../shared/store/deadLetterStore';
import { writeExportDeadLetters } from '../shared/store/exportDeadLetterStore';
import { openWebhookSecret } from '../shared/export/webhookSecrets';
import { isTransientKeyError } from '../shared/secrets/keyEncryptionKey';
import { getExportSettings } from '../shared/store/exportSettingsStore';
import { isTransientStoreError } from '../shared/store/transientFaults';
import { getAppVersion } from '../shared/version';

/**
 * The push export's trigger: batches of the alert-events hub (`%ALERT_EVENTS_EVENTHUB_NAME%`), each event
 * one alert creation or change, or one assessment change, delivered to the subscription's enabled targets (see
 * shared/export/deliverExportChanges.ts). Failed deliveries are dead-lettered where the subscription's
 * admins can see them; only store faults reading the settings throw, and the retry policy runs the
 * batch again (targets may then receive a delivery twice, with the same delivery id).
 */
export async function deliverAlertExports(input: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const reading = readEventHubBatch(input, context.triggerMetadata);
  if (!reading.ok) {
    context.error(`export batch rejected: ${reading.problem}`);
    return;
  }
  const { batch } = reading;
  const events: ExportEvent[] = [];
  const invalid = [];
  for (const message of batch.messages) {
    const event = readExportEvent(message.body);
    if (event.ok) events.push(event.event);
    else invalid.push({ message, problem: event.problem });
  }
  if (invalid.length > 0) {
    const now = new Date();
    await writeDeadLetters(
      services.database,
      invalid.map(({ message, problem }) =>
        toDeadLetter(
          {
            source: deadLetterSourceOf(batch, message, -1),
            reason: 'invalidAlertEvent',
            detail: problem,
            raw: message.body,
          },
          now,
        ),
      ),
    );
  }

  const local = services.config.environment === ArgusEnvironment.local;
  const { settings, eventHubSender, breakerOf } = services.exportDelivery;
  try {
    const summary = await deliverExportChanges(events, {
      exportSettingsOf: (subscriptionId) => settings.get(subscriptionId, () => getExportSettings(services.database, subscriptionId)),
      eventHubSender,
      breakerOf,
      webhookSecretOf: (subscriptionId, target) => openWebhookSecret(services.secrets, subscriptionId, target),
      postWebhook: (request) => deliverWebhook(request, { local, userAgent: `Argus/${getAppVersion()}` }),
      retry: {},
      writeDeadLetters: (letters) => writeExportDeadLetters(services.database, letters),
      productVersion: getAppVersion(),
      now: () => new Date(),
    });
    context.log(`export batch ${JSON.stringify({ stream: `${batch.eventHubName}/${batch.partitionId}`, invalid: invalid.length, ...summary })}`);
  } catch (error) {
    // A store or key vault fault: the retry policy runs the batch again.
    if (isTransientStoreError(error) || isTransientKeyError(error)) throw error;
    // Not a store outage: a bug or a document the code cannot read. Retrying would loop on it.
    context.error(`export batch ${batch.eventHubName}/${batch.partitionId} failed; its ${events.length} changes are not pushed (the pull export has them): ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const deliverAlertExportsFunction = defineEventHubFunction('deliverAlertExports', {
  eventHubName: '%ALERT_EVENTS_EVENTHUB_NAME%',
  consumerGroup: '%ALERT_EVENTS_CONSUMER_GROUP%',
  connection: 'EVENTHUB',
  cardinality: 'many',
  retry: { strategy: 'exponentialBackoff', maxRetryCount: -1, minimumInterval: { seconds: 2 }, maximumInterval: { minutes: 2 } },
  handler: deliverAlertExports,
});
