import type { Database } from '@azure/cosmos';
import { type ThreatIntelFeedKind } from '../intel/threatIntelFeed';
import { withoutSystemProperties } from './systemProperties';

/**
 * A configured threat-intel feed as last fetched (shared/intel/threatIntelFeed.ts): the service's own document, not a
 * tenant's (partitioned by id, id = feed name), read by the pipeline for every subscription.
 */
export interface ThreatIntelFeedDocument {
  id: string;
  name: string;
  kind: ThreatIntelFeedKind;
  /** Scheme, host and path of the URL the content came from (never the query: it may carry an API key). */
  source: string;
  ips: string[];
  cidrs: string[];
  domains: string[];
  entryCount: number;
  /** Refused lines of the body (malformed, private, too wide), and the first few of them. */
  skippedLines: number;
  skippedExamples: string[];
  /** Valid entries beyond the cap, dropped. */
  droppedEntries: number;
  bytes: number;
  /** sha256 of the body, hex: an unchanged body writes nothing. Empty until a fetch succeeded. */
  sha256: string;
  /** When this content was fetched (re-fetching the same content does not move it). Empty until a fetch succeeded. */
  fetchedUtc: string;
  /** The last failed refresh, kept until one succeeds; the content above stays in use meanwhile. */
  lastError?: { atUtc: string; message: string };
}

const CONTAINER = 'threatIntelFeeds';

/** Every stored feed, by name (at most MAX_THREAT_INTEL_FEEDS: one page; a cross-partition query of a small container). */
export async function listThreatIntelFeeds(database: Database): Promise<ThreatIntelFeedDocument[]> {
  const { resources } = await database.container(CONTAINER).items.query<ThreatIntelFeedDocument>('SELECT * FROM c').fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function upsertThreatIntelFeed(database: Database, feed: ThreatIntelFeedDocument): Promise<void> {
  await database.container(CONTAINER).items.upsert<ThreatIntelFeedDocument>(feed);
}

/** Deletes a feed no longer configured; false when there was none. */
export async function deleteThreatIntelFeed(database: Database, name: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(name, name).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
