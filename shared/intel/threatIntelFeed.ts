import { z } from 'zod';
import { compileThreatIntelMatcher, emptyThreatIntelMatcher, type ThreatIntelMatcher, ThreatIntelListOrigin } from './threatIntelMatch';
import { type ThreatIntelSetProperties, normalizeCidr, normalizeDomain, normalizeIp } from './threatIntelSet';

/**
 * Threat-intel feeds: lists a deployment names in `THREAT_INTEL_FEEDS`, fetched over HTTPS by the
 * refreshThreatIntelFeeds timer from allow-listed hosts (`THREAT_INTEL_FEED_HOSTS`) and stored in Cosmos DB, so that
 * the bundled snapshots (shared/intel/data) do not age. What each kind does in the pipeline:
 * - `tor-exit`: Tor exit relays' addresses; a stored one REPLACES the bundled Tor exit snapshot (K8S_TI_Proxy);
 * - `ip`: malicious addresses and ranges, ADDED to the listed addresses (threat-intel-ip-api-call, threat-intel-connection)
 *   for every subscription;
 * - `domain`: malicious host names, ADDED to the listed domains (threat-intel-connection: host names in node command
 *   lines) for every subscription.
 * The one format, `lines`, is what the Tor Project's bulk exit list (https://check.torproject.org/torbulkexitlist) and
 * the common blocklists serve: one address, range or host name per line; `#` and `;` start comments (Spamhaus DROP
 * writes `1.10.16.0/20 ; SBL256894`), and text after the first blank is ignored. Entries are validated as a custom
 * set's are (shared/intel/threatIntelSet.ts): a line that is not a public address, a range of /8 (IPv6 /32) or
 * narrower at its network address, or a host name, is skipped and counted. Pure: no I/O.
 */
export const ThreatIntelFeedKind = { torExit: 'tor-exit', ip: 'ip', domain: 'domain' } as const;
export type ThreatIntelFeedKind = (typeof ThreatIntelFeedKind)[keyof typeof ThreatIntelFeedKind];

/** At most this many feeds are configured. */
export const MAX_THREAT_INTEL_FEEDS = 20;
/** A feed keeps its first this many valid entries (the rest are counted as dropped). */
export const MAX_THREAT_INTEL_FEED_ENTRIES = 50_000;
/** A feed's body is read up to this size; a larger one is refused whole. */
export const MAX_THREAT_INTEL_FEED_BYTES = 5 * 1024 * 1024;
/** Longer lines are skipped (no address, range or host name is this long). */
const MAX_LINE_LENGTH = 1024;
/** How many skipped lines a refresh quotes (line number and reason), for whoever fixes the feed. */
const MAX_SKIPPED_EXAMPLES = 5;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$/;

export const threatIntelFeedSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, "must be 2 to 50 characters: letters, digits, '-', '_' or '.', starting with a letter or digit"),
  url: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .refine((text) => {
      const url = new URL(text);
      return url.username === '' && url.password === '' && url.hash === '';
    }, 'must not contain a user name, password or fragment'),
  kind: z.enum([ThreatIntelFeedKind.torExit, ThreatIntelFeedKind.ip, ThreatIntelFeedKind.domain]),
  format: z.literal('lines').default('lines'),
});
export type ThreatIntelFeed = z.infer<typeof threatIntelFeedSchema>;

/** `THREAT_INTEL_FEEDS`: a JSON array of feeds with distinct names. */
export const threatIntelFeedsSchema = z
  .array(threatIntelFeedSchema)
  .max(MAX_THREAT_INTEL_FEEDS)
  .superRefine((feeds, ctx) => {
    const seen = new Set<string>();
    feeds.forEach((feed, index) => {
      const key = feed.name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the feed name '${feed.name}'` });
      seen.add(key);
    });
  });

/** The host a feed URL names, as the allow-list compares it (lower case, no trailing dot, IPv6 without brackets). */
export function feedHostOf(url: URL): string {
  const host = url.hostname.toLowerCase().replace(/(?<!\.)\.+$/, '');
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** A feed URL as logged and stored: scheme, host and path only (a query may carry an API key). */
export function feedSourceOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A feed's body, parsed. */
export interface ParsedThreatIntelFeed extends Omit<ThreatIntelSetProperties, 'description'> {
  /** Valid entries kept (without repeats). */
  entryCount: number;
  /** Lines with an entry that was refused (malformed, private, too wide); blank and comment lines are not counted. */
  skippedLines: number;
  /** The first few refused lines: line number and why. */
  skippedExamples: string[];
  /** Valid entries beyond {@link MAX_THREAT_INTEL_FEED_ENTRIES}, dropped. */
  droppedEntries: number;
}

/** Parses a `lines` feed of the given kind (pure). */
export function parseThreatIntelFeedLines(text: string, kind: ThreatIntelFeedKind, maxEntries: number = MAX_THREAT_INTEL_FEED_ENTRIES): ParsedThreatIntelFeed {
  const ips = new Set<string>();
  const cidrs = new Set<string>();
  const domains = new Set<string>();
  const skippedExamples: string[] = [];
  let skippedLines = 0;
  let droppedEntries = 0;
  const skip = (lineNumber: number, reason: string): void => {
    skippedLines++;
    if (skippedExamples.length < MAX_SKIPPED_EXAMPLES) skippedExamples.push(`line ${lineNumber}: ${reason}`);
  };
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    if (line.length > MAX_LINE_LENGTH) {
      skip(lineNumber, `longer than ${MAX_LINE_LENGTH} characters`);
      continue;
    }
    const token = line.replace(/[#;][\s\S]*$/, '').trim().split(/\s+/)[0] ?? '';
    if (token === '') continue;
    const isRange = token.includes('/');
    const checked = kind === ThreatIntelFeedKind.domain ? normalizeDomain(token) : isRange ? normalizeCidr(token) : normalizeIp(token);
    if (!checked.ok) {
      skip(lineNumber, checked.reason);
      continue;
    }
    const target = kind === ThreatIntelFeedKind.domain ? domains : isRange ? cidrs : ips;
    if (target.has(checked.value)) continue;
    if (ips.size + cidrs.size + domains.size >= maxEntries) {
      droppedEntries++;
      continue;
    }
    target.add(checked.value);
  }
  return {
    ips: [...ips],
    cidrs: [...cidrs],
    domains: [...domains],
    entryCount: ips.size + cidrs.size + domains.size,
    skippedLines,
    skippedExamples,
    droppedEntries,
  };
}

/** A stored feed's content, as the pipeline compiles it. */
export interface ThreatIntelFeedContent {
  name: string;
  kind: ThreatIntelFeedKind;
  ips: readonly string[];
  cidrs: readonly string[];
  domains: readonly string[];
}

/**
 * The stored feeds as one matcher for every subscription: `ip` and `domain` feeds as lists named after the feed (hits
 * carry origin `feed`), `tor-exit` feeds as its `torExitFeeds`, which then replace the bundled Tor exit snapshot. A
 * feed without entries (never fetched successfully) is left out, so it replaces nothing.
 */
export function compileThreatIntelFeeds(feeds: readonly ThreatIntelFeedContent[]): ThreatIntelMatcher {
  const withEntries = feeds.filter((feed) => feed.ips.length + feed.cidrs.length + feed.domains.length > 0);
  const listOf = ({ name, ips, cidrs, domains }: ThreatIntelFeedContent) => ({ name, origin: ThreatIntelListOrigin.feed, ips, cidrs, domains });
  const torExit = withEntries.filter((feed) => feed.kind === ThreatIntelFeedKind.torExit).map(listOf);
  const threats = withEntries.filter((feed) => feed.kind !== ThreatIntelFeedKind.torExit).map(listOf);
  if (torExit.length === 0 && threats.length === 0) return emptyThreatIntelMatcher;
  return compileThreatIntelMatcher(threats, torExit.length === 0 ? {} : { torExitFeeds: compileThreatIntelMatcher(torExit) });
}
