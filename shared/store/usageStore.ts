import type { Database } from '@azure/cosmos';
import { type StreamPosition } from '../alerts/foldOccurrences';
import { mapWithConcurrency } from './mapWithConcurrency';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { withoutSystemProperties } from './systemProperties';

/**
 * The usage container: events analyzed per subscription per hour, what the plan would be billed on, metered
 * per signal (audit events; node sensor events). One document per subscription and hour (by when the
 * events reached the hub), partition `/subscriptionId`. Like alerts, each document remembers per stream
 * (hub and partition) the last event counted, so a re-delivered batch adds nothing.
 */

const CONTAINER = 'usage';
const WRITE_CONCURRENCY = 16;

export interface UsageRecord {
  /** The hour, e.g. `2026-11-22T22:00:00.000Z`. */
  id: string;
  subscriptionId: string;
  hourStartUtc: string;
  /** Audit events analyzed (the name predates the node meter). */
  eventsAnalyzed: number;
  /** Audit events per cluster name. */
  eventsByCluster: Record<string, number>;
  /** Node sensor events analyzed; absent in documents written before node events were metered. */
  nodeEventsAnalyzed?: number;
  /** Node sensor events per cluster name; absent like `nodeEventsAnalyzed`. */
  nodeEventsByCluster?: Record<string, number>;
  ingestedThrough: Record<string, number>;
  updatedAtUtc: string;
}

/** Events of one message for one subscription: counted once, by the message's position. */
export interface UsageIncrement {
  subscriptionId: string;
  /** Which meter the events count on. */
  signal: UsageSignal;
  hourStartUtc: string;
  position: StreamPosition;
  eventsByCluster: Record<string, number>;
}

export type UsageSignal = 'audit' | 'node';

export type UsageWriteStats = FoldRequestStats;

/** The hour an instant falls in, as a usage document id. */
export function usageHourOf(timeInMs: number): string {
  return new Date(Math.floor(timeInMs / 3_600_000) * 3_600_000).toISOString();
}

/** Adds the increments: one read and one conditional write per subscription and hour. */
export async function recordUsage(database: Database, increments: readonly UsageIncrement[], now: Date): Promise<UsageWriteStats> {
  const stats = emptyFoldRequestStats();
  const byDocument = new Map<string, UsageIncrement[]>();
  for (const increment of increments) {
    const key = `${increment.subscriptionId}\n${increment.hourStartUtc}`;
    byDocument.set(key, [...(byDocument.get(key) ?? []), increment]);
  }
  const container = database.container(CONTAINER);
  await mapWithConcurrency([...byDocument.values()], WRITE_CONCURRENCY, async (group) => {
    const { subscriptionId, hourStartUtc } = group[0] as UsageIncrement;
    await foldIntoDocument<UsageRecord>(container, hourStartUtc, subscriptionId, (stored) => addIncrements(stored, group, now), stats);
  });
  return stats;
}

/** Reads one usage document. */
export async function getUsage(database: Database, subscriptionId: string, hourStartUtc: string): Promise<UsageRecord | undefined> {
  const { resource } = await database.container(CONTAINER).item(hourStartUtc, subscriptionId).read<UsageRecord>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

/** The document with the increments not yet counted added; undefined when every one was counted (pure). */
function addIncrements(stored: UsageRecord | undefined, increments: readonly UsageIncrement[], now: Date): UsageRecord | undefined {
  const counted = stored?.ingestedThrough ?? {};
  const fresh = increments.filter(({ position }) => position.sequenceNumber > (counted[position.stream] ?? -1));
  if (fresh.length === 0) return undefined;
  const first = fresh[0] as UsageIncrement;
  const meters: Record<UsageSignal, { analyzed: number; byCluster: Record<string, number> }> = {
    audit: { analyzed: stored?.eventsAnalyzed ?? 0, byCluster: { ...(stored?.eventsByCluster ?? {}) } },
    node: { analyzed: stored?.nodeEventsAnalyzed ?? 0, byCluster: { ...(stored?.nodeEventsByCluster ?? {}) } },
  };
  const ingestedThrough = { ...counted };
  for (const { signal, position, eventsByCluster: counts } of fresh) {
    const meter = meters[signal];
    for (const [cluster, events] of Object.entries(counts)) {
      meter.byCluster[cluster] = (meter.byCluster[cluster] ?? 0) + events;
      meter.analyzed += events;
    }
    ingestedThrough[position.stream] = Math.max(ingestedThrough[position.stream] ?? -1, position.sequenceNumber);
  }
  return {
    id: first.hourStartUtc,
    subscriptionId: first.subscriptionId,
    hourStartUtc: first.hourStartUtc,
    eventsAnalyzed: meters.audit.analyzed,
    eventsByCluster: meters.audit.byCluster,
    nodeEventsAnalyzed: meters.node.analyzed,
    nodeEventsByCluster: meters.node.byCluster,
    ingestedThrough,
    updatedAtUtc: now.toISOString(),
  };
}
