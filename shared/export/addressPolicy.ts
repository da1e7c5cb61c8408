import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach (SSRF protection). A webhook target is configured by a customer, so
 * it must not be able to make Argus talk to its own network: loopback, private and link-local ranges
 * (with the cloud metadata endpoint 169.254.169.254), Azure's wireserver, carrier-grade NAT, multicast,
 * reserved ranges, and IPv6 forms that embed any of those IPv4 addresses.
 */

/** Why an IPv4 range other than `unicast` is refused, by ipaddr.js' range name. */
const ipv4RangeReasons: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address (0.0.0.0/8)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address (224.0.0.0/4)',
  linkLocal: 'a link-local address (169.254.0.0/16, includes the cloud metadata endpoint)',
  loopback: 'a loopback address (127.0.0.0/8)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)',
  reserved: 'a reserved, benchmarking or documentation address',
  as112: 'an AS112 address',
  amt: 'an AMT relay address',
};

/** Why an IPv6 range other than `unicast` is refused, by ipaddr.js' range name. */
const ipv6RangeReasons: Readonly<Record<string, string>> = {
  unspecified: 'the unspecified IPv6 address (::)',
  loopback: 'the IPv6 loopback address (::1)',
  linkLocal: 'an IPv6 link-local address (fe80::/10)',
  uniqueLocal: 'an IPv6 unique-local address (fc00::/7)',
  deprecatedSiteLocal: 'an IPv6 site-local address (fec0::/10)',
  multicast: 'an IPv6 multicast address (ff00::/8)',
  ipv4Mapped: 'an IPv4-mapped IPv6 address (::ffff:0:0/96)',
  rfc6145: 'an IPv4-translated IPv6 address (::ffff:0:0:0/96)',
  rfc6052: 'a NAT64 address (64:ff9b::/96, 64:ff9b:1::/48)',
  '6to4': 'a 6to4 address (2002::/16)',
  teredo: 'a Teredo address (2001::/32)',
  discard: 'an IPv6 discard-only address (100::/64)',
  benchmarking: 'an IPv6 benchmarking address (2001:2::/48)',
  reserved: 'a reserved or documentation IPv6 address',
};

/** Unicast IPv4 addresses that are nonetheless platform endpoints. */
const platformAddresses: Readonly<Record<string, string>> = {
  '168.63.129.16': "Azure's wireserver (168.63.129.16)",
};

/** The IPv4 forms of the IPv6 transition ranges, to name the embedded address class in the reason. */
const embeddedFormNames: Readonly<Record<string, string>> = {
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
  ipv4Compatible: 'IPv4-compatible',
};

/**
 * Why a webhook must not connect to this IP address, or undefined when it may. Anything that ipaddr.js
 * does not classify as `unicast` is refused, as is anything that is not an IP address.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  if (isIP(address) === 0 || !ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv4' ? ipv4Reason(parsed as ipaddr.IPv4) : ipv6Reason(parsed as ipaddr.IPv6);
}

function ipv4Reason(address: ipaddr.IPv4): string | undefined {
  const range = address.range();
  if (range !== 'unicast') return ipv4RangeReasons[range] ?? `a special-purpose address (${range})`;
  return platformAddresses[address.toString()];
}

function ipv6Reason(address: ipaddr.IPv6): string | undefined {
  const range = address.range();
  const form = isIpv4Compatible(address) ? 'ipv4Compatible' : range;
  const embedded = embeddedIpv4(address, form);
  if (embedded !== undefined) {
    const embeddedReason = ipv4Reason(embedded);
    if (embeddedReason !== undefined) return `the ${embeddedFormNames[form] ?? form} IPv6 form of ${embeddedReason}`;
  }
  if (form === 'ipv4Compatible') return 'an IPv4-compatible IPv6 address (::/96, deprecated)';
  if (range !== 'unicast') return ipv6RangeReasons[range] ?? `a special-purpose IPv6 address (${range})`;
  return undefined;
}

/** `::a.b.c.d` (deprecated by RFC 4291), which ipaddr.js reports as `unicast`; `::` and `::1` are not. */
function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  return parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || (parts[7] ?? 0) > 1);
}

/** The IPv4 address an IPv6 transition form carries, where its position is fixed. */
function embeddedIpv4(address: ipaddr.IPv6, form: string): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const fromParts = (high: number | undefined, low: number | undefined): ipaddr.IPv4 =>
    ipaddr.IPv4.parse(`${((high ?? 0) >> 8) & 0xff}.${(high ?? 0) & 0xff}.${((low ?? 0) >> 8) & 0xff}.${(low ?? 0) & 0xff}`);
  switch (form) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'ipv4Compatible':
      return fromParts(parts[6], parts[7]);
    case 'rfc6052':
      // 64:ff9b::/96 carries the address in the last 32 bits; the /48 local-use prefix is refused anyway.
      return parts[2] === 0 ? fromParts(parts[6], parts[7]) : undefined;
    case '6to4':
      return fromParts(parts[1], parts[2]);
    case 'teredo':
      // The client's address is the last 32 bits, inverted.
      return fromParts((parts[6] ?? 0) ^ 0xffff, (parts[7] ?? 0) ^ 0xffff);
    default:
      return undefined;
  }
}

/** Thrown (through the connection) when a webhook host resolves to a forbidden address. */
export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
  readonly code = 'EADDRNOTALLOWED';
  /** What kind of address was refused, for example "a loopback address (127.0.0.0/8)". */
  readonly addressClass: string;

  constructor(hostname: string, addressClass: string) {
    super(`refusing to connect to ${hostname}: it resolves to ${addressClass}`);
    this.addressClass = addressClass;
  }
}

export interface GuardedLookupOptions {
  /** Local mode only: allow every address (a receiver on this machine or the local network). */
  allowPrivateAddresses: boolean;
}

/**
 * A `dns.lookup` replacement for the `lookup` option of `http.request`/`https.request`/`net.connect`: it
 * resolves the host and fails the connection with a {@link ForbiddenAddressError} when ANY resolved address
 * is forbidden. The socket connects to the very addresses checked here, so a DNS answer that changes
 * between check and connect (rebinding) cannot slip through. Note that Node does not call `lookup` for
 * an IP literal host: check literals with {@link forbiddenAddressReason} before connecting.
 */
export function guardedLookup(options: GuardedLookupOptions): LookupFunction {
  return (hostname: string, lookupOptions: LookupOptions | number | undefined, callback) => {
    const normalized: LookupOptions =
      typeof lookupOptions === 'number' ? { family: lookupOptions } : { ...(lookupOptions ?? {}) };
    dnsLookup(hostname, { ...normalized, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, normalized.all === true ? [] : '');
        return;
      }
      if (!options.allowPrivateAddresses) {
        for (const { address } of addresses) {
          const reason = forbiddenAddressReason(address);
          if (reason !== undefined) {
            callback(new ForbiddenAddressError(hostname, reason), normalized.all === true ? [] : '');
            return;
          }
        }
      }
      const first = addresses[0];
      if (first === undefined) {
        const notFound: NodeJS.ErrnoException = new Error(`no address found for ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, normalized.all === true ? [] : '');
      } else if (normalized.all === true) {
        callback(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}
