import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { errorResponse } from '../http/errorResponse';
import { enforceRateLimit, RateLimitedOperation } from '../http/rateLimits';
import { bodyTooLargeResponse, readRequestBody } from '../http/readRequestBody';
import { type EventPublisher } from '../messaging/eventPublisher';
import { getServices, type Services } from '../services';
import { type ClusterRegistration } from '../store/clusterStore';
import { MAX_WEBHOOK_BODY_IN_BYTES, type WebhookPayloadParsing } from './auditWebhookPayload';
import { authenticateClusterRequest } from './authenticateClusterRequest';

/**
 * The edge every cluster webhook shares (`/ingest/audit`, `/ingest/node`): the bearer token is the
 * cluster's ingestion key, the key's rate limit is taken (INGEST_RATE_LIMIT_PER_MINUTE), the body is read up to
 * MAX_WEBHOOK_BODY_IN_BYTES, parsed, tagged with the registration's identity, packed into Event Hubs messages and
 * published. Answers `{ accepted, tooLarge }`; 401 without a valid key, 429 with `Retry-After` over the rate limit,
 * 400 naming the field, 413, and 503 with `Retry-After` when the hub cannot be reached, so the sender sends the
 * batch again.
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
  /** The function serving the route (`ingestAuditWebhook`): each route has rate-limit buckets of its own. */
  functionName: string;
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
  const { registration, keyId } = authentication;
  // INGEST_RATE_LIMIT_PER_MINUTE per key and route, keyed by the key's identity (never the key): a rotation's
  // previous key has a bucket of its own, so a leaked old key cannot use up the new one's.
  const limit = enforceRateLimit(services.config.rateLimits, context, {
    operation: RateLimitedOperation.ingestion,
    route: options.functionName,
    caller: `${registration.subscriptionId}/${registration.clusterName}/${keyId}`,
    callerForLog: `key ${keyId} of cluster ${registration.resourceId}`,
  });
  if (limit.kind === 'rejected') return limit.response;

  const body = await readRequestBody(request, MAX_WEBHOOK_BODY_IN_BYTES);
  if (body.kind === 'too-large') return bodyTooLargeResponse(MAX_WEBHOOK_BODY_IN_BYTES, `lower ${options.batchSizeHint}`);
  const payload = options.parse(utf8.decode(body.bytes));
  if (!payload.ok) return errorResponse(400, 'InvalidRequestBody', payload.message);

  const packed = options.pack(payload.events, registration, now);
  try {
    // One cluster, one partition: its events reach the pipeline in order (the AKS route cannot promise that; the
    // stateful rules give the same alerts either way).
    if (packed.messages.length > 0) await options.publisher(services).publish(packed.messages, { partitionKey: registration.resourceId });
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
