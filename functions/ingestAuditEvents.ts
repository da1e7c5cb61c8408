import { defineEventHubFunction } from '../shared/functions/defineFunction';
import { auditSignal } from '../shared/ingestion/batchSignal';
import { createIngestionHandler, INGESTION_TRIGGER_OPTIONS } from '../shared/ingestion/ingestionTrigger';

/**
 * The audit ingestion trigger: batches of the audit hub (`%AUDIT_EVENTHUB_NAME%`, AKS diagnostic records
 * or webhook events forwarded by `ingestAuditWebhook`) through detection into alerts (see ingestionTrigger).
 */
export const ingestAuditEvents = createIngestionHandler(auditSignal);

export const ingestAuditEventsFunction = defineEventHubFunction('ingestAuditEvents', {
  eventHubName: '%AUDIT_EVENTHUB_NAME%',
  consumerGroup: '%AUDIT_EVENTHUB_CONSUMER_GROUP%',
  ...INGESTION_TRIGGER_OPTIONS,
  handler: ingestAuditEvents,
});
