import type { Database } from '@azure/cosmos';
import { type Alert } from '../../../shared/alerts/alert';
import { type Rule } from '../../../shared/detection/rule';
import { auditRules } from '../../../shared/detection/rules';
import { type EventBatch } from '../../../shared/ingestion/eventHubBatch';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { type BatchSummary } from '../../../shared/ingestion/processEventBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { createDetectionStateCache } from '../../../shared/store/detectionStateStore';
import { ensureDatabase } from '../../../shared/store/ensureDatabase';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { aksResourceId } from '../../support/auditMessages';
import { benignClusterTraffic, crossPartitionInversions, partitionedBatches, singlePartitionBatches, type StatefulAttack, statefulAttacks } from '../../support/clusterTimeline';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { storedAlertsOf } from '../../support/storedAlerts';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * Issue 17's timeline test through the real pipeline: a benign week of one AKS cluster's traffic (the plan switched on at
 * its start, 7 days of learning), then a day on which every stateful audit rule's own attack (its first `alert` timeline,
 * re-timed) is injected among continued benign traffic. Each rule fires on its attack, exactly as often as its timeline
 * declares, and no stateful rule fires on benign traffic. The same timeline split across four partitions and delivered
 * interleaved out of order gives the same alerts, and delivering every batch again changes nothing.
 */

const SUB = '8b1c2d3e-4f50-4617-8283-949596979899';
const CLUSTER = 'aks-payments-prod';
const RESOURCE_ID = aksResourceId(SUB, CLUSTER);
const WEEK_START = '2026-11-02T00:00:00.000Z';
const ATTACK_DAY = '2026-11-09T00:00:00.000Z';
const NOW = new Date('2026-11-10T06:00:00.000Z');
const OWNER = { principalId: 'a1000000-0000-4000-8000-0000000000f1', principalName: 'Olu Owner' };
const HOUR_IN_MS = 60 * 60 * 1000;

const statefulRules: readonly Rule[] = orderedForAttackDay(auditRules.filter((rule) => rule.stateful !== undefined));

/**
 * First-seen attacks first: a later attack of another rule may show their value first (the CI account's RBAC change
 * also puts it in kube-system for the first time), which is right, but would leave the first-seen rule's own attack
 * nothing new to see.
 */
function orderedForAttackDay(rules: readonly Rule[]): Rule[] {
  return [...rules].sort((a, b) => Number(b.stateful?.kind === 'firstSeen') - Number(a.stateful?.kind === 'firstSeen'));
}

const attacks: readonly StatefulAttack[] = statefulAttacks(statefulRules, { learningStartUtc: WEEK_START, attackDayStartUtc: `${ATTACK_DAY.slice(0, 10)}T06:00:00.000Z`, slotInMs: Math.floor((17 * HOUR_IN_MS) / statefulRules.length) });
const benign = benignClusterTraffic({ startUtc: WEEK_START, days: 8 });
const timeline = [...benign, ...attacks.flatMap((attack) => attack.events.map(({ event }) => event))].sort((a, b) =>
  String(a['requestReceivedTimestamp']).localeCompare(String(b['requestReceivedTimestamp'])),
);
const attackAuditIds = new Set(attacks.flatMap((attack) => [...attack.attackAuditIds]));
const statefulAlertTypes = new Set(statefulRules.map((rule) => rule.alertType));

async function freshDatabase(cosmos: TestCosmos, name: string): Promise<Database> {
  const database = await ensureDatabase(cosmos.client, name);
  await upsertPlan(database, changePlan(SUB, undefined, { enabled: true, by: OWNER, now: new Date(WEEK_START) }));
  return database;
}

/** One instance reading every partition, as a quiet cluster's traffic is: its settings and state caches kept between batches. */
async function deliver(database: Database, batches: readonly EventBatch[]): Promise<BatchSummary[]> {
  const dependencies = ingestionDependencies(database, NOW, { subscriptionSettings: new CachedSubscriptionSettings(database, HOUR_IN_MS), detectionStateCache: createDetectionStateCache() });
  const summaries: BatchSummary[] = [];
  for (const batch of batches) summaries.push((await processAuditBatch(batch, dependencies)).summary);
  return summaries;
}

const statefulAlertsOf = async (database: Database): Promise<Alert[]> => (await storedAlertsOf(database, SUB)).filter((alert) => statefulAlertTypes.has(alert.alertType));
const shapeOf = (alerts: readonly Alert[]) => alerts.map((alert) => ({ id: alert.id, alertType: alert.alertType, count: alert.count }));

async function stateDocumentsOf(database: Database): Promise<{ id: string; _etag: string; state: unknown }[]> {
  const { resources } = await database
    .container('detectionState')
    .items.query<{ id: string; _etag: string; state: unknown }>({ query: 'SELECT * FROM c WHERE c.subscriptionId = @s ORDER BY c.id', parameters: [{ name: '@s', value: SUB }] }, { partitionKey: SUB })
    .fetchAll();
  return resources.map(({ id, _etag, state }) => ({ id, _etag, state }));
}

describe('stateful rules over a benign week and an attack day', () => {
  let cosmos: TestCosmos;
  let inOrder: Database;
  let inOrderBatches: EventBatch[];
  let inOrderSummaries: BatchSummary[];
  let partitioned: Database;
  let partitionedDelivery: EventBatch[];

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    inOrder = await freshDatabase(cosmos, 'argus-in-order');
    inOrderBatches = singlePartitionBatches(timeline, { resourceId: RESOURCE_ID, messagesPerBatch: { min: 2, max: 4 } });
    inOrderSummaries = await deliver(inOrder, inOrderBatches);
  }, 120_000);
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the timeline is built, then it is a week of benign traffic of one cluster with one attack per stateful audit rule on the eighth day', () => {
    expect(statefulRules.length).toBeGreaterThanOrEqual(11);
    expect(benign.length).toBeGreaterThan(800);
    expect(new Set(timeline.map((event) => event['auditID'])).size).toBe(new Set([...benign, ...attacks.flatMap((attack) => attack.events.map(({ event }) => event))].map((event) => event['auditID'])).size);
    for (const attack of attacks) {
      for (const { event, attackOf } of attack.events) {
        const time = String(event['requestReceivedTimestamp']);
        if (attackOf === undefined) expect(time < ATTACK_DAY).toBe(true);
        else expect(time.slice(0, 10)).toBe(ATTACK_DAY.slice(0, 10));
      }
    }
  });

  it('when delivered in order through one partition, then every batch is analyzed whole, without rule failures or dead letters', () => {
    const total = inOrderSummaries.reduce((sum, summary) => ({ analyzed: sum.analyzed + summary.analyzed, failures: sum.failures + summary.ruleFailures, dead: sum.dead + summary.deadLettered, learning: sum.learning + summary.stateful.learning }), { analyzed: 0, failures: 0, dead: 0, learning: 0 });
    expect(total).toMatchObject({ analyzed: timeline.length, failures: 0, dead: 0 });
    // The first-seen rules learned the week's habits (each value once).
    expect(total.learning).toBeGreaterThan(10);
  });

  it.each(attacks.map((attack) => [attack.rule.id, attack.expectedAlerts, attack] as const))(
    'when %s\'s attack is injected on the attack day, then it raises exactly its %d declared alert(s)',
    async (_id, expected, attack) => {
      const raised = (await statefulAlertsOf(inOrder)).filter((alert) => alert.alertType === attack.rule.alertType && alert.evidenceAuditIds.some((id) => attack.attackAuditIds.has(id)));
      expect(raised).toHaveLength(expected);
    },
  );

  it('when the benign week and the benign traffic of the attack day run, then no stateful rule fires on them (the false-positive check)', async () => {
    // An alert raised by an attack may aggregate a benign event of the same key (the CI account's routine deploy two
    // minutes after its RBAC change joins that sequence's alert); an alert without any attack evidence is a false positive.
    const onBenign = (await statefulAlertsOf(inOrder)).filter((alert) => !alert.evidenceAuditIds.some((id) => attackAuditIds.has(id)));
    expect(onBenign.map((alert) => ({ alertType: alert.alertType, evidence: alert.evidenceAuditIds, explanation: alert.extendedProperties['explanation'] }))).toEqual([]);
  });

  // Not yet: with a few thousand events over eight days, one batch of a partition spans hours, so partitions are hours
  // apart in event time, beyond the 15 minutes of lateness bursts allow (real partitions are minutes apart). The web
  // service account's routine Secret reads are api-enumeration-burst candidates of the same key, and one read hours after
  // the attack, delivered first by another partition, leaves the attack's probes too late: that alert is missing. The
  // other alerts match. Batches bounded in time (minutes) make this pass, at the cost of many more batches.
  it('when the same timeline is split across four partitions by audit id and the batches arrive interleaved out of order, then the same alerts come out', async () => {
    partitioned = await freshDatabase(cosmos, 'argus-four-partitions');
    partitionedDelivery = partitionedBatches(timeline, { resourceId: RESOURCE_ID, partitions: 4, maxDelayInMs: 5 * 60_000 });
    expect(new Set(partitionedDelivery.map((batch) => batch.partitionId))).toEqual(new Set(['0', '1', '2', '3']));
    // The delivery really is out of order between partitions.
    expect(crossPartitionInversions(partitionedDelivery)).toBeGreaterThan(10);
    await deliver(partitioned, partitionedDelivery);
    expect(shapeOf(await statefulAlertsOf(partitioned))).toEqual(shapeOf(await statefulAlertsOf(inOrder)));
  }, 120_000);

  let inOrderStateBeforeReplay: { id: string; _etag: string; state: unknown }[] = [];
  it('when every batch of the in-order delivery is delivered again, then no alert and no state content changes', async () => {
    const alertsBefore = await storedAlertsOf(inOrder, SUB);
    inOrderStateBeforeReplay = await stateDocumentsOf(inOrder);
    const summaries = await deliver(inOrder, inOrderBatches);
    expect(summaries.reduce((sum, summary) => sum + summary.alerts.created + summary.alerts.updated, 0)).toBe(0);
    expect(await storedAlertsOf(inOrder, SUB)).toEqual(alertsBefore);
    expect((await stateDocumentsOf(inOrder)).map(({ id, state }) => ({ id, state }))).toEqual(inOrderStateBeforeReplay.map(({ id, state }) => ({ id, state })));
  }, 120_000);

  // Known defect (reported to the lead): the replay rewrites some state documents with identical content (new etags:
  // api-enumeration-burst's among them), a write per rule and batch that changes nothing. Make this `it` when fixed.
  it('when the in-order delivery was delivered again, then no state document was rewritten (same etags)', async () => {
    expect(await stateDocumentsOf(inOrder)).toEqual(inOrderStateBeforeReplay);
  });

  // Known defect (reported to the lead): after out-of-order delivery, a replay adds occurrences. A first-seen value
  // whose earliest sighting arrived after a later one (judged known then) is judged new when its batch is replayed
  // (firstSeen.ts takes "the earliest sighting observed again" for a retry of an alerting sighting); and a sequence's
  // first step replayed once its second step is stored completes the sequence again, at a stream position the alert
  // has not counted. Four alerts go from count 1 to 2: first-seen-image-in-kube-system, rare-service-account-operation,
  // new-user-agent-sensitive-verb (on the secret-get-burst attack) and exec-into-privileged-pod. Make this `it` when fixed.
  it('when every batch of the four-partition delivery is delivered again, then no alert and no state document changes', async () => {
    const alertsBefore = await storedAlertsOf(partitioned, SUB);
    const stateBefore = await stateDocumentsOf(partitioned);
    await deliver(partitioned, partitionedDelivery);
    expect((await storedAlertsOf(partitioned, SUB)).map((alert) => [alert.id, alert.count, alert.version])).toEqual(alertsBefore.map((alert) => [alert.id, alert.count, alert.version]));
    expect(await stateDocumentsOf(partitioned)).toEqual(stateBefore);
  }, 120_000);
});
