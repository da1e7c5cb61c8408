import { type Alert } from '../../../shared/alerts/alert';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { type ThreatIntelFeedDocument, upsertThreatIntelFeed } from '../../../shared/store/threatIntelFeedStore';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { storedAlertsOf } from '../../support/storedAlerts';
import { threatIntelTestBed } from '../../support/threatIntelTestBed';

const NOW = new Date('2026-12-04T10:30:00.000Z');
/** In the Tor Project's bulk exit list of a later day, not in the bundled snapshot of 2024-03-12. */
const FEED_ONLY_EXIT = '23.128.248.60';
/** In the bundled snapshot, not in the feed. */
const BUNDLED_ONLY_EXIT = '109.70.100.4';

const { cosmos: testCosmos, newSubscription } = threatIntelTestBed('7f1f', '2026-12-04T09:00:00.000Z');

function storedFeed(name: string, kind: ThreatIntelFeedDocument['kind'], ips: string[], cidrs: string[] = []): ThreatIntelFeedDocument {
  return {
    id: name,
    name,
    kind,
    source: kind === 'tor-exit' ? 'https://check.torproject.org/torbulkexitlist' : 'https://rules.emergingthreats.net/blockrules/compromised-ips.txt',
    ips,
    cidrs,
    domains: [],
    entryCount: ips.length + cidrs.length,
    skippedLines: 0,
    skippedExamples: [],
    droppedEntries: 0,
    bytes: 1024,
    sha256: 'a'.repeat(64),
    fetchedUtc: '2026-12-04T06:15:00.000Z',
  };
}

/** `kubectl get secrets` through the cluster's load balancer (a private hop first) from `sourceIp`. */
function secretListMessage(subscriptionId: string, auditID: string, sourceIp: string): Record<string, unknown> {
  const event = {
    ...auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop', user: 'carl@contoso.com', auditID, time: '2026-12-04T10:01:00.000000Z' }),
    sourceIPs: ['10.224.0.4', sourceIp],
  };
  return aksMessage([diagnosticRecord(event, { resourceId: aksResourceId(subscriptionId) })]);
}

async function alertsOf(subscriptionId: string, alertType: string): Promise<Alert[]> {
  return (await storedAlertsOf(testCosmos().database, subscriptionId)).filter((alert) => alert.alertType === alertType);
}

async function process(subscriptionId: string, partitionId: string): Promise<void> {
  const settings = new CachedSubscriptionSettings(testCosmos().database, 60_000, () => NOW.getTime());
  await processAuditBatch(
    auditBatch(
      [secretListMessage(subscriptionId, `${partitionId}-feed-only`, FEED_ONLY_EXIT), secretListMessage(subscriptionId, `${partitionId}-bundled-only`, BUNDLED_ONLY_EXIT)],
      { partitionId },
    ),
    ingestionDependencies(testCosmos().database, NOW, { subscriptionSettings: settings }),
  );
}

describe('processEventBatch: threat-intel feeds', () => {
  it('when a Tor exit feed is stored, then the Tor rule alerts on its addresses naming the feed, and the bundled snapshot is no longer used', async () => {
    const before = await newSubscription();
    await process(before, 'feed-1');
    // Without a stored feed, the bundled snapshot decides.
    expect((await alertsOf(before, 'K8S_TI_Proxy')).flatMap((alert) => alert.evidenceAuditIds)).toEqual(['feed-1-bundled-only']);

    await upsertThreatIntelFeed(testCosmos().database, storedFeed('tor-bulk-exit-list', 'tor-exit', ['93.95.230.253', FEED_ONLY_EXIT, '185.220.101.18']));
    const after = await newSubscription();
    await process(after, 'feed-2');

    const [alert, ...others] = await alertsOf(after, 'K8S_TI_Proxy');
    expect(others).toEqual([]);
    expect(alert?.evidenceAuditIds).toEqual(['feed-2-feed-only']);
    expect(alert?.extendedProperties).toMatchObject({ sourceIp: FEED_ONLY_EXIT, threatIntelList: 'tor-bulk-exit-list', listEntry: FEED_ONLY_EXIT });
  });

  it('when an ip feed is stored, then a call from one of its ranges alerts in every subscription, naming the feed as a feed', async () => {
    await upsertThreatIntelFeed(testCosmos().database, storedFeed('compromised-hosts', 'ip', [], ['23.128.248.0/24']));
    const sub = await newSubscription();
    await process(sub, 'feed-3');

    const [alert, ...others] = await alertsOf(sub, 'K8S_TI_MaliciousIPCaller');
    expect(others).toEqual([]);
    expect(alert?.extendedProperties).toMatchObject({
      sourceIp: FEED_ONLY_EXIT,
      threatIntelList: 'compromised-hosts',
      threatIntelListKind: 'feed',
      listEntry: '23.128.248.0/24',
    });
  });
});
