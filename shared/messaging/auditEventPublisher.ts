import { EventHubProducerClient, type EventDataBatch } from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import { ArgusEnvironment, type Config } from '../config';

/**
 * Sends message bodies to the audit Event Hub, the one the ingestion function reads. Production sends
 * through Event Hubs with the app's managed identity; local mode posts to the embedded hub of `npm start`.
 * A failure throws: the caller tells its client to retry.
 */
export interface AuditEventPublisher {
  /** Sends each body as one event (UTF-8 JSON text); resolves once all are accepted by the hub. */
  publish(bodies: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** How long the local runtime may take to accept a POST before publishing counts as failed. */
const LOCAL_PUBLISH_TIMEOUT_IN_MS = 10_000;

export function createAuditEventPublisher(config: Config): AuditEventPublisher {
  return config.environment === ArgusEnvironment.local ? new LocalHubPublisher(config) : new EventHubPublisher(config);
}

class EventHubPublisher implements AuditEventPublisher {
  private readonly client: EventHubProducerClient;

  constructor(config: Config) {
    const { fullyQualifiedNamespace, eventHubName, managedIdentityClientId } = config.auditStream;
    if (fullyQualifiedNamespace === undefined) throw new Error('EVENTHUB__fullyQualifiedNamespace is required to publish audit events.');
    const credential = new DefaultAzureCredential(managedIdentityClientId === undefined ? {} : { managedIdentityClientId });
    this.client = new EventHubProducerClient(fullyQualifiedNamespace, eventHubName, credential);
  }

  async publish(bodies: readonly string[]): Promise<void> {
    let batch: EventDataBatch | undefined;
    for (const body of bodies) {
      // A Buffer goes out as the raw bytes, as diagnostic settings send; a string body would be JSON-encoded again.
      const event = { body: Buffer.from(body, 'utf8'), contentType: 'application/json' };
      batch ??= await this.client.createBatch();
      if (batch.tryAdd(event)) continue;
      if (batch.count === 0) throw new Error(`an event of ${event.body.length} bytes does not fit in an Event Hubs batch.`);
      await this.client.sendBatch(batch);
      batch = await this.client.createBatch();
      if (!batch.tryAdd(event)) throw new Error(`an event of ${event.body.length} bytes does not fit in an Event Hubs batch.`);
    }
    if (batch !== undefined && batch.count > 0) await this.client.sendBatch(batch);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The embedded hub's producer endpoint (local/eventHubEndpoint.ts): a JSON array of strings is a batch of text events. */
class LocalHubPublisher implements AuditEventPublisher {
  private readonly url: string;

  constructor(config: Config) {
    this.url = `http://${reachableHost(config.local.host)}:${config.local.port}/api/local/eventhubs/${encodeURIComponent(config.auditStream.eventHubName)}/messages`;
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
