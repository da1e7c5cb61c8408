import { createHash } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { deleteThreatIntelFeed, listThreatIntelFeeds, type ThreatIntelFeedDocument, upsertThreatIntelFeed } from '../store/threatIntelFeedStore';
import { fetchThreatIntelFeed, type FetchThreatIntelFeedOptions } from './fetchThreatIntelFeed';
import { feedSourceOf, parseThreatIntelFeedLines, type ThreatIntelFeed } from '../intel/threatIntelFeed';

export interface RefreshThreatIntelFeedsOptions {
  database: Database;
  /** `THREAT_INTEL_FEEDS`. */
  feeds: readonly ThreatIntelFeed[];
  fetch: FetchThreatIntelFeedOptions;
  now: () => Date;
}

/** What became of one feed. */
export type FeedRefreshOutcome =
  | { name: string; kind: 'updated'; entryCount: number; skippedLines: number; droppedEntries: number }
  | { name: string; kind: 'unchanged' }
  | { name: string; kind: 'failed'; reason: string };

export interface RefreshThreatIntelFeedsResult {
  outcomes: FeedRefreshOutcome[];
  /** Stored feeds no longer configured, deleted. */
  removed: string[];
}

/**
 * One refresh of every configured feed (the refreshThreatIntelFeeds timer): fetched with the SSRF guard and caps,
 * parsed, and stored when the content changed (same sha256, URL and kind, and no error to clear: nothing is written).
 * A feed that fails keeps its previous content in use, with the error recorded on it; a body with no valid entry
 * counts as a failure (an emptied Tor list must not switch the Tor rule off). Stored feeds that are no longer
 * configured are deleted, so that removing a feed from the settings stops its use. Feeds are fetched one after the
 * other (a handful, every few hours).
 */
export async function refreshStoredThreatIntelFeeds(options: RefreshThreatIntelFeedsOptions): Promise<RefreshThreatIntelFeedsResult> {
  const stored = new Map((await listThreatIntelFeeds(options.database)).map((feed) => [feed.name, feed]));
  const configured = new Set(options.feeds.map((feed) => feed.name));
  const removed: string[] = [];
  for (const name of stored.keys()) {
    if (configured.has(name)) continue;
    await deleteThreatIntelFeed(options.database, name);
    removed.push(name);
  }
  const outcomes: FeedRefreshOutcome[] = [];
  for (const feed of options.feeds) outcomes.push(await refreshFeed(feed, stored.get(feed.name), options));
  return { outcomes, removed };
}

async function refreshFeed(feed: ThreatIntelFeed, previous: ThreatIntelFeedDocument | undefined, options: RefreshThreatIntelFeedsOptions): Promise<FeedRefreshOutcome> {
  const source = feedSourceOf(new URL(feed.url));
  const fetched = await fetchThreatIntelFeed(feed.url, options.fetch);
  if (fetched.kind === 'failed') return recordFailure(feed, source, previous, fetched.reason, options);
  const sha256 = createHash('sha256').update(fetched.body, 'utf8').digest('hex');
  if (previous !== undefined && previous.sha256 === sha256 && previous.source === source && previous.kind === feed.kind && previous.lastError === undefined) {
    return { name: feed.name, kind: 'unchanged' };
  }
  const parsed = parseThreatIntelFeedLines(fetched.body, feed.kind);
  if (parsed.entryCount === 0) {
    return recordFailure(feed, source, previous, `the feed has no valid entry (${parsed.skippedLines} lines refused)`, options);
  }
  await upsertThreatIntelFeed(options.database, {
    id: feed.name,
    name: feed.name,
    kind: feed.kind,
    source,
    ips: parsed.ips,
    cidrs: parsed.cidrs,
    domains: parsed.domains,
    entryCount: parsed.entryCount,
    skippedLines: parsed.skippedLines,
    skippedExamples: parsed.skippedExamples,
    droppedEntries: parsed.droppedEntries,
    bytes: fetched.bytes,
    sha256,
    fetchedUtc: options.now().toISOString(),
  });
  return { name: feed.name, kind: 'updated', entryCount: parsed.entryCount, skippedLines: parsed.skippedLines, droppedEntries: parsed.droppedEntries };
}

/** Records the error on the stored feed, keeping its content (or on an empty one when the feed never succeeded). */
async function recordFailure(
  feed: ThreatIntelFeed,
  source: string,
  previous: ThreatIntelFeedDocument | undefined,
  reason: string,
  options: RefreshThreatIntelFeedsOptions,
): Promise<FeedRefreshOutcome> {
  const base: ThreatIntelFeedDocument = previous ?? {
    id: feed.name,
    name: feed.name,
    kind: feed.kind,
    source,
    ips: [],
    cidrs: [],
    domains: [],
    entryCount: 0,
    skippedLines: 0,
    skippedExamples: [],
    droppedEntries: 0,
    bytes: 0,
    sha256: '',
    fetchedUtc: '',
  };
  await upsertThreatIntelFeed(options.database, { ...base, lastError: { atUtc: options.now().toISOString(), message: reason } });
  return { name: feed.name, kind: 'failed', reason };
}
