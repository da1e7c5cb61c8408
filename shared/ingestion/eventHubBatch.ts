import type { TriggerMetadata } from '@azure/functions';
import { z } from 'zod';
import { type DeadLetterSource } from '../store/deadLetterStore';

/** One Event Hubs event of a batch, with where it sits in its partition. */
export interface BatchMessage {
  /** What the Node worker hands over: parsed JSON, a string, or bytes. */
  body: unknown;
  sequenceNumber: number;
  offset: string;
  /** ISO 8601 UTC with "Z". */
  enqueuedTimeUtc: string;
}

/** A batch as the pipeline works on it: the events of one partition of one hub (audit, node events, alert events), in order. */
export interface EventBatch {
  eventHubName: string;
  consumerGroup: string;
  partitionId: string;
  messages: BatchMessage[];
}

const partitionContextSchema = z.object({
  eventHubName: z.string().min(1),
  consumerGroup: z.string().min(1),
  partitionId: z.string().min(1),
});

const batchMetadataSchema = z.object({
  partitionContext: partitionContextSchema,
  sequenceNumberArray: z.array(z.coerce.number().int().nonnegative()),
  offsetArray: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  enqueuedTimeUtcArray: z.array(z.string().refine((value) => !Number.isNaN(Date.parse(withZone(value))), 'must be a time')),
});

export type BatchReading = { ok: true; batch: EventBatch } | { ok: false; problem: string };

/**
 * The batch from what the Event Hub trigger (cardinality many) passes: the events and `triggerMetadata`
 * with `partitionContext`, `sequenceNumberArray`, `offsetArray` and `enqueuedTimeUtcArray` (times
 * without a zone designator, which are UTC). Sequence numbers are required: they are what makes a
 * re-delivered batch count nothing twice.
 */
export function readEventHubBatch(input: unknown, triggerMetadata: TriggerMetadata | undefined): BatchReading {
  const events: unknown[] = Array.isArray(input) ? (input as unknown[]) : [input];
  const parsed = batchMetadataSchema.safeParse(triggerMetadata ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `trigger metadata ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const metadata = parsed.data;
  if (metadata.sequenceNumberArray.length !== events.length || metadata.enqueuedTimeUtcArray.length !== events.length) {
    return { ok: false, problem: `trigger metadata has ${metadata.sequenceNumberArray.length} sequence numbers and ${metadata.enqueuedTimeUtcArray.length} enqueued times for ${events.length} events` };
  }
  return {
    ok: true,
    batch: {
      eventHubName: metadata.partitionContext.eventHubName,
      consumerGroup: metadata.partitionContext.consumerGroup,
      partitionId: metadata.partitionContext.partitionId,
      messages: events.map((body, index) => ({
        body,
        sequenceNumber: metadata.sequenceNumberArray[index] as number,
        offset: metadata.offsetArray?.[index] ?? '',
        enqueuedTimeUtc: new Date(Date.parse(withZone(metadata.enqueuedTimeUtcArray[index] as string))).toISOString(),
      })),
    },
  };
}

/** The host writes enqueued times without a zone designator; they are UTC. */
function withZone(value: string): string {
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
}

/** The stream key of a partition in `ingestedThrough` positions. */
export function streamOf(batch: Pick<EventBatch, 'eventHubName' | 'partitionId'>): string {
  return `${batch.eventHubName.toLowerCase()}/${batch.partitionId}`;
}

/** Where a record of the batch was read, as its dead letter keeps it (`recordIndex` -1: the whole event). */
export function deadLetterSourceOf(batch: EventBatch, message: BatchMessage, recordIndex: number): DeadLetterSource {
  return {
    eventHubName: batch.eventHubName,
    consumerGroup: batch.consumerGroup,
    partitionId: batch.partitionId,
    sequenceNumber: message.sequenceNumber,
    offset: message.offset,
    enqueuedTimeUtc: message.enqueuedTimeUtc,
    recordIndex,
  };
}
