import { type Alert } from '../../../shared/alerts/alert';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { deleteThreatIntelSet } from '../../../shared/store/threatIntelSetStore';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { storedAlertsOf } from '../../support/storedAlerts';
import { seedThreatIntelSet, threatIntelTestBed } from '../../support/threatIntelTestBed';

const NOW = new Date('2026-11-22T10:30:00.000Z');
const CACHE_TTL_IN_MS = 60_000;
const SET_NAME = 'incident-2026-11';

const { cosmos: testCosmos, newSubscription } = threatIntelTestBed('7f1e', '2026-11-22T09:00:00.000Z');

async function seedSet(subscriptionId: string): Promise<void> {
  await seedThreatIntelSet(testCosmos(), subscriptionId, {
    name: SET_NAME,
    description: 'Addresses of the November credential-stuffing incident',
    ips: ['2001:db8:4f::17'],
    cidrs: ['198.51.100.0/24'],
    domains: [],
  }, NOW);
}

/** `kubectl get secret` through the cluster's load balancer (a private hop first) from 198.51.100.23. */
function secretReadMessage(subscriptionId: string, auditID: string, time: string): Record<string, unknown> {
  const event = {
    ...auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db-credentials', user: 'carl@contoso.com', auditID, time }),
    sourceIPs: ['10.224.0.4', '198.51.100.23'],
  };
  return aksMessage([diagnosticRecord(event, { resourceId: aksResourceId(subscriptionId) })]);
}

function threatIntelAlertsOf(subscriptionId: string): Promise<Alert[]> {
  return storedAlertsOf(testCosmos().database, subscriptionId).then((alerts) => alerts.filter((alert) => alert.alertType === 'K8S_TI_MaliciousIPCaller'));
}

describe('processEventBatch: custom threat-intel sets', () => {
  it('when an API call comes from an address in a custom set, then it alerts naming the set; after the set is deleted and the cache period passes, the same call does not', async () => {
    const sub = await newSubscription();
    await seedSet(sub);
    let clock = NOW.getTime();
    const settings = new CachedSubscriptionSettings(testCosmos().database, CACHE_TTL_IN_MS, () => clock);
    const dependencies = ingestionDependencies(testCosmos().database, NOW, { subscriptionSettings: settings });

    await processAuditBatch(auditBatch([secretReadMessage(sub, 'ti-listed', '2026-11-22T10:01:00.000000Z')], { partitionId: 'ti-1' }), dependencies);

    const [alert, ...others] = await threatIntelAlertsOf(sub);
    expect(others).toEqual([]);
    expect(alert?.evidenceAuditIds).toEqual(['ti-listed']);
    expect(alert?.extendedProperties).toMatchObject({
      sourceIp: '198.51.100.23',
      threatIntelList: SET_NAME,
      threatIntelListKind: 'custom',
      listEntry: '198.51.100.0/24',
    });

    expect(await deleteThreatIntelSet(testCosmos().database, sub, SET_NAME)).toBe(true);
    clock += CACHE_TTL_IN_MS / 2;
    await processAuditBatch(auditBatch([secretReadMessage(sub, 'ti-cached', '2026-11-22T10:02:00.000000Z')], { partitionId: 'ti-1', firstSequenceNumber: 1 }), dependencies);
    clock += CACHE_TTL_IN_MS;
    const { summary } = await processAuditBatch(
      auditBatch([secretReadMessage(sub, 'ti-unlisted', '2026-11-22T10:03:00.000000Z')], { partitionId: 'ti-1', firstSequenceNumber: 2 }),
      dependencies,
    );

    // Within the cache period the deleted set still applies (the documented delay); after it, the call is not judged listed.
    expect((await threatIntelAlertsOf(sub)).flatMap((stored) => stored.evidenceAuditIds).sort()).toEqual(['ti-cached', 'ti-listed']);
    expect(summary.analyzed).toBe(1);
    expect(settings.reads.threatIntelSets).toBe(2);
  });

  it("when a subscription has no set, then another subscription's set does not make its calls alert", async () => {
    const listing = await newSubscription();
    const other = await newSubscription();
    await seedSet(listing);
    const settings = new CachedSubscriptionSettings(testCosmos().database, CACHE_TTL_IN_MS, () => NOW.getTime());

    await processAuditBatch(
      auditBatch([secretReadMessage(listing, 'ti-a', '2026-11-22T10:01:00.000000Z'), secretReadMessage(other, 'ti-b', '2026-11-22T10:01:00.000000Z')], { partitionId: 'ti-2' }),
      ingestionDependencies(testCosmos().database, NOW, { subscriptionSettings: settings }),
    );

    expect((await threatIntelAlertsOf(listing)).map((alert) => alert.extendedProperties['threatIntelList'])).toEqual([SET_NAME]);
    expect(await threatIntelAlertsOf(other)).toEqual([]);
  });
});
