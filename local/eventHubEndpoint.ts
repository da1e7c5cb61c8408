import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { errorResponse } from '../shared/http/errorResponse';
import type { HttpEndpoint } from './httpHost';
import { MAX_EVENT_SIZE_IN_BYTES, type LocalEventHubs } from './localEventHubs';

/** How many events one POST may carry (a guard for the local process, not an Azure limit). */
const MAX_EVENTS_PER_REQUEST = 10_000;

/**
 * `POST /api/local/eventhubs/{hubName}/messages`: what a producer (AKS diagnostic settings, the webhook
 * function, a test) would send to the hub. A JSON array is a batch of events, one per element; any other
 * JSON value is one event; any other content type (text, NDJSON of node events) sends the body as one text
 * event. String elements are sent as their text, anything else as its JSON. Answers 202 with the count accepted.
 */
export function createEventHubEndpoint(hubs: LocalEventHubs): HttpEndpoint {
  return {
    name: 'local.eventHubs',
    route: 'local/eventhubs/{hubName}/messages',
    methods: ['POST'],
    handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
      const hubName = request.params['hubName'] ?? '';
      const bodies = await readEventBodies(request);
      if (typeof bodies === 'object' && !Array.isArray(bodies)) return bodies;
      const tooLarge = bodies.findIndex((b) => Buffer.byteLength(b, 'utf8') > MAX_EVENT_SIZE_IN_BYTES);
      if (tooLarge >= 0) {
        return errorResponse(413, 'MessageTooLarge', `Event ${tooLarge} is larger than ${MAX_EVENT_SIZE_IN_BYTES} bytes, the Event Hubs limit.`);
      }
      const result = hubs.enqueue(hubName, bodies);
      if (result.kind === 'unknown-hub') {
        const known = result.knownHubs.length > 0 ? result.knownHubs.join(', ') : 'none';
        return errorResponse(404, 'HubNotFound', `No function is bound to event hub "${hubName}". Hubs with a consumer: ${known}.`);
      }
      return {
        status: 202,
        jsonBody: {
          hubName: result.hubName,
          accepted: result.count,
          firstSequenceNumber: result.firstSequenceNumber,
          lastSequenceNumber: result.lastSequenceNumber,
        },
      };
    },
  };
}

async function readEventBodies(request: HttpRequest): Promise<string[] | HttpResponseInit> {
  const text = await request.text();
  if (text.trim() === '') return errorResponse(400, 'EmptyBody', 'The request body is empty: send one event or a JSON array of events.');
  const contentType = (request.headers.get('content-type') ?? 'application/json').toLowerCase();
  if (!isJsonDocumentType(contentType)) return [text];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid JSON';
    return errorResponse(400, 'InvalidJson', `The body is not valid JSON (${detail}); send text with another content type.`);
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0) return errorResponse(400, 'EmptyBatch', 'The JSON array holds no events.');
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return errorResponse(413, 'TooManyEvents', `At most ${MAX_EVENTS_PER_REQUEST} events per request; got ${events.length}.`);
  }
  return events.map((event) => (typeof event === 'string' ? event : JSON.stringify(event)));
}

/** `application/json` and `+json` types hold one JSON document; `application/x-ndjson` and the like do not. */
function isJsonDocumentType(contentType: string): boolean {
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}
