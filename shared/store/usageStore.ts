import type { Database } from '@azure/cosmos';
import { type StreamPosition } from '../alerts/foldOccurrences';
import { type FoldRequestStats } from './foldIntoDocument';
import { withoutSystemProperties } from './systemProperties';
import { UsageMeter } from './usageMeter';

/**
 * The usage container: events analyzed per subscription per hour, what the plan would be billed on, metered per signal
 * (audit events; node sensor events). One document per subscription, stream (hub and partition) and hour (by when the
 * events reached the hub), partition `/subscriptionId`: every partition writes its own documents, so no document is
 * shared by the partitions or instances of a subscription. Each document remembers the last event of its stream it
 * counted (`countedThrough`), so a re-delivered event adds nothing. The instance's UsageMeter writes them, at most once
 * per stream and flush interval; `getUsage` sums an hour's documents.
 */

const CONTAINER = 'usage';

/** One subscription's usage of one hour: the sum of that hour's documents of every stream. */
export interface UsageRecord {
  /** The hour, e.g. `2026-11-22T22:00:00.000Z`. */
  id: string;
  subscriptionId: string;
  hourStartUtc: string;
  /** Audit events analyzed (the name predates the node meter). */
  eventsAnalyzed: number;
  /** Audit events per cluster name. */
  eventsByCluster: Record<string, number>;
  /** Node sensor events analyzed. */
  nodeEventsAnalyzed?: number;
  /** Node sensor events per cluster name. */
  nodeEventsByCluster?: Record<string, number>;
  /** Per stream, the last sequence number counted in this hour. */
  ingestedThrough: Record<string, number>;
  /** The latest write of any of the hour's documents. */
  updatedAtUtc: string;
}

/** What is stored: one subscription's usage of one stream in one hour. */
export interface UsageDocument {
  /** `usageDocumentId(hourStartUtc, stream)`. */
  id: string;
  subscriptionId: string;
  hourStartUtc: string;
  /** `<hub>/<partition>` (streamOf). */
  stream: string;
  eventsAnalyzed: number;
  eventsByCluster: Record<string, number>;
  nodeEventsAnalyzed: number;
  nodeEventsByCluster: Record<string, number>;
  /** The stream's last sequence number counted in this document. */
  countedThrough: number;
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

/** The hour an instant falls in, e.g. `2026-11-22T22:00:00.000Z`. */
export function usageHourOf(timeInMs: number): string {
  return new Date(Math.floor(timeInMs / 3_600_000) * 3_600_000).toISOString();
}

/**
 * The id of a stream's document of an hour: the hour, `|`, then the stream with every character other than letters,
 * digits, `.`, `_` and `-` escaped as `~` and its UTF-8 bytes in hex (so never `/`, `\`, `?`, `#` or `%`, and two
 * streams never share an id).
 */
export function usageDocumentId(hourStartUtc: string, stream: string): string {
  const escaped = [...new TextEncoder().encode(stream)]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9._-]/.test(char) ? char : `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `${hourStartUtc}|${escaped}`;
}

/**
 * Adds the increments at once (a meter of its own with no flush interval: one read and one conditional write per
 * subscription, stream and hour). The pipeline uses the instance's UsageMeter instead.
 */
export async function recordUsage(database: Database, increments: readonly UsageIncrement[], now: Date): Promise<UsageWriteStats> {
  const meter = new UsageMeter(database, { flushIntervalInMs: 0 });
  const added = await meter.add(increments, now);
  const flushed = await meter.flush();
  return { reads: added.reads + flushed.reads, writes: flushed.writes, conflicts: flushed.conflicts };
}

/** One subscription's usage of an hour: the sum of its streams' documents (one single-partition query). */
export async function getUsage(database: Database, subscriptionId: string, hourStartUtc: string): Promise<UsageRecord | undefined> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<UsageDocument>(
      {
        query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId AND c.hourStartUtc = @hour',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@hour', value: hourStartUtc },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.length === 0 ? undefined : sumUsageDocuments(subscriptionId, hourStartUtc, resources.map(withoutSystemProperties));
}

/** The hour's documents as one record (pure). Documents of the earlier layout (one per hour, `ingestedThrough`) add up alike. */
export function sumUsageDocuments(subscriptionId: string, hourStartUtc: string, documents: readonly Partial<UsageDocument & UsageRecord>[]): UsageRecord {
  const record: UsageRecord & { nodeEventsAnalyzed: number; nodeEventsByCluster: Record<string, number> } = {
    id: hourStartUtc,
    subscriptionId,
    hourStartUtc,
    eventsAnalyzed: 0,
    eventsByCluster: {},
    nodeEventsAnalyzed: 0,
    nodeEventsByCluster: {},
    ingestedThrough: {},
    updatedAtUtc: '',
  };
  const addTo = (target: Record<string, number>, counts: Record<string, number> | undefined): void => {
    for (const [cluster, events] of Object.entries(counts ?? {})) target[cluster] = (target[cluster] ?? 0) + events;
  };
  const through = (stream: string, sequenceNumber: number): void => {
    record.ingestedThrough[stream] = Math.max(record.ingestedThrough[stream] ?? -1, sequenceNumber);
  };
  for (const document of [...documents].sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''))) {
    record.eventsAnalyzed += document.eventsAnalyzed ?? 0;
    record.nodeEventsAnalyzed += document.nodeEventsAnalyzed ?? 0;
    addTo(record.eventsByCluster, document.eventsByCluster);
    addTo(record.nodeEventsByCluster, document.nodeEventsByCluster);
    if (document.stream !== undefined && document.countedThrough !== undefined) through(document.stream, document.countedThrough);
    for (const [stream, sequenceNumber] of Object.entries(document.ingestedThrough ?? {})) through(stream, sequenceNumber);
    if ((document.updatedAtUtc ?? '') > record.updatedAtUtc) record.updatedAtUtc = document.updatedAtUtc ?? '';
  }
  return record;
}

/** Events of one or more consecutive messages of a stream, not yet written (pure data of the meter). */
export interface UsageChunk {
  firstSequenceNumber: number;
  lastSequenceNumber: number;
  events: number;
  audit: Record<string, number>;
  node: Record<string, number>;
}

/** What a fold of chunks into a stored document decided, in events. */
export interface UsageFoldDecision {
  /** Added to the document. */
  added: number;
  /** At or below the stored position: already counted (by this stream's earlier writer). */
  superseded: number;
  /** Straddling the stored position: cannot be added exactly, so dropped (never doubled). */
  lost: number;
}

/**
 * The stored document with the chunks above its position added (pure); `next` undefined when nothing is to be written.
 * A chunk wholly at or below `countedThrough` was counted already; one that straddles it cannot be split exactly and is
 * dropped as lost.
 */
export function foldUsageChunks(
  stored: UsageDocument | undefined,
  key: { subscriptionId: string; hourStartUtc: string; stream: string },
  chunks: readonly UsageChunk[],
  now: Date,
): { next: UsageDocument | undefined; decision: UsageFoldDecision } {
  const storedThrough = stored?.countedThrough ?? -1;
  const decision: UsageFoldDecision = { added: 0, superseded: 0, lost: 0 };
  const next: UsageDocument = {
    id: usageDocumentId(key.hourStartUtc, key.stream),
    subscriptionId: key.subscriptionId,
    hourStartUtc: key.hourStartUtc,
    stream: key.stream,
    eventsAnalyzed: stored?.eventsAnalyzed ?? 0,
    eventsByCluster: { ...(stored?.eventsByCluster ?? {}) },
    nodeEventsAnalyzed: stored?.nodeEventsAnalyzed ?? 0,
    nodeEventsByCluster: { ...(stored?.nodeEventsByCluster ?? {}) },
    countedThrough: storedThrough,
    updatedAtUtc: now.toISOString(),
  };
  for (const chunk of chunks) {
    if (chunk.lastSequenceNumber <= storedThrough) {
      decision.superseded += chunk.events;
      continue;
    }
    if (chunk.firstSequenceNumber <= storedThrough) {
      decision.lost += chunk.events;
      continue;
    }
    for (const [cluster, events] of Object.entries(chunk.audit)) {
      next.eventsByCluster[cluster] = (next.eventsByCluster[cluster] ?? 0) + events;
      next.eventsAnalyzed += events;
    }
    for (const [cluster, events] of Object.entries(chunk.node)) {
      next.nodeEventsByCluster[cluster] = (next.nodeEventsByCluster[cluster] ?? 0) + events;
      next.nodeEventsAnalyzed += events;
    }
    next.countedThrough = Math.max(next.countedThrough, chunk.lastSequenceNumber);
    decision.added += chunk.events;
  }
  return { next: next.countedThrough === storedThrough ? undefined : next, decision };
}
