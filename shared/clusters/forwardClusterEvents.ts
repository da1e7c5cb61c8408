import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { errorResponse } from '../http/errorResponse';
import { type EventPublisher } from '../messaging/eventPublisher';
import { getServices, type Services } from '../services';
import { type ClusterRegistration } from '../store/clusterStore';
import { MAX_WEBHOOK_BODY_IN_BYTES, type WebhookPayloadParsing } from './auditWebhookPayload';
import { authenticateClusterRequest } from './authenticateClusterRequest';

/**
 * The edge every cluster webhook shares (`/ingest/audit`, `/ingest/node`): the bearer token is the
 * cluster's ingestion key, the body is read up to MAX_WEBHOOK_BODY_IN_BYTES, parsed, tagged with the
 * registration's identity, packed into Event Hubs messages and published. Answers `{ accepted, tooLarge }`;
 * 401 without a valid key, 400 naming the field, 413, and 503 with `Retry-After` when the hub cannot be
 * reached, so the sender sends the batch again.
 */

/** What a sender is told to wait before retrying a batch Argus could not forward. */
const RETRY_AFTER_IN_SECONDS = 10;

const utf8 = new TextDecoder('utf-8');

export interface PackedClusterEvents {
  messages: string[];
  accepted: number;
  tooLarge: number;
  /** Events forwarded with parts replaced (the audit webhook's oversized objects); logged when given. */
  trimmed?: number;
}

export interface ForwardClusterEventsOptions {
  /** Names the webhook in log lines: `audit webhook`. */
  webhookName: string;
  /** What the events are, in the 503 answer: `audit events`. */
  eventsName: string;
  /** What the 413 answer tells the sender to lower: `--audit-webhook-batch-max-size`. */
  batchSizeHint: string;
  parse(body: string): WebhookPayloadParsing;
  /** Tags the events with the registration's identity (never the sender's claim) and packs them. */
  pack(events: readonly Record<string, unknown>[], registration: ClusterRegistration, now: Date): PackedClusterEvents;
  publisher(services: Services): EventPublisher;
}

export async function forwardClusterEvents(request: HttpRequest, context: InvocationContext, options: ForwardClusterEventsOptions): Promise<HttpResponseInit> {
  const started = performance.now();
  const services = getServices();
  const now = new Date();
  const authentication = await authenticateClusterRequest(request, context, services, now);
  if (authentication.kind === 'rejected') return authentication.response;
  const { registration } = authentication;

  if (Number(request.headers.get('content-length') ?? 0) > MAX_WEBHOOK_BODY_IN_BYTES) return tooLarge(options);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_WEBHOOK_BODY_IN_BYTES) return tooLarge(options);
  const payload = options.parse(utf8.decode(bytes));
  if (!payload.ok) return errorResponse(400, 'InvalidRequestBody', payload.message);

  const packed = options.pack(payload.events, registration, now);
  try {
    if (packed.messages.length > 0) await options.publisher(services).publish(packed.messages);
  } catch (error) {
    // The reason is for operators only; it may name endpoints.
    context.error(
      `${options.webhookName}: forwarding ${packed.accepted} events of cluster ${registration.resourceId} failed: ${error instanceof Error ? error.message : 'unknown error'}`,
    );
    return errorResponse(503, 'ServiceUnavailable', `The ${options.eventsName} could not be forwarded right now; send them again later.`, {
      'retry-after': String(RETRY_AFTER_IN_SECONDS),
    });
  }
  context.info(
    `${options.webhookName}: cluster ${registration.resourceId}: ${packed.accepted} events forwarded in ${packed.messages.length} messages, ` +
      `${packed.trimmed === undefined ? '' : `${packed.trimmed} trimmed, `}${packed.tooLarge} too large, ${Math.round(performance.now() - started)} ms`,
  );
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { accepted: packed.accepted, tooLarge: packed.tooLarge } };
}

function tooLarge(options: ForwardClusterEventsOptions): HttpResponseInit {
  return errorResponse(413, 'RequestBodyTooLarge', `body must be at most ${MAX_WEBHOOK_BODY_IN_BYTES} bytes; lower ${options.batchSizeHint}.`);
}
