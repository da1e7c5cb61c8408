import type { Database } from '@azure/cosmos';
import { emptyFoldRequestStats, foldIntoDocument, type FoldRequestStats } from './foldIntoDocument';
import { startIdleFlushTimer } from './idleFlushTimer';
import { mapWithConcurrency } from './mapWithConcurrency';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { isTransientStoreError } from './transientFaults';
import { foldUsageChunks, type UsageChunk, type UsageDocument, usageDocumentId, type UsageFoldDecision, type UsageIncrement } from './usageStore';
import { VersionedDocumentCache } from './versionedDocumentCache';

const CONTAINER = 'usage';
const CONCURRENCY = 16;
/** Documents whose stored version an instance remembers (one per subscription, stream and hour it meters). */
const MAX_KNOWN_DOCUMENTS = 100_000;
/** A document with nothing pending is forgotten this long after its hour ended (a late event costs one read again). */
const FORGET_AFTER_HOUR_END_IN_MS = 3_600_000;

export interface UsageMeterOptions {
  /** `USAGE_FLUSH_INTERVAL_IN_SECONDS` in ms: a stream's counts are written at most this often; 0 writes after every batch. */
  flushIntervalInMs: number;
  /** Where counts that could not be written exactly are reported (ids and counts only). */
  log?: (message: string) => void;
}

/** What the meter did since it was created, in store requests and events. */
export interface UsageMeterStats extends FoldRequestStats {
  /** Events added to a written document. */
  written: number;
  /** Events dropped when added: their message was already counted (stored or pending): a replay. */
  replayed: number;
  /** Pending events found counted when written (their stream's stored position had passed them). */
  superseded: number;
  /** Pending events dropped because they could not be added exactly (never doubled). */
  lost: number;
}

/** Requests of one call (for a batch's summary) and the events still pending afterwards. */
export interface UsageRequestStats extends FoldRequestStats {
  pendingEvents: number;
}

/** A chunk of one `add` call, with when it was added. */
type PendingChunk = UsageChunk & { addedAtMs: number };

interface MeteredDocument {
  id: string;
  subscriptionId: string;
  hourStartUtc: string;
  stream: string;
  /** Not yet written, in sequence order: one per `add` call (batch) that brought new messages. */
  chunks: PendingChunk[];
}

/**
 * One instance's usage meter. `add` takes each batch's increments, `flushDue` writes the streams whose oldest unwritten
 * count is at least one flush interval old, `flush` writes everything. Steady state costs one conditional write per
 * document (subscription, stream, hour) and interval, If-Match the ETag the meter remembers, and no read: a document is
 * read only the first time the instance sees it, and again after a lost race or a store fault.
 *
 * Exactly once, never a double: a document counts a message only if its sequence number is above the stored
 * `countedThrough`. The meter learns that position on first sight and drops messages at or below it, or below what is
 * pending, when adding; a write that loses a race (another instance took the partition over and wrote) re-reads and
 * adds only the pending chunks above the new position, dropping those below (counted) and those across it (lost, logged).
 * What a crash loses: the pending counts, at most one flush interval of each stream the instance held.
 */
export class UsageMeter {
  readonly stats: UsageMeterStats = { reads: 0, writes: 0, conflicts: 0, written: 0, replayed: 0, superseded: 0, lost: 0 };
  private readonly documents = new Map<string, MeteredDocument>();
  private readonly versions = new VersionedDocumentCache<UsageDocument>(MAX_KNOWN_DOCUMENTS, Number.POSITIVE_INFINITY);
  private readonly flushing = new Map<string, Promise<void>>();
  private readonly container;

  constructor(
    database: Database,
    private readonly options: UsageMeterOptions,
  ) {
    this.container = database.container(CONTAINER);
  }

  /**
   * Adds a batch's increments (one per message and subscription, in sequence order), reading the documents it sees for
   * the first time; increments of messages already counted or pending are dropped.
   */
  async add(increments: readonly UsageIncrement[], now: Date): Promise<UsageRequestStats> {
    const requests = emptyFoldRequestStats();
    const unseen = new Map<string, MeteredDocument>();
    for (const increment of increments) {
      const document = this.documentOf(increment);
      if (this.versions.get(cacheKeyOf(document)) === undefined) unseen.set(document.id + '\n' + document.subscriptionId, document);
    }
    await mapWithConcurrency([...unseen.values()], CONCURRENCY, (document) => this.learnStoredPosition(document, requests));
    const streams = new Set<string>();
    const chunkOfThisCall = new Map<MeteredDocument, PendingChunk>();
    for (const increment of increments) {
      const document = this.documentOf(increment);
      streams.add(document.stream);
      const { sequenceNumber } = increment.position;
      if (sequenceNumber <= this.countedThroughOf(document)) {
        this.stats.replayed += eventsOf(increment);
        continue;
      }
      let chunk = chunkOfThisCall.get(document);
      if (chunk === undefined) chunkOfThisCall.set(document, (chunk = this.openChunk(document, sequenceNumber, now)));
      chunk.lastSequenceNumber = sequenceNumber;
      const meter = increment.signal === 'node' ? chunk.node : chunk.audit;
      for (const [cluster, events] of Object.entries(increment.eventsByCluster)) {
        meter[cluster] = (meter[cluster] ?? 0) + events;
        chunk.events += events;
      }
    }
    return { ...requests, pendingEvents: this.pendingEventsOf(streams) };
  }

  /**
   * Writes the streams (or only `stream`) whose oldest pending count was added at least one flush interval before `now`.
   * Forgets documents of past hours with nothing pending. A failure is thrown after every due write settled; a transient
   * one keeps the counts for the next flush.
   */
  async flushDue(now: Date, options: { stream?: string } = {}): Promise<UsageRequestStats> {
    const due = new Set<string>();
    for (const document of this.documents.values()) {
      if (options.stream !== undefined && document.stream !== options.stream) continue;
      const firstPendingAtMs = document.chunks[0]?.addedAtMs;
      if (firstPendingAtMs !== undefined && now.getTime() - firstPendingAtMs >= this.options.flushIntervalInMs) due.add(document.stream);
    }
    const requests = await this.flushStreams([...due], now);
    this.forgetPastHours(now);
    return { ...requests, pendingEvents: this.pendingEventsOf(options.stream === undefined ? undefined : new Set([options.stream])) };
  }

  /** Writes everything pending (graceful shutdown, tests). */
  async flush(now: Date = new Date()): Promise<UsageRequestStats> {
    const streams = new Set([...this.documents.values()].filter((document) => document.chunks.length > 0).map((document) => document.stream));
    const requests = await this.flushStreams([...streams], now);
    return { ...requests, pendingEvents: this.pendingEventsOf() };
  }

  /** Events added and not yet written (of the given streams, or all). */
  pendingEventsOf(streams?: ReadonlySet<string>): number {
    let events = 0;
    for (const document of this.documents.values()) {
      if (streams !== undefined && !streams.has(document.stream)) continue;
      for (const chunk of document.chunks) events += chunk.events;
    }
    return events;
  }

  /**
   * Flushes what is due every `tickInMs` until stopped, without keeping the process alive. A failed flush is reported
   * to `onError` and its counts are kept for the next tick.
   */
  startTimer(tickInMs: number, onError: (error: unknown) => void): () => void {
    return startIdleFlushTimer(tickInMs, () => this.flushDue(new Date()), onError);
  }

  private documentOf(increment: UsageIncrement): MeteredDocument {
    const { subscriptionId, hourStartUtc } = increment;
    const stream = increment.position.stream;
    const id = usageDocumentId(hourStartUtc, stream);
    const key = `${subscriptionId}\n${id}`;
    let document = this.documents.get(key);
    if (document === undefined) this.documents.set(key, (document = { id, subscriptionId, hourStartUtc, stream, chunks: [] }));
    return document;
  }

  private openChunk(document: MeteredDocument, sequenceNumber: number, now: Date): PendingChunk {
    const chunk: PendingChunk = { firstSequenceNumber: sequenceNumber, lastSequenceNumber: sequenceNumber, events: 0, audit: {}, node: {}, addedAtMs: now.getTime() };
    document.chunks.push(chunk);
    return chunk;
  }

  /** The last sequence number counted, stored or pending (the stored version is known: see learnStoredPosition). */
  private countedThroughOf(document: MeteredDocument): number {
    const stored = this.versions.get(cacheKeyOf(document))?.document?.countedThrough ?? -1;
    return Math.max(stored, document.chunks.at(-1)?.lastSequenceNumber ?? -1);
  }

  private async learnStoredPosition(document: MeteredDocument, requests: FoldRequestStats): Promise<void> {
    requests.reads++;
    this.stats.reads++;
    const { resource } = await this.container.item(document.id, document.subscriptionId).read<UsageDocument>();
    // A write that finished meanwhile knows better.
    if (this.versions.get(cacheKeyOf(document)) !== undefined) return;
    this.versions.set(
      cacheKeyOf(document),
      resource === undefined ? { document: undefined, etag: undefined } : { document: withoutSystemProperties(resource), etag: etagOf(resource) },
    );
  }

  private async flushStreams(streams: readonly string[], now: Date): Promise<FoldRequestStats> {
    const requests = emptyFoldRequestStats();
    await mapWithConcurrency(streams, CONCURRENCY, (stream) => this.flushStream(stream, requests, now));
    return requests;
  }

  /** One flush of a stream at a time: a flush that finds another running waits for it, then writes what is left. */
  private async flushStream(stream: string, requests: FoldRequestStats, now: Date): Promise<void> {
    for (let running = this.flushing.get(stream); running !== undefined; running = this.flushing.get(stream)) await running.catch(() => undefined);
    const work = this.writeStream(stream, requests, now);
    this.flushing.set(stream, work);
    try {
      await work;
    } finally {
      if (this.flushing.get(stream) === work) this.flushing.delete(stream);
    }
  }

  private async writeStream(stream: string, requests: FoldRequestStats, now: Date): Promise<void> {
    const documents = [...this.documents.values()].filter((document) => document.stream === stream && document.chunks.length > 0);
    await mapWithConcurrency(documents, CONCURRENCY, (document) => this.writeDocument(document, requests, now));
  }

  private async writeDocument(document: MeteredDocument, requests: FoldRequestStats, now: Date): Promise<void> {
    const taken = [...document.chunks];
    let decision: UsageFoldDecision = { added: 0, superseded: 0, lost: 0 };
    const stats = emptyFoldRequestStats();
    try {
      await foldIntoDocument<UsageDocument>(
        this.container,
        document.id,
        document.subscriptionId,
        (stored) => {
          const folded = foldUsageChunks(stored, document, taken, now);
          decision = folded.decision;
          return folded.next;
        },
        stats,
        this.versions,
      );
    } catch (error) {
      if (isTransientStoreError(error)) throw error;
      // The store refuses the document itself: retrying would fail alike and stall the stream.
      this.settle(document, taken);
      const events = taken.reduce((sum, chunk) => sum + chunk.events, 0);
      this.stats.lost += events;
      this.options.log?.(`usage of ${document.subscriptionId} ${document.stream} ${document.hourStartUtc}: ${events} events through sequence number ${taken.at(-1)?.lastSequenceNumber ?? -1} dropped, the store refused the write: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      requests.reads += stats.reads;
      requests.writes += stats.writes;
      requests.conflicts += stats.conflicts;
      this.stats.reads += stats.reads;
      this.stats.writes += stats.writes;
      this.stats.conflicts += stats.conflicts;
    }
    this.settle(document, taken);
    this.stats.written += decision.added;
    this.stats.superseded += decision.superseded;
    this.stats.lost += decision.lost;
    if (decision.lost > 0 || decision.superseded > 0) {
      this.options.log?.(
        `usage of ${document.subscriptionId} ${document.stream} ${document.hourStartUtc}: the stored position had passed pending counts (a write whose answer was lost, or another instance that took the partition over); ${decision.superseded} events at or below it dropped as counted, ${decision.lost} across it dropped as lost (never doubled)`,
      );
    }
  }

  /** Removes the chunks a write took (chunks added meanwhile stay pending, with their own time). */
  private settle(document: MeteredDocument, taken: readonly PendingChunk[]): void {
    document.chunks.splice(0, taken.length);
  }

  private forgetPastHours(now: Date): void {
    for (const [key, document] of this.documents) {
      if (document.chunks.length > 0 || this.flushing.has(document.stream)) continue;
      if (Date.parse(document.hourStartUtc) + 3_600_000 + FORGET_AFTER_HOUR_END_IN_MS > now.getTime()) continue;
      this.documents.delete(key);
      this.versions.delete(cacheKeyOf(document));
    }
  }
}

function cacheKeyOf(document: Pick<MeteredDocument, 'id' | 'subscriptionId'>): string {
  // foldIntoDocument's key: partition key, newline, id.
  return `${document.subscriptionId}\n${document.id}`;
}

function eventsOf(increment: UsageIncrement): number {
  return Object.values(increment.eventsByCluster).reduce((sum, events) => sum + events, 0);
}
