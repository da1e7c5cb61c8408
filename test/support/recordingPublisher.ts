import { type EventPublisher } from '../../shared/messaging/eventPublisher';

/**
 * Stands in for an Event Hubs producer (there is no local Event Hubs to send to in unit tests): records
 * what is published, with its partition key; `failWith` makes the next publishes throw.
 */
export class RecordingPublisher implements EventPublisher {
  bodies: string[] = [];
  partitionKeys: (string | undefined)[] = [];
  failWith: Error | undefined;

  publish(bodies: readonly string[], options: { partitionKey?: string } = {}): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.bodies.push(...bodies);
    this.partitionKeys.push(...bodies.map(() => options.partitionKey));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  take(): string[] {
    const taken = this.bodies;
    this.bodies = [];
    this.partitionKeys = [];
    return taken;
  }

  /** The published bodies parsed as JSON, taken. */
  takeParsed<T = unknown>(): T[] {
    return this.take().map((body) => JSON.parse(body) as T);
  }
}
