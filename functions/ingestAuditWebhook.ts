import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { parseAuditWebhookPayload } from '../shared/clusters/auditWebhookPayload';
import { forwardClusterEvents, type ForwardClusterEventsOptions } from '../shared/clusters/forwardClusterEvents';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { packDiagnosticRecords } from '../shared/messaging/packDiagnosticRecords';

const AUDIT_WEBHOOK: ForwardClusterEventsOptions = {
  functionName: 'ingestAuditWebhook',
  webhookName: 'audit webhook',
  eventsName: 'audit events',
  batchSizeHint: '--audit-webhook-batch-max-size',
  parse: parseAuditWebhookPayload,
  pack: (events, registration, now) => packDiagnosticRecords(events, { resourceId: registration.resourceId, nowUtc: now.toISOString() }),
  publisher: (services) => services.auditEventPublisher,
};

/**
 * `POST /api/ingest/audit`: a cluster's audit webhook (`--audit-webhook-config-file`, batch mode). The
 * bearer token is the cluster's ingestion key (see putCluster). The events are tagged with the
 * registration's resource id, wrapped as AKS diagnostic records and forwarded to the audit Event Hub,
 * where the ingestion pipeline reads them like AKS's own. Answers `{ accepted, tooLarge }`; 503 with
 * `Retry-After` when the hub cannot be reached, so the API server sends the batch again.
 */
export function ingestAuditWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return forwardClusterEvents(request, context, AUDIT_WEBHOOK);
}

export const ingestAuditWebhookFunction = defineHttpFunction('ingestAuditWebhook', {
  route: 'ingest/audit',
  methods: ['POST'],
  handler: ingestAuditWebhook,
});
