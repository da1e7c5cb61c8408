import type { Database } from '@azure/cosmos';
import { type StreamPosition } from '../alerts/foldOccurrences';
import { mapWithConcurrency } from './mapWithConcurrency';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { withoutSystemProperties } from './systemProperties';

/**
 * The usage container: audit events analyzed per subscription per hour, what the plan would be billed
 * on. One document per subscription and hour (by when the events reached the hub), partition
 * `/subscriptionId`. Like alerts, each document remembers per stream the last event counted, so a
 * re-delivered batch adds nothing.
 */

const CONTAINER = 'usage';
const WRITE_CONCURRENCY = 16;

export interface UsageRecord {
  /** The hour, e.g. `2026-11-22T22:00:00.000Z`. */
  id: string;
  subscriptionId: string;
  hourStartUtc: string;
  eventsAnalyzed: number;
  /** Per cluster name. */
  eventsByCluster: Record<string, number>;
  ingestedThrough: Record<string, number>;
  updatedAtUtc: string;
}

/** Events of one message for one subscription: counted once, by the message's position. */
export interface UsageIncrement {
  subscriptionId: string;
  hourStartUtc: string;
  position: StreamPosition;
  eventsByCluster: Record<string, number>;
}

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
  const eventsByCluster = { ...(stored?.eventsByCluster ?? {}) };
  const ingestedThrough = { ...counted };
  let eventsAnalyzed = stored?.eventsAnalyzed ?? 0;
  for (const { position, eventsByCluster: counts } of fresh) {
    for (const [cluster, events] of Object.entries(counts)) {
      eventsByCluster[cluster] = (eventsByCluster[cluster] ?? 0) + events;
      eventsAnalyzed += events;
    }
    ingestedThrough[position.stream] = Math.max(ingestedThrough[position.stream] ?? -1, position.sequenceNumber);
  }
  return {
    id: first.hourStartUtc,
    subscriptionId: first.subscriptionId,
    hourStartUtc: first.hourStartUtc,
    eventsAnalyzed,
    eventsByCluster,
    ingestedThrough,
    updatedAtUtc: now.toISOString(),
  };
}
