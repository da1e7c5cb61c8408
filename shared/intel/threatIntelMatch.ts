import ipaddr from 'ipaddr.js';
import { type AuditEvent } from '../kubernetes/auditEvent';

/**
 * Matching of addresses and host names against named threat-intel lists (the bundled Tor exit list, a
 * subscription's custom sets). A list set is compiled once into a matcher; a lookup then costs one map probe per
 * distinct prefix length in the set (addresses) or per label of the host name (domains), whatever the list sizes.
 * Pure: no I/O, no clock.
 */

/** Where a list comes from: a subscription's custom set, or a configured feed (shared/intel/threatIntelFeed.ts). */
export const ThreatIntelListOrigin = { custom: 'custom', feed: 'feed' } as const;
export type ThreatIntelListOrigin = (typeof ThreatIntelListOrigin)[keyof typeof ThreatIntelListOrigin];

/** One named list as the matcher takes it (a custom set, a feed, a bundled snapshot). */
export interface ThreatIntelListInput {
  name: string;
  /** Where the list comes from; its hits carry it when given. */
  origin?: ThreatIntelListOrigin;
  /** Exact IPv4 or IPv6 addresses (IPv4-mapped IPv6 is matched as the IPv4 address). */
  ips?: readonly string[];
  /** Ranges in CIDR notation (`198.51.100.0/24`, `2001:db8:1::/48`). */
  cidrs?: readonly string[];
  /** Host names, exact (`c2.example.net`) or `*.<domain>` for every name under the domain (not the domain itself). */
  domains?: readonly string[];
}

/** Which list matched, and by which of its entries (as written in the list). */
export interface ThreatIntelHit {
  list: string;
  entry: string;
  /** The list's origin, when its input named one. */
  origin?: ThreatIntelListOrigin;
}

export interface ThreatIntelMatcher {
  /** The names of the compiled lists, in the order given. */
  readonly listNames: readonly string[];
  /** The hit of the most specific entry naming the address (an exact address before a range), if any. */
  matchAddress(address: string | undefined): ThreatIntelHit | undefined;
  /** The hit naming the host name exactly, or else the nearest `*.<domain>` entry above it, if any. */
  matchDomain(host: string | undefined): ThreatIntelHit | undefined;
  /**
   * The configured Tor exit feeds, compiled, when one is stored: they then replace the bundled Tor exit snapshot
   * (tor-exit-node-api-call). Undefined: the bundled snapshot applies.
   */
  readonly torExitFeeds?: ThreatIntelMatcher;
}

export interface CompileThreatIntelMatcherOptions {
  /** The Tor exit feeds, compiled (see {@link ThreatIntelMatcher.torExitFeeds}). */
  torExitFeeds?: ThreatIntelMatcher;
}

type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * An address as Argus compares it, or undefined when the text is not one: brackets and an IPv6 zone dropped,
 * IPv4-mapped IPv6 (`::ffff:203.0.113.9`) turned into its IPv4 address. Only the standard forms count: `0x7f.1` and
 * other legacy IPv4 spellings are not addresses here.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/%[\s\S]*$/, '');
  if (!isStandardAddress(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

/** Dotted-quad IPv4 or IPv6 (ipaddr.js alone would also take `0x7f.1` and `127.1`). */
function isStandardAddress(text: string): boolean {
  return text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** The address as written in alerts and compared in lists: dotted IPv4, RFC 5952 IPv6. */
export function formatAddress(address: ParsedAddress): string {
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/** ipaddr.js range names of addresses that are not on the internet (RFC 1918, loopback, link-local, CGNAT, ...). */
const NON_PUBLIC_IPV4_RANGES: ReadonlySet<string> = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'carrierGradeNat', 'private']);
const NON_PUBLIC_IPV6_RANGES: ReadonlySet<string> = new Set(['unspecified', 'multicast', 'linkLocal', 'loopback', 'uniqueLocal', 'deprecatedSiteLocal']);

/**
 * True for an address that can be a caller on the internet: not private (10/8, 172.16/12, 192.168/16), loopback,
 * link-local, carrier-grade NAT (100.64/10), unspecified, broadcast or multicast, nor IPv6 loopback, link-local,
 * unique-local (fc00::/7), site-local or multicast. Documentation ranges (RFC 5737, RFC 3849) count as public, so
 * that examples can use them.
 */
export function isPublicAddress(address: ParsedAddress): boolean {
  const range = address.range();
  return address.kind() === 'ipv4' ? !NON_PUBLIC_IPV4_RANGES.has(range) : !NON_PUBLIC_IPV6_RANGES.has(range);
}

/**
 * The caller's first public address in an audit event's `sourceIPs` (the client, then the proxies that forwarded
 * it, per `X-Forwarded-For`), normalized; undefined when every entry is private, malformed or missing. On AKS the
 * list often starts with a node or load-balancer address inside the cluster's network, which is skipped.
 */
export function firstPublicSourceIp(event: Pick<AuditEvent, 'sourceIPs'>): string | undefined {
  const sources: unknown = event.sourceIPs;
  if (!Array.isArray(sources)) return undefined;
  for (const source of sources) {
    if (typeof source !== 'string') continue;
    const address = publicAddressOf(source);
    if (address !== undefined) return address;
  }
  return undefined;
}

/**
 * Parsing an address is the costly part of matching every event's caller, and a cluster's callers are few: the
 * answers for recent address texts are remembered (bounded; the memory is forgotten whole when full).
 */
const parsedAddresses = new Map<string, { address: string; isPublic: boolean } | null>();
const REMEMBERED_ADDRESSES = 4_096;

function rememberedAddress(text: string): { address: string; isPublic: boolean } | null {
  const known = parsedAddresses.get(text);
  if (known !== undefined) return known;
  const parsed = parseAddress(text);
  const answer = parsed === undefined ? null : { address: formatAddress(parsed), isPublic: isPublicAddress(parsed) };
  if (parsedAddresses.size >= REMEMBERED_ADDRESSES) parsedAddresses.clear();
  parsedAddresses.set(text, answer);
  return answer;
}

function publicAddressOf(text: string): string | undefined {
  const answer = rememberedAddress(text);
  return answer?.isPublic === true ? answer.address : undefined;
}

/** The address as Argus writes and compares it (see formatAddress), or undefined when the text is not one. */
export function normalizedAddressOf(text: string): string | undefined {
  return rememberedAddress(text)?.address;
}

/** A range as the matcher keys it: the address bits above the prefix, as a string. */
function networkKey(address: ParsedAddress, prefixLength: number): string {
  const bytes = address.toByteArray();
  let key = '';
  for (let index = 0; index < bytes.length; index++) {
    const bitsLeft = prefixLength - index * 8;
    if (bitsLeft <= 0) break;
    const byte = bytes[index] ?? 0;
    const masked = bitsLeft >= 8 ? byte : byte & (0xff << (8 - bitsLeft)) & 0xff;
    key += masked.toString(16).padStart(2, '0');
  }
  return key;
}

/** A CIDR as the matcher keys it, or undefined when malformed. IPv4-mapped ranges (`::ffff:a.b.c.d/n`, n >= 96) become IPv4. */
export function parseCidr(text: string): { network: ParsedAddress; prefixLength: number } | undefined {
  const [addressText, lengthText, ...rest] = text.trim().split('/');
  if (addressText === undefined || lengthText === undefined || rest.length > 0 || !/^\d{1,3}$/.test(lengthText)) return undefined;
  if (!isStandardAddress(addressText)) return undefined;
  const address = ipaddr.parse(addressText);
  const prefixLength = Number(lengthText);
  if (prefixLength > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefixLength >= 96) {
    return { network: (address as ipaddr.IPv6).toIPv4Address(), prefixLength: prefixLength - 96 };
  }
  return { network: address, prefixLength };
}

/** A host name as compared: lower case, without a trailing dot. */
function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

interface FamilyIndex {
  /** Prefix lengths present, longest first. */
  lengths: number[];
  byLength: Map<number, Map<string, ThreatIntelHit>>;
}

function addRange(index: FamilyIndex, network: ParsedAddress, prefixLength: number, hit: ThreatIntelHit): void {
  let ranges = index.byLength.get(prefixLength);
  if (ranges === undefined) {
    ranges = new Map();
    index.byLength.set(prefixLength, ranges);
    index.lengths.push(prefixLength);
    index.lengths.sort((a, b) => b - a);
  }
  const key = networkKey(network, prefixLength);
  // The first list naming a range keeps it: lists are given in priority order.
  if (!ranges.has(key)) ranges.set(key, hit);
}

function lookup(index: FamilyIndex, address: ParsedAddress): ThreatIntelHit | undefined {
  for (const length of index.lengths) {
    const hit = index.byLength.get(length)?.get(networkKey(address, length));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * Compiles lists into one matcher. Entries that do not parse are ignored (the API validates custom sets before they
 * are stored; bundled data is checked by its tests). When several lists name an address, the most specific entry
 * wins, and among equally specific ones the earlier list.
 */
export function compileThreatIntelMatcher(lists: readonly ThreatIntelListInput[], options: CompileThreatIntelMatcherOptions = {}): ThreatIntelMatcher {
  const ipv4: FamilyIndex = { lengths: [], byLength: new Map() };
  const ipv6: FamilyIndex = { lengths: [], byLength: new Map() };
  const exactDomains = new Map<string, ThreatIntelHit>();
  const domainSuffixes = new Map<string, ThreatIntelHit>();
  for (const list of lists) {
    for (const entry of list.ips ?? []) {
      const address = parseAddress(entry);
      if (address === undefined) continue;
      const full = address.kind() === 'ipv4' ? 32 : 128;
      addRange(address.kind() === 'ipv4' ? ipv4 : ipv6, address, full, hitOf(list, entry));
    }
    for (const entry of list.cidrs ?? []) {
      const range = parseCidr(entry);
      if (range === undefined) continue;
      addRange(range.network.kind() === 'ipv4' ? ipv4 : ipv6, range.network, range.prefixLength, hitOf(list, entry));
    }
    for (const entry of list.domains ?? []) {
      const host = normalizeHost(entry);
      if (host.startsWith('*.')) {
        if (!domainSuffixes.has(host.slice(2))) domainSuffixes.set(host.slice(2), hitOf(list, entry));
      } else if (host !== '' && !exactDomains.has(host)) {
        exactDomains.set(host, hitOf(list, entry));
      }
    }
  }
  return {
    listNames: lists.map((list) => list.name),
    ...(options.torExitFeeds === undefined ? {} : { torExitFeeds: options.torExitFeeds }),
    matchAddress(address) {
      if (address === undefined || (ipv4.lengths.length === 0 && ipv6.lengths.length === 0)) return undefined;
      const parsed = parseAddress(address);
      if (parsed === undefined) return undefined;
      return lookup(parsed.kind() === 'ipv4' ? ipv4 : ipv6, parsed);
    },
    matchDomain(host) {
      if (host === undefined) return undefined;
      const name = normalizeHost(host);
      const exact = exactDomains.get(name);
      if (exact !== undefined || domainSuffixes.size === 0) return exact;
      for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
        const hit = domainSuffixes.get(name.slice(dot + 1));
        if (hit !== undefined) return hit;
      }
      return undefined;
    },
  };
}

function hitOf(list: ThreatIntelListInput, entry: string): ThreatIntelHit {
  return list.origin === undefined ? { list: list.name, entry } : { list: list.name, entry, origin: list.origin };
}

/**
 * Two matchers as one: `first`'s hit wins, `second` is asked only when `first` has none (a subscription's custom sets
 * before the configured feeds). The Tor exit feeds are `first`'s, else `second`'s.
 */
export function combineThreatIntelMatchers(first: ThreatIntelMatcher, second: ThreatIntelMatcher): ThreatIntelMatcher {
  if (second.listNames.length === 0 && second.torExitFeeds === undefined) return first;
  if (first.listNames.length === 0 && first.torExitFeeds === undefined) return second;
  const torExitFeeds = first.torExitFeeds ?? second.torExitFeeds;
  return {
    listNames: [...first.listNames, ...second.listNames],
    ...(torExitFeeds === undefined ? {} : { torExitFeeds }),
    matchAddress: (address) => first.matchAddress(address) ?? second.matchAddress(address),
    matchDomain: (host) => first.matchDomain(host) ?? second.matchDomain(host),
  };
}

/** The matcher of no lists (a subscription without custom sets). */
export const emptyThreatIntelMatcher: ThreatIntelMatcher = compileThreatIntelMatcher([]);
