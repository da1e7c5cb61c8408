import { CLUSTER_RESOURCE_ID_KEY } from '../node/nodeClusterIdentity';
import { MAX_MESSAGE_BODY_IN_BYTES } from './packDiagnosticRecords';

/**
 * Tags raw node events (Tetragon `GetEventsResponse` objects, falcosidekick alerts) with the cluster that
 * sent them and packs them into Event Hubs message bodies of NDJSON, one event per line, what the node
 * pipeline's decoder reads. Pure.
 */


export interface PackNodeEventsOptions {
  /** The cluster's resource id, written as each event's `cluster_resource_id`. */
  resourceId: string;
  /** The largest message body, in UTF-8 bytes; `MAX_MESSAGE_BODY_IN_BYTES` (below Event Hubs' 1 MB) by default. */
  maxMessageBodyInBytes?: number;
}

export interface PackedNodeEvents {
  /** Message bodies, each NDJSON of tagged events and at most the limit. */
  messages: string[];
  /** Events forwarded. */
  accepted: number;
  /** Events dropped: one alone is larger than a message. */
  tooLarge: number;
}

export function packNodeEvents(events: readonly Record<string, unknown>[], options: PackNodeEventsOptions): PackedNodeEvents {
  const limit = options.maxMessageBodyInBytes ?? MAX_MESSAGE_BODY_IN_BYTES;
  const messages: string[] = [];
  let lines: string[] = [];
  let linesBytes = 0;
  let accepted = 0;
  let tooLarge = 0;

  const flush = (): void => {
    if (lines.length > 0) messages.push(lines.join('\n'));
    lines = [];
    linesBytes = 0;
  };

  for (const event of events) {
    // The registration whose key authenticated the request names the cluster, over whatever the sender wrote:
    // a cluster never speaks for another.
    const line = JSON.stringify({ ...event, [CLUSTER_RESOURCE_ID_KEY]: options.resourceId });
    const bytes = Buffer.byteLength(line, 'utf8');
    // Unlike an audit event, a node event has no object to trim: it goes whole or not at all.
    if (bytes > limit) {
      tooLarge++;
      continue;
    }
    if (lines.length > 0 && linesBytes + 1 + bytes > limit) flush();
    linesBytes += (lines.length > 0 ? 1 : 0) + bytes; // the newline before every line but the first
    lines.push(line);
    accepted++;
  }
  flush();
  return { messages, accepted, tooLarge };
}
