import { SAMPLE_ALERT_PREFIX } from '../../../shared/alerts/aggregateFindings';
import { resolveClusterIdentity } from '../../../shared/clusters/clusterRegistration';
import { defaultDetectionContext } from '../../../shared/detection/detectionContext';
import { allRules } from '../../../shared/detection/rules';
import { nodeSignal } from '../../../shared/ingestion/batchSignal';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { FORGED_SIMULATION_REASON, type IngestionDependencies, processEventBatch } from '../../../shared/ingestion/processEventBatch';
import { buildSimulation } from '../../../shared/simulation/buildSimulation';
import { simulatedClusterOf } from '../../../shared/simulation/simulatedCluster';
import { NODE_SIMULATION_ID_FIELD, NODE_SIMULATION_SIGNATURE_FIELD, SIMULATION_ID_ANNOTATION, SIMULATION_SIGNATURE_ANNOTATION } from '../../../shared/simulation/simulationSignature';
import { listDeadLetters } from '../../../shared/store/deadLetterStore';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { getUsage, usageHourOf } from '../../../shared/store/usageStore';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord, privilegedPodEvent } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { ndjson, nodeBatch, onCluster } from '../../support/nodeMessages';
import { RecordingPublisher } from '../../support/recordingPublisher';
import { storedAlertsOf } from '../../support/storedAlerts';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';
import { webShell, withNodeRule } from '../simulation/simulationTestRules';

/*
 * The simulation's marker cannot be forged: events of a subscription's reserved simulated cluster count
 * only with the service's signature; without it (sent to the hub, or through the webhook by anyone)
 * they are dead-lettered; and the signature makes nothing simulated on any other cluster.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const KEY = Buffer.alloc(32, 11);
const OTHER_KEY = Buffer.alloc(32, 12);
const WINDOW_IN_MS = 3_600_000;
const ENQUEUED = '2026-11-22T10:30:01.000Z';

let cosmos: TestCosmos;
let counter = 0;
const published = new RecordingPublisher();

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

async function newSubscription(): Promise<string> {
  counter++;
  const sub = `5a000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  const by = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
  await upsertPlan(cosmos.database, changePlan(sub, undefined, { enabled: true, by, now: new Date('2026-11-22T09:00:00.000Z') }));
  return sub;
}

function dependencies(overrides: Partial<IngestionDependencies> = {}): IngestionDependencies {
  return ingestionDependencies(cosmos.database, NOW, { alertEvents: published, simulationSigningKey: () => Promise.resolve(KEY), ...overrides });
}

function simulation(sub: string, key: Uint8Array, alertTypes = ['K8S_PrivilegedContainer'], rules = allRules) {
  const build = buildSimulation({
    subscriptionId: sub,
    simulationId: '0f000000-0000-4000-8000-000000000001',
    alertTypes,
    now: NOW,
    rules,
    detectionContext: defaultDetectionContext,
    aggregationWindowInMs: WINDOW_IN_MS,
    signingKey: key,
  });
  if (build.kind !== 'built') throw new Error('the simulation did not build');
  return build.plan;
}

const time = '2026-11-22T10:30:00.000001Z';

describe('simulated events on ingestion', () => {
  it('when the service signed the events of the reserved cluster, then the alerts are sample alerts and the events are not metered', async () => {
    const sub = await newSubscription();
    const plan = simulation(sub, KEY);
    const { summary } = await processAuditBatch(auditBatch(plan.auditMessages, { partitionId: 'sim-1', enqueuedTimeUtc: ENQUEUED }), dependencies());

    const alerts = await storedAlertsOf(cosmos.database, sub);
    expect(alerts.map((alert) => alert.id).sort()).toEqual(plan.expected.map((expected) => expected.alertId).sort());
    for (const alert of alerts) {
      expect(alert.isSimulated).toBe(true);
      expect(alert.alertDisplayName.startsWith(SAMPLE_ALERT_PREFIX)).toBe(true);
      expect(alert.clusterResourceId).toBe(simulatedClusterOf(sub).resourceId);
    }
    expect(summary.simulated).toBe(plan.eventCount);
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBeUndefined();
    expect(await getUsage(cosmos.database, sub, usageHourOf(Date.parse(ENQUEUED)))).toBeUndefined();
  });

  it('when events of the reserved cluster carry no signature, then they are dead-lettered as forged and raise nothing', async () => {
    const sub = await newSubscription();
    const reserved = simulatedClusterOf(sub).resourceId;
    const batch = auditBatch([aksMessage([diagnosticRecord(privilegedPodEvent('forged-1', time), { resourceId: reserved.toUpperCase() })])], { partitionId: 'sim-2' });
    const { summary } = await processAuditBatch(batch, dependencies());

    expect(await storedAlertsOf(cosmos.database, sub)).toEqual([]);
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(1);
    const letters = await listDeadLetters(cosmos.database, 'sim-2');
    expect(letters.map((letter) => letter.reason)).toEqual([FORGED_SIMULATION_REASON]);
  });

  it('when the reserved names are used with the AKS provider instead of Arc, then the events are refused all the same', async () => {
    const sub = await newSubscription();
    const aksForm = `/subscriptions/${sub}/resourceGroups/argus-simulation/providers/Microsoft.ContainerService/managedClusters/argus-simulated-cluster`;
    const batch = auditBatch([aksMessage([diagnosticRecord(privilegedPodEvent('forged-2', time), { resourceId: aksForm })])], { partitionId: 'sim-3' });
    const { summary } = await processAuditBatch(batch, dependencies());
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(1);
    expect(await storedAlertsOf(cosmos.database, sub)).toEqual([]);
  });

  it('when the events were signed with another key, then they are refused', async () => {
    const sub = await newSubscription();
    const plan = simulation(sub, OTHER_KEY);
    const { summary } = await processAuditBatch(auditBatch(plan.auditMessages, { partitionId: 'sim-4' }), dependencies());
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(plan.eventCount);
    expect(await storedAlertsOf(cosmos.database, sub)).toEqual([]);
  });

  it('when a signed event is replayed with another time, then the signature no longer holds and it is refused', async () => {
    const sub = await newSubscription();
    const plan = simulation(sub, KEY);
    const message = JSON.parse(plan.auditMessages[0] as string) as { records: { properties: { log: string } }[] };
    const record = message.records[0] as { properties: { log: string } };
    const event = JSON.parse(record.properties.log) as Record<string, unknown>;
    record.properties.log = JSON.stringify({ ...event, requestReceivedTimestamp: '2026-11-22T10:31:00.000000Z' });
    const { summary } = await processAuditBatch(auditBatch([JSON.stringify(message)], { partitionId: 'sim-5' }), dependencies());
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(1);
  });

  it('when the simulation annotations are copied onto a real cluster’s event, then its alert is a real alert', async () => {
    const sub = await newSubscription();
    const plan = simulation(sub, KEY);
    const signed = JSON.parse((JSON.parse(plan.auditMessages[0] as string) as { records: { properties: { log: string } }[] }).records[0]?.properties.log as string) as {
      annotations: Record<string, string>;
    };
    const real = privilegedPodEvent('copied-1', time);
    real['annotations'] = {
      [SIMULATION_ID_ANNOTATION]: signed.annotations[SIMULATION_ID_ANNOTATION] as string,
      [SIMULATION_SIGNATURE_ANNOTATION]: signed.annotations[SIMULATION_SIGNATURE_ANNOTATION] as string,
    };
    await processAuditBatch(auditBatch([aksMessage([diagnosticRecord(real, { resourceId: aksResourceId(sub) })])], { partitionId: 'sim-6' }), dependencies());
    const alerts = await storedAlertsOf(cosmos.database, sub);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((alert) => !alert.isSimulated && !alert.alertDisplayName.startsWith(SAMPLE_ALERT_PREFIX))).toBe(true);
  });

  it('when a cluster registration for the audit webhook names the reserved identity, then it is refused', () => {
    const sub = '5a000000-0000-4000-8000-0000000000ff';
    const resolution = resolveClusterIdentity(sub, 'argus-simulated-cluster', simulatedClusterOf(sub).resourceId);
    expect(resolution).toEqual({ ok: false, message: expect.stringMatching(/^resourceId is the reserved identity of the simulated cluster/) as string });
  });
});

describe('simulated node events on ingestion', () => {
  const nodeSimulation = (sub: string, key: Uint8Array) => simulation(sub, key, [webShell.alertType], withNodeRule);
  const nodeDependencies = () => dependencies({ rules: withNodeRule });
  /** The simulation's node events, one object per line of its messages. */
  const linesOf = (messages: readonly string[]): Record<string, unknown>[] =>
    messages.flatMap((message) => message.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>));

  it('when the service signed the node events of the reserved cluster, then the alerts are sample alerts and the events are not metered', async () => {
    const sub = await newSubscription();
    const plan = nodeSimulation(sub, KEY);
    expect(plan.nodeMessages.length).toBeGreaterThan(0);
    const { summary } = await processEventBatch(nodeBatch(plan.nodeMessages, { partitionId: 'node-sim-1', enqueuedTimeUtc: ENQUEUED }), nodeSignal, nodeDependencies());

    const alerts = await storedAlertsOf(cosmos.database, sub);
    expect(alerts.map((alert) => alert.id).sort()).toEqual(plan.expected.map((expected) => expected.alertId).sort());
    expect(alerts.every((alert) => alert.isSimulated && alert.alertDisplayName.startsWith(SAMPLE_ALERT_PREFIX))).toBe(true);
    expect(summary.simulated).toBe(plan.eventCount);
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBeUndefined();
    expect(await getUsage(cosmos.database, sub, usageHourOf(Date.parse(ENQUEUED)))).toBeUndefined();
  });

  it('when node events of the reserved cluster carry no signature, or were signed with another key, then they are dead-lettered as forged and raise nothing', async () => {
    const sub = await newSubscription();
    const unsigned = linesOf(nodeSimulation(sub, KEY).nodeMessages).map((event) => {
      const { [NODE_SIMULATION_ID_FIELD]: _id, [NODE_SIMULATION_SIGNATURE_FIELD]: _signature, ...rest } = event;
      return rest;
    });
    const otherKey = nodeSimulation(sub, OTHER_KEY);
    const { summary } = await processEventBatch(nodeBatch([ndjson(unsigned), ...otherKey.nodeMessages], { partitionId: 'node-sim-2' }), nodeSignal, nodeDependencies());

    expect(await storedAlertsOf(cosmos.database, sub)).toEqual([]);
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(unsigned.length + otherKey.eventCount);
  });

  it('when a signed node event is replayed with another binary, then the signature no longer holds and it is refused', async () => {
    const sub = await newSubscription();
    const [first] = linesOf(nodeSimulation(sub, KEY).nodeMessages) as [Record<string, unknown>];
    const exec = first['process_exec'] as { process: { binary: string } };
    exec.process.binary = '/usr/bin/nc';
    const { summary } = await processEventBatch(nodeBatch([ndjson([first])], { partitionId: 'node-sim-3' }), nodeSignal, nodeDependencies());
    expect(summary.skipped[FORGED_SIMULATION_REASON]).toBe(1);
  });

  it('when the simulation fields are copied onto a real cluster’s node events, then their alerts are real alerts', async () => {
    const sub = await newSubscription();
    const copied = linesOf(nodeSimulation(sub, KEY).nodeMessages).map((event) => onCluster(event, sub));
    await processEventBatch(nodeBatch([ndjson(copied)], { partitionId: 'node-sim-4' }), nodeSignal, nodeDependencies());
    const alerts = await storedAlertsOf(cosmos.database, sub);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((alert) => !alert.isSimulated && !alert.alertDisplayName.startsWith(SAMPLE_ALERT_PREFIX))).toBe(true);
  });
});
