import { printable } from '../printable';
import ipaddr from 'ipaddr.js';
import { formatAddress, isPublicAddress, parseAddress, parseCidr } from './threatIntelMatch';

/**
 * A subscription's custom threat-intel set, like GuardDuty's custom threat lists: addresses, ranges and host names
 * its security team knows to be hostile (an incident's indicators, a partner's feed). API calls whose first public
 * source address is in a set alert (threat-intel-ip-api-call), naming the set.
 *
 * What a set may hold, and why:
 * - at most {@link MAX_THREAT_INTEL_SET_ENTRIES} entries in all (ips + cidrs + domains), and at most
 *   {@link MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION} sets per subscription: the pipeline keeps every set of a
 *   subscription compiled in memory;
 * - IPv4 ranges of /8 or narrower, IPv6 ranges of /32 or narrower: a wider range is a continent, not an indicator;
 * - no address or range that lies wholly in private, loopback, link-local, carrier-grade NAT or unique-local space:
 *   the rules match the caller's first PUBLIC source address, so such an entry could never match (a set that seems
 *   to protect while it cannot is worse than a 400);
 * - ranges written at their network address (`198.51.100.0/24`, not `198.51.100.7/24`), so a typo is not widened
 *   silently;
 * - host names as DNS writes them (letters, digits, hyphens; at least two labels), optionally `*.<domain>` for every
 *   name under a domain of at least two labels (not `*.com`).
 * Entries are stored normalized (lower case, RFC 5952 IPv6, IPv4-mapped IPv6 as IPv4) and without repeats.
 */
export const MAX_THREAT_INTEL_SET_ENTRIES = 10_000;
export const MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION = 20;
export const MIN_IPV4_PREFIX_LENGTH = 8;
export const MIN_IPV6_PREFIX_LENGTH = 32;
const MAX_DESCRIPTION_LENGTH = 512;
/** A JSON body of 10,000 long entries stays under this. */
export const MAX_THREAT_INTEL_SET_BODY_IN_BYTES = 1024 * 1024;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LEVEL_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export interface ThreatIntelSetProperties {
  description?: string;
  ips: string[];
  cidrs: string[];
  domains: string[];
}

export type ThreatIntelSetValidation<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

export function parseThreatIntelSetName(value: string | undefined): ThreatIntelSetValidation<string> {
  if (value !== undefined && NAME_PATTERN.test(value)) return { ok: true, value };
  return { ok: false, field: 'name', message: "name must be 2 to 50 characters: letters, digits, '-', '_' or '.', starting with a letter or digit." };
}

/** Validates and normalizes a PUT body; the first problem is named by its field and entry (`cidrs[2] '10.0.0.0/8' ...`). */
export function parseThreatIntelSetBody(body: unknown): ThreatIntelSetValidation<ThreatIntelSetProperties> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, field: 'body', message: 'body must be a JSON object.' };
  const record = body as Record<string, unknown>;
  const unknownField = Object.keys(record).find((key) => !['description', 'ips', 'cidrs', 'domains'].includes(key));
  if (unknownField !== undefined) {
    return { ok: false, field: unknownField, message: `${printable(unknownField)} is not a known field (description, ips, cidrs, domains).` };
  }
  const { description } = record;
  if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)) {
    return { ok: false, field: 'description', message: `description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters.` };
  }
  const ips = entriesOf(record, 'ips', normalizeIp);
  if (!ips.ok) return ips;
  const cidrs = entriesOf(record, 'cidrs', normalizeCidr);
  if (!cidrs.ok) return cidrs;
  const domains = entriesOf(record, 'domains', normalizeDomain);
  if (!domains.ok) return domains;
  const total = ips.value.length + cidrs.value.length + domains.value.length;
  if (total === 0) return { ok: false, field: 'body', message: 'body must list at least one entry in ips, cidrs or domains.' };
  if (total > MAX_THREAT_INTEL_SET_ENTRIES) {
    return { ok: false, field: 'body', message: `a set holds at most ${MAX_THREAT_INTEL_SET_ENTRIES} entries (ips, cidrs and domains together); this one has ${total}.` };
  }
  return { ok: true, value: { ...(description === undefined ? {} : { description }), ips: ips.value, cidrs: cidrs.value, domains: domains.value } };
}

/** An entry normalized, or why it is refused (a phrase that follows the entry: "is not an IP address"). */
export type EntryCheck = { ok: true; value: string } | { ok: false; reason: string };

function entriesOf(record: Record<string, unknown>, field: 'ips' | 'cidrs' | 'domains', check: (entry: string) => EntryCheck): ThreatIntelSetValidation<string[]> {
  const value = record[field];
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return { ok: false, field, message: `${field} must be an array of strings.` };
  if (value.length > MAX_THREAT_INTEL_SET_ENTRIES) {
    return { ok: false, field, message: `${field} must list at most ${MAX_THREAT_INTEL_SET_ENTRIES} entries; it has ${value.length}.` };
  }
  const seen = new Set<string>();
  for (const [index, entry] of value.entries()) {
    const path = `${field}[${index}]`;
    if (typeof entry !== 'string') return { ok: false, field: path, message: `${path} must be a string.` };
    const checked = check(entry);
    if (!checked.ok) return { ok: false, field: path, message: `${path} '${printable(entry, 80)}' ${checked.reason}.` };
    seen.add(checked.value);
  }
  return { ok: true, value: [...seen] };
}


export function normalizeIp(entry: string): EntryCheck {
  if (entry.includes('/')) return { ok: false, reason: 'is a range: list it under cidrs' };
  const address = parseAddress(entry);
  if (address === undefined) return { ok: false, reason: 'is not an IPv4 or IPv6 address' };
  if (!isPublicAddress(address)) return { ok: false, reason: `is ${nonPublicName(address.range())}, which never matches: Argus matches the caller's first public address` };
  return { ok: true, value: formatAddress(address) };
}

export function normalizeCidr(entry: string): EntryCheck {
  const range = parseCidr(entry);
  if (range === undefined) return { ok: false, reason: 'is not a range in CIDR notation (198.51.100.0/24, 2001:db8::/48)' };
  const { network, prefixLength } = range;
  const ipv4 = network.kind() === 'ipv4';
  const minimum = ipv4 ? MIN_IPV4_PREFIX_LENGTH : MIN_IPV6_PREFIX_LENGTH;
  if (prefixLength < minimum) return { ok: false, reason: `is wider than /${minimum}, the widest ${ipv4 ? 'IPv4' : 'IPv6'} range a set may hold` };
  const text = `${formatAddress(network)}/${prefixLength}`;
  const first = ipv4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  const last = ipv4 ? ipaddr.IPv4.broadcastAddressFromCIDR(text) : ipaddr.IPv6.broadcastAddressFromCIDR(text);
  const canonical = `${formatAddress(first)}/${prefixLength}`;
  if (first.toString() !== network.toString()) return { ok: false, reason: `has host bits set: write its network address, ${canonical}` };
  // A range allowed here (/8 or narrower, /32 or narrower) cannot span two separate blocks of the same kind (the three
  // private IPv4 blocks are far apart): when its first and last addresses are in the same kind of block, all of it is.
  if (!isPublicAddress(first) && !isPublicAddress(last) && first.range() === last.range()) {
    return { ok: false, reason: `lies wholly in ${nonPublicName(first.range())} space, which never matches: Argus matches the caller's first public address` };
  }
  return { ok: true, value: canonical };
}

export function normalizeDomain(entry: string): EntryCheck {
  const lower = entry.trim().toLowerCase().replace(/\.$/, '');
  const wildcard = lower.startsWith('*.');
  const host = wildcard ? lower.slice(2) : lower;
  const labels = host.split('.');
  const valid =
    host.length <= 253 && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? '');
  if (!valid) return { ok: false, reason: "is not a host name (c2.example.net) or '*.' and a domain (*.example.net)" };
  return { ok: true, value: lower };
}

function nonPublicName(range: string): string {
  switch (range) {
    case 'private':
      return 'a private address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)';
    case 'loopback':
      return 'a loopback address';
    case 'linkLocal':
      return 'a link-local address';
    case 'carrierGradeNat':
      return 'a carrier-grade NAT address (100.64.0.0/10)';
    case 'uniqueLocal':
      return 'an IPv6 unique-local address (fc00::/7)';
    default:
      return `a non-public address (${range})`;
  }
}
