import { type NodeEvent, NodeEventType } from '../../node/nodeEvent';
import { type PatternList } from '../patternList';

/**
 * Facts about the network side of a node event: the outbound connection a `tcp_connect` kprobe (or a book-era
 * `process_connect`) shows, what kind of address it goes to (cloud metadata, private, public), and the domains a
 * command line names. Tetragon's connection events carry addresses only, never the name that was resolved.
 */

/** An outbound connection: the remote end, and the local one when the sensor says. */
export interface NodeConnection {
  daddr: string;
  dport?: number;
  saddr?: string;
  sport?: number;
  protocol?: string;
}

/** Kernel functions whose socket argument is a connection being opened. */
const CONNECT_HOOK = /connect/i;

/**
 * The connection the event opens: a kprobe on a connect function (`tcp_connect`, `tcp_v4_connect`, ...) with a
 * `sock_arg`, or a book-era `process_connect`. Addresses are normalised (`::ffff:169.254.169.254` reads as
 * `169.254.169.254`). Undefined for any other event, and when the sensor gave no remote address.
 */
export function connectionOf(event: NodeEvent): NodeConnection | undefined {
  let socket = event.type === NodeEventType.processConnect ? event.socket : undefined;
  if (socket === undefined && event.hook !== undefined && CONNECT_HOOK.test(event.hook.functionName)) {
    socket = event.hook.args.find((arg) => arg.socket?.daddr !== undefined && arg.socket.daddr !== '')?.socket;
  }
  if (socket?.daddr === undefined || socket.daddr === '') return undefined;
  return {
    daddr: normalizeAddress(socket.daddr),
    ...(socket.dport === undefined ? {} : { dport: socket.dport }),
    ...(socket.saddr === undefined ? {} : { saddr: normalizeAddress(socket.saddr) }),
    ...(socket.sport === undefined ? {} : { sport: socket.sport }),
    ...(socket.protocol === undefined ? {} : { protocol: socket.protocol }),
  };
}

/** An address as compared: lower case, brackets and zone dropped, IPv4-mapped IPv6 written as IPv4. */
export function normalizeAddress(address: string): string {
  const bare = address.trim().replace(/^\[|\]$/g, '').replace(/%[\s\S]*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped?.[1] ?? bare;
}

// ---------------------------------------------------------------------------------------------------------------
// Cloud metadata

/** The instance metadata services: Azure, AWS, GCP and most clouds at 169.254.169.254, AWS's IPv6 endpoint. */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set(['169.254.169.254', 'fd00:ec2::254']);

/** Azure's WireServer (VM agent goal state, extensions and their protected settings). Also Azure's DNS on port 53. */
export const AZURE_WIRESERVER = '168.63.129.16';

/** True for an instance metadata service address (`169.254.169.254`, `fd00:ec2::254`). */
export function isMetadataAddress(address: string): boolean {
  return METADATA_ADDRESSES.has(normalizeAddress(address));
}

/** What a connection to a cloud endpoint is, or undefined: the metadata service, or WireServer outside DNS. */
export function cloudEndpointOf(connection: NodeConnection): 'instance metadata service' | 'Azure WireServer' | undefined {
  if (isMetadataAddress(connection.daddr)) return 'instance metadata service';
  // 168.63.129.16:53 is Azure's recursive DNS, which pods using the node's resolv.conf query all day.
  if (connection.daddr === AZURE_WIRESERVER && connection.dport !== 53) return 'Azure WireServer';
  return undefined;
}

/** Metadata endpoints and token paths a command line may name (an HTTP header cannot be seen in a connect). */
const METADATA_URL_INDICATORS: readonly (readonly [RegExp, string])[] = [
  [/metadata\/identity\/oauth2\/token/i, 'managed identity token endpoint'],
  [/169\.254\.169\.254/, 'instance metadata service'],
  [/\[?fd00:ec2::254\]?/i, 'instance metadata service'],
  [/metadata\.google\.internal/i, 'instance metadata service'],
  [/168\.63\.129\.16/, 'Azure WireServer'],
];

/** The cloud metadata endpoint a command line names, described, or undefined. */
export function metadataEndpointNamed(text: string): string | undefined {
  return METADATA_URL_INDICATORS.find(([pattern]) => pattern.test(text))?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Address ranges

function ipv4Octets(address: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/**
 * True for an address that is not on the internet: RFC 1918, loopback, link-local, carrier-grade NAT (AKS's
 * default pod CIDR neighbour), `0.0.0.0`, and IPv6 loopback, unique-local and link-local.
 */
export function isNonPublicAddress(address: string): boolean {
  const normalized = normalizeAddress(address);
  const octets = ipv4Octets(normalized);
  if (octets !== undefined) {
    const [a = 0, b = 0] = octets;
    return (
      a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (!normalized.includes(':')) return false;
  return normalized === '::1' || normalized === '::' || /^f[cd][0-9a-f]{2}:/.test(normalized) || /^fe[89ab][0-9a-f]:/.test(normalized);
}

/** The entry of an address list (`threatIntelAddresses`) that names the address, if any. */
export function listedAddress(address: string, list: PatternList): string | undefined {
  return list.find(normalizeAddress(address));
}

// ---------------------------------------------------------------------------------------------------------------
// Ports

/**
 * Ports that ordinary web and mail traffic uses too (Falco's miner port list has them). A connection to one
 * proves nothing without a pool's name, which a connect event does not carry.
 */
const COMMON_SERVICE_PORTS: ReadonlySet<number> = new Set([25, 80, 443, 587, 8000, 8001, 8008, 8080, 8443, 8888]);

/** The listed port (`miningPoolPorts`) of a connection, if any; never one of the common web and mail ports. */
export function listedPort(connection: NodeConnection, list: PatternList): string | undefined {
  if (connection.dport === undefined || COMMON_SERVICE_PORTS.has(connection.dport)) return undefined;
  return list.find(String(connection.dport));
}

// ---------------------------------------------------------------------------------------------------------------
// Domains in command lines

/** Host names in free text: URLs, `host:port`, bare names with a dot and a letter-only top-level label. */
const HOST_NAME = /(?:^|[\s"'=@/(])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?=$|[\s"':/?#)&;,|])/gi;

/** The host names a command line names, lower case, without duplicates. */
export function hostNamesIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(HOST_NAME)) {
    const name = match[1]?.toLowerCase();
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/**
 * The first domain of a list (`miningPoolDomains`, `threatIntelDomains`) that a host name in the text falls under,
 * as `{ host, entry }`: the name itself or one of its parent domains (`xmr.pool.example` is under
 * `pool.example`) is listed. Undefined when none is.
 */
export function listedDomainIn(text: string, list: PatternList): { host: string; entry: string } | undefined {
  for (const host of hostNamesIn(text)) {
    // The name, then each parent domain down to two labels, without splitting and joining the labels again.
    let start = 0;
    while (start !== -1) {
      const domain = start === 0 ? host : host.slice(start);
      if (!domain.includes('.')) break;
      const entry = list.find(domain);
      if (entry !== undefined) return { host, entry };
      const dot = host.indexOf('.', start);
      start = dot === -1 ? -1 : dot + 1;
    }
  }
  return undefined;
}
