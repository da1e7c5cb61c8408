import { EventHubProducerClient, type EventDataBatch } from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import { ArgusEnvironment, type Config } from '../config';

/**
 * Sends message bodies to one of the app's own Event Hubs (the audit hub the ingestion reads, the
 * alert-events hub the push export reads). Production sends through Event Hubs with the app's managed
 * identity; local mode posts to the embedded hub of `npm start`. A failure throws: the caller retries.
 */
export interface EventPublisher {
  /**
   * Sends each body as one event (UTF-8 JSON text); resolves once all are accepted by the hub. Events
   * with the same partition key land in one partition, in order.
   */
  publish(bodies: readonly string[], options?: { partitionKey?: string }): Promise<void>;
  close(): Promise<void>;
}


/** How long the local runtime may take to accept a POST before publishing counts as failed. */
const LOCAL_PUBLISH_TIMEOUT_IN_MS = 10_000;

/** A publisher to the app's hub `eventHubName` (in the namespace of EVENTHUB__fullyQualifiedNamespace). */
export function createEventPublisher(config: Config, eventHubName: string): EventPublisher {
  if (config.environment === ArgusEnvironment.local) return new LocalHubPublisher(config, eventHubName);
  const { fullyQualifiedNamespace, managedIdentityClientId } = config.auditStream;
  if (fullyQualifiedNamespace === undefined) throw new Error('EVENTHUB__fullyQualifiedNamespace is required to publish events.');
  return new EventHubPublisher(fullyQualifiedNamespace, eventHubName, managedIdentityClientId);
}

/**
 * Sends to an Event Hub with a managed identity (or the developer's credential): the app's own hubs, and
 * the push export's Event Hub targets in a customer's namespace (where the customer granted the app's
 * identity Azure Event Hubs Data Sender).
 */
export class EventHubPublisher implements EventPublisher {
  private readonly client: EventHubProducerClient;

  constructor(fullyQualifiedNamespace: string, eventHubName: string, managedIdentityClientId?: string) {
    const credential = new DefaultAzureCredential(managedIdentityClientId === undefined ? {} : { managedIdentityClientId });
    this.client = new EventHubProducerClient(fullyQualifiedNamespace, eventHubName, credential);
  }

  async publish(bodies: readonly string[], options: { partitionKey?: string } = {}): Promise<void> {
    const batchOptions = options.partitionKey === undefined ? {} : { partitionKey: options.partitionKey };
    let batch: EventDataBatch | undefined;
    for (const body of bodies) {
      // A Buffer goes out as the raw bytes, as diagnostic settings send; a string body would be JSON-encoded again.
      const event = { body: Buffer.from(body, 'utf8'), contentType: 'application/json' };
      batch ??= await this.client.createBatch(batchOptions);
      if (batch.tryAdd(event)) continue;
      if (batch.count === 0) throw new Error(`an event of ${event.body.length} bytes does not fit in an Event Hubs batch.`);
      await this.client.sendBatch(batch);
      batch = await this.client.createBatch(batchOptions);
      if (!batch.tryAdd(event)) throw new Error(`an event of ${event.body.length} bytes does not fit in an Event Hubs batch.`);
    }
    if (batch !== undefined && batch.count > 0) await this.client.sendBatch(batch);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The embedded hub's producer endpoint (local/eventHubEndpoint.ts): a JSON array of strings is a batch of text events. */
class LocalHubPublisher implements EventPublisher {
  private readonly url: string;

  constructor(config: Config, eventHubName: string) {
    this.url = `http://${reachableHost(config.local.host)}:${config.local.port}/api/local/eventhubs/${encodeURIComponent(eventHubName)}/messages`;
  }

  async publish(bodies: readonly string[]): Promise<void> {
    if (bodies.length === 0) return;
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bodies),
      signal: AbortSignal.timeout(LOCAL_PUBLISH_TIMEOUT_IN_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the local event hub answered ${response.status}.`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The runtime may listen on every address (`0.0.0.0`, for clusters in containers); it is reached on loopback. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
