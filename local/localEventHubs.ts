import type { TriggerMetadata } from '@azure/functions';
import type { EventHubFunctionDefinition } from '../shared/functions/defineFunction';
import { createInvocationContext } from './createInvocationContext';
import { HubLog, type HubPosition, listOrphanedHubLogs } from './hubStateFile';
import { invokeWithRetry } from './invokeWithRetry';
import type { LocalLogger } from './localLogger';

/**
 * The embedded Event Hubs: no emulator exists without Docker, so this stands in for the service and for
 * the Functions Event Hub trigger. Each hub is one partition ("0") holding events in order; every
 * function bound to it is a consumer group with its own checkpoint, fed batches of up to
 * `maxEventBatchSize` with the `triggerMetadata` the Node worker hands over in Azure. As in Azure, the
 * checkpoint advances after the function returns or after its retry policy gives up: a batch that
 * still fails is logged and lost, which is why the pipeline's functions retry transient faults.
 * With `durableDirectory`, every accepted event and every checkpoint is on disk before it counts (see
 * hubStateFile.ts): a runtime killed at any point delivers, after its restart, every event from each consumer's
 * last checkpoint, as Event Hubs does after a host crash (a batch whose checkpoint was not taken comes again).
 */
export interface LocalEventHubsOptions {
  functions: readonly EventHubFunctionDefinition[];
  /** Resolves `%SETTING%` expressions in hub and consumer group names. */
  resolve: (expression: string) => string;
  /** host.json `extensions.eventHubs.maxEventBatchSize`. */
  maxEventBatchSize: number;
  /** Shown as `fullyQualifiedNamespace` in the trigger metadata. */
  namespace: string;
  logger: LocalLogger;
  /** The folder of the hubs' logs and checkpoints (`<data folder>/eventhubs`); none: the hubs live in memory only. */
  durableDirectory?: string;
}

/** An event as stored by the hub; `body` is the UTF-8 text the producer sent. */
export interface StoredEvent {
  body: string;
  sequenceNumber: number;
  offset: string;
  enqueuedTimeUtc: string;
}

/** What survives a restart of the runtime: undelivered events, sequence counters and checkpoints. */
export interface HubState {
  hubName: string;
  firstSequenceNumber: number;
  nextOffset: number;
  events: StoredEvent[];
  /** Next sequence number per consumer, keyed `<functionName>/<consumerGroup>`. */
  checkpoints: Record<string, number>;
}

export type EnqueueResult =
  | { kind: 'accepted'; hubName: string; count: number; firstSequenceNumber: number; lastSequenceNumber: number }
  | { kind: 'unknown-hub'; knownHubs: string[] };

/** The largest event Event Hubs Standard accepts. */
export const MAX_EVENT_SIZE_IN_BYTES = 1024 * 1024;

interface Consumer {
  definition: EventHubFunctionDefinition;
  consumerGroup: string;
  /** Sequence number of the next event to deliver. */
  checkpoint: number;
  running: Promise<void> | undefined;
}

interface Hub {
  name: string;
  events: StoredEvent[];
  /** Sequence number of `events[0]` (delivered events are trimmed). */
  firstSequenceNumber: number;
  nextOffset: number;
  consumers: Consumer[];
  /** Its log and checkpoints on disk (durable hubs only). */
  log: HubLog | undefined;
}

export class LocalEventHubs {
  private readonly hubs = new Map<string, Hub>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: LocalEventHubsOptions) {
    for (const definition of options.functions) {
      const name = options.resolve(definition.options.eventHubName);
      const hub = this.hubs.get(name.toLowerCase()) ?? { name, events: [], firstSequenceNumber: 0, nextOffset: 0, consumers: [], log: undefined };
      hub.consumers.push({
        definition,
        consumerGroup: options.resolve(definition.options.consumerGroup ?? '$Default'),
        checkpoint: 0,
        running: undefined,
      });
      this.hubs.set(name.toLowerCase(), hub);
    }
    if (options.durableDirectory !== undefined) for (const hub of this.hubs.values()) this.openLog(hub, options.durableDirectory);
  }

  /** Loads a durable hub's retained events and checkpoints; consumers resume at their checkpoint (a new one at the oldest event). */
  private openLog(hub: Hub, root: string): void {
    const opened = HubLog.open(HubLog.directoryOf(root, hub.name));
    hub.log = opened.log;
    hub.nextOffset = opened.nextOffset;
    const oldest = opened.events[0]?.sequenceNumber ?? opened.nextSequenceNumber;
    for (const consumer of hub.consumers) {
      const saved = opened.checkpoints[consumerKey(consumer)] ?? oldest;
      consumer.checkpoint = Math.min(Math.max(saved, oldest), opened.nextSequenceNumber);
    }
    const lowest = Math.min(...hub.consumers.map((c) => c.checkpoint));
    hub.events = opened.events.filter((event) => event.sequenceNumber >= lowest);
    hub.firstSequenceNumber = hub.events[0]?.sequenceNumber ?? opened.nextSequenceNumber;
    opened.log.deleteBefore(lowest);
  }

  hubNames(): string[] {
    return [...this.hubs.values()].map((hub) => hub.name);
  }

  /** Appends events (each the UTF-8 body a producer would send) and wakes the consumers. */
  enqueue(hubName: string, bodies: readonly string[], now: Date = new Date()): EnqueueResult {
    const hub = this.hubs.get(hubName.toLowerCase());
    if (!hub) return { kind: 'unknown-hub', knownHubs: this.hubNames() };
    const firstSequenceNumber = hub.firstSequenceNumber + hub.events.length;
    const appended: StoredEvent[] = [];
    let nextOffset = hub.nextOffset;
    for (const body of bodies) {
      appended.push({
        body,
        sequenceNumber: firstSequenceNumber + appended.length,
        offset: String(nextOffset),
        // The Functions host formats enqueued times without a zone designator.
        enqueuedTimeUtc: now.toISOString().replace(/Z$/, ''),
      });
      nextOffset += Buffer.byteLength(body, 'utf8');
    }
    // On disk before it is acknowledged (and before any consumer sees it); a failed write accepts nothing.
    hub.log?.append(appended);
    hub.events.push(...appended);
    hub.nextOffset = nextOffset;
    for (const consumer of hub.consumers) this.pump(hub, consumer);
    return {
      kind: 'accepted',
      hubName: hub.name,
      count: bodies.length,
      firstSequenceNumber,
      lastSequenceNumber: firstSequenceNumber + bodies.length - 1,
    };
  }

  /** The hubs' state for saving; call after `stop()` so that nothing moves meanwhile. */
  exportState(): HubState[] {
    return [...this.hubs.values()].map((hub) => {
      const first = Math.min(...hub.consumers.map((c) => c.checkpoint));
      return {
        hubName: hub.name,
        firstSequenceNumber: first,
        nextOffset: hub.nextOffset,
        events: hub.events.slice(first - hub.firstSequenceNumber),
        checkpoints: Object.fromEntries(hub.consumers.map((c) => [consumerKey(c), c.checkpoint])),
      };
    });
  }

  /**
   * Loads saved state and delivers what was pending, with sequence numbers and offsets continuing where
   * they stopped. Returns the hubs with pending events that no function binds any more (those events
   * cannot be delivered). A consumer that is new starts at the oldest retained event.
   */
  restoreState(states: readonly HubState[]): string[] {
    const orphaned: string[] = [];
    for (const state of states) {
      const hub = this.hubs.get(state.hubName.toLowerCase());
      if (!hub) {
        if (state.events.length > 0) orphaned.push(state.hubName);
        continue;
      }
      // A durable hub adopts saved state (a clean stop of an earlier version) only while its own log is empty.
      if (hub.log !== undefined && hub.firstSequenceNumber + hub.events.length > 0) continue;
      hub.log?.append(state.events);
      hub.events = [...state.events];
      hub.firstSequenceNumber = state.firstSequenceNumber;
      hub.nextOffset = state.nextOffset;
      const end = state.firstSequenceNumber + state.events.length;
      for (const consumer of hub.consumers) {
        const saved = state.checkpoints[consumerKey(consumer)] ?? state.firstSequenceNumber;
        consumer.checkpoint = Math.min(Math.max(saved, state.firstSequenceNumber), end);
      }
      hub.log?.writeCheckpoints(this.checkpointsOf(hub), this.nextPositionOf(hub));
    }
    const root = this.options.durableDirectory;
    if (root !== undefined) orphaned.push(...listOrphanedHubLogs(root, this.hubNames()).filter((name) => !orphaned.includes(name)));
    // Durable hubs deliver what they hold from each consumer's checkpoint.
    for (const hub of this.hubs.values()) for (const consumer of hub.consumers) this.pump(hub, consumer);
    return orphaned;
  }

  private checkpointsOf(hub: Hub): Record<string, number> {
    return Object.fromEntries(hub.consumers.map((c) => [consumerKey(c), c.checkpoint]));
  }

  private nextPositionOf(hub: Hub): HubPosition {
    return { sequenceNumber: hub.firstSequenceNumber + hub.events.length, offset: hub.nextOffset };
  }

  /** Resolves once every consumer has caught up with every hub (tests, shutdown). */
  async whenIdle(): Promise<void> {
    for (;;) {
      const running = [...this.hubs.values()].flatMap((hub) => hub.consumers.map((c) => c.running)).filter((r) => r !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Stops retry waits, lets in-flight batches finish, and delivers nothing more. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.whenIdle();
  }

  private pump(hub: Hub, consumer: Consumer): void {
    if (consumer.running || this.stopping.signal.aborted) return;
    consumer.running = this.drain(hub, consumer).finally(() => {
      consumer.running = undefined;
      this.trim(hub);
      // Events that arrived while the last batch was finishing.
      if (consumer.checkpoint < hub.firstSequenceNumber + hub.events.length) this.pump(hub, consumer);
    });
  }

  private async drain(hub: Hub, consumer: Consumer): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const start = consumer.checkpoint - hub.firstSequenceNumber;
      const batch = hub.events.slice(start, start + this.batchSizeOf(consumer));
      if (batch.length === 0) return;
      const delivered = await this.deliver(hub, consumer, batch);
      // A batch cut short by shutdown is not checkpointed: it is delivered again after a restart.
      if (!delivered && this.stopping.signal.aborted) return;
      consumer.checkpoint = batch[batch.length - 1]!.sequenceNumber + 1;
      hub.log?.writeCheckpoints(this.checkpointsOf(hub), this.nextPositionOf(hub));
    }
  }

  private batchSizeOf(consumer: Consumer): number {
    return consumer.definition.options.cardinality === 'many' ? this.options.maxEventBatchSize : 1;
  }

  /** True when the function succeeded (possibly after retries). */
  private async deliver(hub: Hub, consumer: Consumer, batch: StoredEvent[]): Promise<boolean> {
    const { definition } = consumer;
    const many = definition.options.cardinality === 'many';
    const partitionContext = {
      consumerGroup: consumer.consumerGroup,
      eventHubName: hub.name,
      fullyQualifiedNamespace: this.options.namespace,
      partitionId: '0',
    };
    const triggerMetadata = many ? batchMetadata(batch, partitionContext) : singleMetadata(batch[0]!, partitionContext);
    const input = many ? batch.map((e) => parseLikeTheWorker(e.body)) : parseLikeTheWorker(batch[0]!.body);
    const range = `${batch[0]!.sequenceNumber}..${batch[batch.length - 1]!.sequenceNumber}`;
    const started = performance.now();
    const outcome = await invokeWithRetry(
      async (retryContext) => {
        const context = createInvocationContext({
          functionName: definition.name,
          triggerType: 'eventHubTrigger',
          logger: this.options.logger,
          triggerMetadata,
          ...(retryContext ? { retryContext } : {}),
        });
        await definition.options.handler(input, context);
      },
      {
        retry: definition.options.retry,
        signal: this.stopping.signal,
        onFailedAttempt: (error, retryCount, nextDelayInMs) =>
          this.options.logger.log(
            'warning',
            definition.name,
            `batch ${hub.name}[${range}] failed (attempt ${retryCount + 1})` +
              (nextDelayInMs === undefined ? '' : `, retrying in ${nextDelayInMs} ms`) +
              `: ${error instanceof Error ? error.message : String(error)}`,
          ),
      },
    );
    if (outcome.ok) {
      const elapsedInMs = Math.round(performance.now() - started);
      this.options.logger.log('information', definition.name, `batch ${hub.name}[${range}] (${batch.length} events) done in ${elapsedInMs} ms`);
    } else if (!this.stopping.signal.aborted) {
      this.options.logger.log(
        'error',
        definition.name,
        `batch ${hub.name}[${range}] (${batch.length} events) failed after ${outcome.attempts} attempt(s); checkpointed past it, as Azure does`,
      );
    }
    return outcome.ok;
  }

  private trim(hub: Hub): void {
    const lowest = Math.min(...hub.consumers.map((c) => c.checkpoint));
    const delivered = lowest - hub.firstSequenceNumber;
    if (delivered > 0) {
      hub.events.splice(0, delivered);
      hub.firstSequenceNumber = lowest;
      hub.log?.deleteBefore(lowest);
    }
  }
}

function consumerKey(consumer: Consumer): string {
  return `${consumer.definition.name}/${consumer.consumerGroup}`;
}

/** The Node worker hands a JSON body over parsed and any other body as a string. */
function parseLikeTheWorker(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function systemProperties(event: StoredEvent): Record<string, unknown> {
  return {
    'x-opt-sequence-number': event.sequenceNumber,
    'x-opt-offset': event.offset,
    'x-opt-enqueued-time': event.enqueuedTimeUtc,
    sequenceNumber: event.sequenceNumber,
    offset: event.offset,
    partitionKey: null,
    enqueuedTimeUtc: event.enqueuedTimeUtc,
  };
}

function batchMetadata(batch: StoredEvent[], partitionContext: Record<string, string>): TriggerMetadata {
  return {
    partitionContext,
    enqueuedTimeUtcArray: batch.map((e) => e.enqueuedTimeUtc),
    sequenceNumberArray: batch.map((e) => e.sequenceNumber),
    offsetArray: batch.map((e) => e.offset),
    partitionKeyArray: batch.map(() => null),
    propertiesArray: batch.map(() => ({})),
    systemPropertiesArray: batch.map(systemProperties),
  };
}

function singleMetadata(event: StoredEvent, partitionContext: Record<string, string>): TriggerMetadata {
  return {
    partitionContext,
    enqueuedTimeUtc: event.enqueuedTimeUtc,
    sequenceNumber: event.sequenceNumber,
    offset: event.offset,
    partitionKey: null,
    properties: {},
    systemProperties: systemProperties(event),
  };
}
