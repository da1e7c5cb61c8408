import { OperationType, PluginOn, type PluginConfig } from '@azure/cosmos';
import { type EventPublisher } from '../shared/messaging/eventPublisher';

/**
 * Store requests as the benchmarks count them: every request the real `@azure/cosmos` SDK sends, through its request
 * plugin hook, by container; and what makes them (the containers of each source of requests).
 */

export interface RequestCount {
  reads: number;
  writes: number;
}

const READ_OPERATIONS: ReadonlySet<string> = new Set([OperationType.Read, OperationType.Query]);

/** Every network request the SDK sends: document requests by container, the rest (container and database reads) as `metadata`. */
export class RequestCounter {
  readonly byContainer = new Map<string, RequestCount>();

  readonly plugin: PluginConfig = {
    on: PluginOn.request,
    plugin: (context, _diagnosticNode, next) => {
      const container = /\/colls\/([^/]+)\/docs/.exec(context.path ?? '')?.[1] ?? 'metadata';
      const count = this.byContainer.get(container) ?? { reads: 0, writes: 0 };
      this.byContainer.set(container, count);
      if (READ_OPERATIONS.has(context.operationType ?? OperationType.Read)) count.reads++;
      else count.writes++;
      return next(context);
    },
  };

  reset(): void {
    this.byContainer.clear();
  }

  snapshot(): Map<string, RequestCount> {
    return new Map([...this.byContainer].map(([container, count]) => [container, { ...count }]));
  }
}

/** What makes the requests of each container the handler touches. */
export const REQUEST_SOURCES: readonly { name: string; containers: readonly string[] }[] = [
  { name: 'usage', containers: ['usage'] },
  { name: 'inventory', containers: ['workloads'] },
  { name: 'stateful', containers: ['detectionState'] },
  { name: 'settings', containers: ['plans', 'suppressionRules', 'threatIntelSets', 'threatIntelFeeds'] },
  { name: 'alerts', containers: ['alerts'] },
  { name: 'dead letters', containers: ['deadLetters'] },
];

/** An alert-events hub that accepts everything (publishing is the push export's cost, not the store's). */
export class CountingPublisher implements EventPublisher {
  published = 0;

  publish(bodies: readonly string[]): Promise<void> {
    this.published += bodies.length;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
