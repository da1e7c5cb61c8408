import { createHash } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { mapWithConcurrency } from './mapWithConcurrency';
import { withoutSystemProperties } from './systemProperties';

/**
 * The deadLetters container: what the pipeline could not use, kept with where it came from so it can be
 * inspected and replayed. Besides alert evidence, this is the only place raw audit data may land, so it
 * is readable only with Cosmos DB data-plane access to the account (no API route serves it; see
 * README "Dead letters"). Partitioned by hub partition: an undecodable record has no trustworthy tenant.
 */

const CONTAINER = 'deadLetters';
const WRITE_CONCURRENCY = 16;
/** Raw records are kept up to this many UTF-8 bytes (AKS cuts audit lines at 16 KiB; this keeps one whole). */
export const MAX_RAW_BYTES = 32 * 1024;

export interface DeadLetterSource {
  eventHubName: string;
  consumerGroup: string;
  partitionId: string;
  sequenceNumber: number;
  offset: string;
  /** ISO 8601 UTC. */
  enqueuedTimeUtc: string;
  /** The record's position within its message. */
  recordIndex: number;
}

export interface DeadLetterInput {
  source: DeadLetterSource;
  /** Why it could not be used: a skip reason of the decoder, or a pipeline failure. */
  reason: string;
  detail: string;
  category?: string;
  raw: unknown;
  /** A letter that holds several records of one message (their raw values in an array): how many. */
  records?: number;
}

/** A letter holding several records keeps their raw values up to this many bytes: a whole Event Hubs message (1 MB). */
export const MAX_FOLDED_RAW_BYTES = 1024 * 1024;

export interface DeadLetter extends Omit<DeadLetterSource, 'partitionId'> {
  id: string;
  partitionId: string;
  reason: string;
  detail: string;
  category?: string;
  /** How many records the letter holds when more than one (`raw` is then a JSON array of them). */
  records?: number;
  /** The record as received (JSON text for parsed values), cut to MAX_RAW_BYTES (MAX_FOLDED_RAW_BYTES for several). */
  raw: string;
  rawTruncated: boolean;
  rawSizeInBytes: number;
  deadLetteredAtUtc: string;
}

/**
 * The stored form of a dead letter (pure). Its id is derived from where the record was read, so a
 * re-delivered batch overwrites its dead letters instead of adding copies.
 */
export function toDeadLetter(input: DeadLetterInput, now: Date): DeadLetter {
  const { source } = input;
  const text = rawText(input.raw);
  const bytes = Buffer.from(text, 'utf8');
  const maxBytes = input.records === undefined ? MAX_RAW_BYTES : MAX_FOLDED_RAW_BYTES;
  const truncated = bytes.length > maxBytes;
  return {
    id: createHash('sha256')
      .update([source.eventHubName.toLowerCase(), source.consumerGroup, source.partitionId, source.sequenceNumber, source.recordIndex, input.reason].join('\n'))
      .digest('hex')
      .slice(0, 32),
    ...source,
    reason: input.reason,
    detail: input.detail.slice(0, 1024),
    ...(input.category === undefined ? {} : { category: input.category }),
    ...(input.records === undefined ? {} : { records: input.records }),
    // Cutting bytes may split a character; the decoder replaces the broken tail, which is fine for inspection.
    raw: truncated ? new TextDecoder().decode(bytes.subarray(0, maxBytes)) : text,
    rawTruncated: truncated,
    rawSizeInBytes: bytes.length,
    deadLetteredAtUtc: now.toISOString(),
  };
}

/** The raw record as text: JSON for parsed values; a value JSON cannot write (nested too deep for the stack) is named, not thrown. */
function rawText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch (error) {
    return `(not written as JSON: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Upserts the dead letters; returns the number of writes. Store faults are thrown (the batch is retried). */
export async function writeDeadLetters(database: Database, letters: readonly DeadLetter[]): Promise<number> {
  const container = database.container(CONTAINER);
  await mapWithConcurrency(letters, WRITE_CONCURRENCY, (letter) => container.items.upsert<DeadLetter>(letter));
  return letters.length;
}

/** Dead letters of one hub partition, oldest first (inspection and tests). */
export async function listDeadLetters(database: Database, partitionId: string): Promise<DeadLetter[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<DeadLetter>(
      { query: 'SELECT * FROM c WHERE c.partitionId = @partitionId', parameters: [{ name: '@partitionId', value: partitionId }] },
      { partitionKey: partitionId },
    )
    .fetchAll();
  // Sorted here: an ORDER BY over two fields would need a composite index for an inspection-only read.
  return resources.map(withoutSystemProperties).sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.recordIndex - b.recordIndex);
}
