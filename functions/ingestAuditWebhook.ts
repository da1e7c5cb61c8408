import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { MAX_WEBHOOK_BODY_IN_BYTES, parseAuditWebhookPayload } from '../shared/clusters/auditWebhookPayload';
import { authenticateClusterRequest } from '../shared/clusters/authenticateClusterRequest';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { errorResponse } from '../shared/http/errorResponse';
import { packDiagnosticRecords } from '../shared/messaging/packDiagnosticRecords';
import { getServices } from '../shared/services';

/** What the API server's webhook backend is told to wait before retrying a batch Argus could not forward. */
const RETRY_AFTER_IN_SECONDS = 10;

const utf8 = new TextDecoder('utf-8');

/**
 * `POST /api/ingest/audit`: a cluster's audit webhook (`--audit-webhook-config-file`, batch mode). The
 * bearer token is the cluster's ingestion key (see putCluster). The events are tagged with the
 * registration's resource id, wrapped as AKS diagnostic records and forwarded to the audit Event Hub,
 * where the ingestion pipeline reads them like AKS's own. Answers `{ accepted, tooLarge }`; 503 with
 * `Retry-After` when the hub cannot be reached, so the API server sends the batch again.
 */
export async function ingestAuditWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const started = performance.now();
  const services = getServices();
  const now = new Date();
  const authentication = await authenticateClusterRequest(request, context, services, now);
  if (authentication.kind === 'rejected') return authentication.response;
  const { registration } = authentication;

  if (Number(request.headers.get('content-length') ?? 0) > MAX_WEBHOOK_BODY_IN_BYTES) return tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_WEBHOOK_BODY_IN_BYTES) return tooLarge();
  const payload = parseAuditWebhookPayload(utf8.decode(bytes));
  if (!payload.ok) return errorResponse(400, 'InvalidRequestBody', payload.message);

  const packed = packDiagnosticRecords(payload.events, { resourceId: registration.resourceId, nowUtc: now.toISOString() });
  try {
    if (packed.messages.length > 0) await services.auditEventPublisher.publish(packed.messages);
  } catch (error) {
    // The reason is for operators only; it may name endpoints.
    context.error(`audit webhook: forwarding ${packed.accepted} events of cluster ${registration.resourceId} failed: ${error instanceof Error ? error.message : 'unknown error'}`);
    return errorResponse(503, 'ServiceUnavailable', 'The audit events could not be forwarded right now; send them again later.', {
      'retry-after': String(RETRY_AFTER_IN_SECONDS),
    });
  }
  context.info(
    `audit webhook: cluster ${registration.resourceId}: ${packed.accepted} events forwarded in ${packed.messages.length} messages, ` +
      `${packed.trimmed} trimmed, ${packed.tooLarge} too large, ${Math.round(performance.now() - started)} ms`,
  );
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { accepted: packed.accepted, tooLarge: packed.tooLarge } };
}

function tooLarge(): HttpResponseInit {
  return errorResponse(413, 'RequestBodyTooLarge', `body must be at most ${MAX_WEBHOOK_BODY_IN_BYTES} bytes; lower --audit-webhook-batch-max-size.`);
}

export const ingestAuditWebhookFunction = defineHttpFunction('ingestAuditWebhook', {
  route: 'ingest/audit',
  methods: ['POST'],
  handler: ingestAuditWebhook,
});
