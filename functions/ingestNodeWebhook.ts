import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { forwardClusterEvents, type ForwardClusterEventsOptions } from '../shared/clusters/forwardClusterEvents';
import { parseNodeEventsPayload } from '../shared/clusters/nodeEventsPayload';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { packNodeEvents } from '../shared/messaging/packNodeEvents';

const NODE_WEBHOOK: ForwardClusterEventsOptions = {
  functionName: 'ingestNodeWebhook',
  webhookName: 'node webhook',
  eventsName: 'node events',
  batchSizeHint: "the sender's batch size",
  parse: parseNodeEventsPayload,
  pack: (events, registration) => packNodeEvents(events, { resourceId: registration.resourceId }),
  publisher: (services) => services.nodeEventPublisher,
};

/**
 * `POST /api/ingest/node`: a cluster's node sensors (Tetragon's JSON export through a log shipper,
 * falcosidekick's webhook output). The bearer token is the cluster's ingestion key, the same one as the
 * audit webhook's (see putCluster). The body is NDJSON, a JSON array or one event; every event is tagged
 * with the registration's resource id (`cluster_resource_id`, over the sender's claim) and forwarded to the
 * node-events hub, where the node ingestion (ingestNodeEvents) reads it. Answers `{ accepted, tooLarge }`;
 * 503 with `Retry-After` when the hub cannot be reached, so the sender sends the batch again.
 */
export function ingestNodeWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return forwardClusterEvents(request, context, NODE_WEBHOOK);
}

export const ingestNodeWebhookFunction = defineHttpFunction('ingestNodeWebhook', {
  route: 'ingest/node',
  methods: ['POST'],
  handler: ingestNodeWebhook,
});
