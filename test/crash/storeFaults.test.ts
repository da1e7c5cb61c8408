import { ingestAuditEvents, ingestAuditEventsFunction } from '../../functions/ingestAuditEvents';
import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { listDeadLetters } from '../../shared/store/deadLetterStore';
import { isTransientStoreError } from '../../shared/store/transientFaults';
import { getUsage } from '../../shared/store/usageStore';
import { listSubscriptionWorkloads } from '../../shared/store/workloadInventoryStore';
import { aksMessage, aksResourceId, auditBatch, benignEvent, diagnosticRecord, execIntoPodEvent, privilegedPodEvent } from '../support/auditMessages';
import { type ProxiedRequest } from '../support/faultInjectingProxy';
import { deliverWithRetry, useIngestionTriggerHarness } from '../support/ingestionTriggerHarness';
import { storedAlertsOf } from '../support/storedAlerts';

/*
 * Store faults at every step of an audit batch, through the fault-injecting proxy in front of the store: 429 storms
 * (with x-ms-retry-after-ms) beyond the SDK's own retries, 503s, connection resets before the store sees a request, and
 * timeouts (408; a write that lands but whose answer never comes back). Each fault hits the requests of one step (the
 * container it works on); the batch is retried under the trigger's own policy, and what it leaves (alerts, usage, dead
 * letters, workload inventory) must equal what the same batch leaves without a fault: nothing lost, nothing doubled.
 * test/functions/ingestAuditEvents.test.ts already covers 503/408 and a lost answer on alert writes, and 429 beyond the
 * SDK's retries on alert writes; this file covers every step with every fault.
 */

const harness = useIngestionTriggerHarness('5f000000');
const trigger = { name: 'ingestAuditEvents', handler: ingestAuditEvents, options: ingestAuditEventsFunction.options };
const TIME = '2026-11-22T10:00:00.000Z';

/** Two attack pods (alerts, inventory), an exec (an alert), leases (usage only), and a record cut short (a dead letter). */
function batchFor(subscriptionId: string, partitionId: string): EventBatch {
  const resourceId = aksResourceId(subscriptionId);
  const at = (second: number): string => `2026-11-22T10:00:${String(second).padStart(2, '0')}.000000Z`;
  return auditBatch(
    [
      aksMessage([diagnosticRecord(privilegedPodEvent('sf-priv-1', at(1), 'debug-shell'), { resourceId }), diagnosticRecord(benignEvent('sf-lease-1', at(2)), { resourceId })]),
      aksMessage([diagnosticRecord(execIntoPodEvent('sf-exec-1', at(3)), { resourceId }), diagnosticRecord('{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"cut', { resourceId })]),
      aksMessage([diagnosticRecord(privilegedPodEvent('sf-priv-2', at(4), 'debug-shell-2'), { resourceId }), diagnosticRecord(benignEvent('sf-lease-2', at(5)), { resourceId })]),
    ],
    { partitionId },
  );
}

/** What the batch left, without what names the subscription or the partition (they differ per case by design). */
async function outcomeOf(subscriptionId: string, partitionId: string): Promise<unknown> {
  const { database } = harness.store;
  const alerts = (await storedAlertsOf(database, subscriptionId)).map((alert) => [alert.alertType, alert.count, alert.evidenceAuditIds]).sort();
  const usage = await getUsage(database, subscriptionId, TIME);
  const deadLetters = (await listDeadLetters(database, partitionId)).map((letter) => [letter.sequenceNumber, letter.recordIndex, letter.reason]);
  const workloads = (await listSubscriptionWorkloads(database, subscriptionId)).map((doc) => [doc.kind, doc.namespace, doc.name, doc.specHash, doc.deleted]).sort();
  return { alerts, eventsAnalyzed: usage?.eventsAnalyzed, eventsByCluster: usage?.eventsByCluster, deadLetters, workloads };
}

const STEPS = {
  'alert fold (alerts: read, create or If-Match replace)': 'alerts',
  'usage (usage: read, If-Match write)': 'usage',
  'dead letter (deadLetters: upsert)': 'deadLetters',
  'workload inventory (workloads: read, write)': 'workloads',
} as const;

type Fault = { name: string; inject: (match: (request: ProxiedRequest) => boolean) => void; attemptsAtLeast: number };

const FAULTS: Fault[] = [
  {
    // The SDK absorbs 9 throttled attempts of each request, waiting what x-ms-retry-after-ms says; a 10th reaches the batch
    // (30 in a row: enough that one of a step's concurrent requests gets 10).
    name: '429 storm with x-ms-retry-after-ms beyond the SDK retries',
    inject: (match) => harness.store.proxy.failNext(30, { status: 429, headers: { 'x-ms-retry-after-ms': '3' }, match }),
    attemptsAtLeast: 2,
  },
  { name: '503 twice', inject: (match) => harness.store.proxy.failNext(2, { status: 503, match }), attemptsAtLeast: 2 },
  { name: 'connection reset before the store sees the request', inject: (match) => harness.store.proxy.dropNext(1, match), attemptsAtLeast: 1 },
  { name: 'timeout (408)', inject: (match) => harness.store.proxy.failNext(1, { status: 408, match }), attemptsAtLeast: 2 },
  { name: 'timeout after the store applied it (answer never comes)', inject: (match) => harness.store.proxy.dropResponseOfNext(1, match), attemptsAtLeast: 1 },
];

describe('ingestAuditEvents under store faults at every step of a batch', () => {
  let reference: unknown;
  let cases = 0;

  beforeAll(async () => {
    const subscriptionId = await harness.enabledSubscription();
    expect(await deliverWithRetry(trigger, batchFor(subscriptionId, 'sf-reference'))).toMatchObject({ ok: true, attempts: 1 });
    reference = await outcomeOf(subscriptionId, 'sf-reference');
  });

  it('when nothing fails, then the batch leaves alerts, usage, a dead letter and workloads (so that every step below has work)', () => {
    expect(reference).toMatchObject({
      alerts: expect.arrayContaining([expect.arrayContaining(['K8S_PrivilegedContainer'])]) as unknown,
      eventsAnalyzed: 5,
      deadLetters: [[1, 1, expect.any(String)]],
      workloads: expect.arrayContaining([expect.arrayContaining(['Pod'])]) as unknown,
    });
  });

  describe.each(Object.entries(STEPS))('%s', (_step, container) => {
    it.each(FAULTS.map((fault) => [fault.name, fault] as const))('when the store answers with %s, then the batch is retried and leaves exactly what a fault-free run leaves', async (_name, fault) => {
      const subscriptionId = await harness.enabledSubscription();
      const partitionId = `sf-${++cases}`;
      const onStep = (request: ProxiedRequest): boolean => request.kind !== 'metadata' && request.path.includes(`/colls/${container}/`);
      fault.inject(onStep);
      const outcome = await deliverWithRetry(trigger, batchFor(subscriptionId, partitionId));
      expect(outcome.ok).toBe(true);
      expect(outcome.attempts).toBeGreaterThanOrEqual(fault.attemptsAtLeast);
      expect(outcome.errors.every(isTransientStoreError)).toBe(true);
      expect(await outcomeOf(subscriptionId, partitionId)).toEqual(reference);
    });
  });
});
