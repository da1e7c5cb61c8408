import { type Alert } from '../../../shared/alerts/alert';
import { EntityType } from '../../../shared/detection/entities';
import { nodeDedupKey, nodeEventEntities } from '../../../shared/detection/nodeEntities';
import { defineNodeRule, type NodeRule } from '../../../shared/detection/rule';
import { nodeSignal } from '../../../shared/ingestion/batchSignal';
import { type EventBatch } from '../../../shared/ingestion/eventHubBatch';
import { FORGED_SIMULATION_REASON, type IngestionDependencies, processEventBatch } from '../../../shared/ingestion/processEventBatch';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { NodeEventType } from '../../../shared/node/nodeEvent';
import { simulatedClusterOf } from '../../../shared/simulation/simulatedCluster';
import { listDeadLetters } from '../../../shared/store/deadLetterStore';
import { changePlan, getPlan, upsertPlan } from '../../../shared/store/planStore';
import { getUsage } from '../../../shared/store/usageStore';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord, privilegedPodEvent } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import {
  benignExecEvent,
  falcoShellAlert,
  minerEvent,
  ndjson,
  nodeBatch,
  nodeTime,
  nsenterEvent,
  onCluster,
  reverseShellEvent,
} from '../../support/nodeMessages';
import { storedAlertsOf } from '../../support/storedAlerts';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/*
 * The node-events hub through the same pipeline as the audit hub. A rule of the test's own (any of a few
 * attack binaries, and Falco's "Terminal shell in container" by name) keeps these tests about the pipeline,
 * not about the node rule library (test/local/nodeIngestionEndToEnd.test.ts runs the library).
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const HOUR = '2026-11-22T10:00:00.000Z';
const PLAN_ENABLED_AT = '2026-11-22T09:00:00.000Z';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
const ATTACK_BINARIES = ['/bin/bash', '/tmp/xmrig', '/usr/bin/nsenter'];

const attackBinaryRule: NodeRule = defineNodeRule({
  id: 'test-attack-binary',
  alertType: 'K8S.NODE_TestAttackBinary',
  displayName: 'Attack binary started (test rule)',
  description: 'A process of a binary the test calls an attack tool started.',
  severity: 'High',
  intent: 'Execution',
  techniques: ['T1059'],
  remediation: ['None: a test rule.'],
  falsePositives: [],
  references: [],
  equivalents: { defender: [], falco: ['Terminal shell in container'], guardDuty: [], elastic: [] },
  eventTypes: [NodeEventType.processExec],
  match: (event) => ATTACK_BINARIES.includes(event.process.binary),
  entities: (event) => nodeEventEntities(event),
  dedupKey: (event) => nodeDedupKey(event),
  examples: [],
});

let cosmos: TestCosmos;
let subscriptionCounter = 0;

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

function newSubscription(): string {
  subscriptionCounter++;
  return `7f000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
}

function dependencies(overrides: Partial<IngestionDependencies> = {}): IngestionDependencies {
  return ingestionDependencies(cosmos.database, NOW, { rules: [attackBinaryRule], ...overrides });
}

function processNodeBatch(batch: EventBatch, overrides: Partial<IngestionDependencies> = {}): ReturnType<typeof processEventBatch> {
  return processEventBatch(batch, nodeSignal, dependencies(overrides));
}

async function setPlan(subscriptionId: string, enabled: boolean, at: string): Promise<void> {
  const current = await getPlan(cosmos.database, subscriptionId);
  await upsertPlan(cosmos.database, changePlan(subscriptionId, current, { enabled, by: OWNER, now: new Date(at) }));
}

async function enabledSubscription(): Promise<string> {
  const sub = newSubscription();
  await setPlan(sub, true, PLAN_ENABLED_AT);
  return sub;
}

function alertsOf(subscriptionId: string): Promise<Alert[]> {
  return storedAlertsOf(cosmos.database, subscriptionId);
}

/** The binaries of the acting processes an alert names. */
function actingBinaries(alerts: readonly Alert[]): string[] {
  return alerts.flatMap((a) => a.entities.filter((e) => e.type === EntityType.process && e.role === 'process').map((e) => e.name ?? '')).sort();
}

describe('processEventBatch (node signal): the forms a sensor sends', () => {
  it('when Tetragon NDJSON, a JSON array, a single event and a Falco alert arrive, then each raises its alert, stored with the node, pod, container and process entities', async () => {
    const sub = await enabledSubscription();
    const on = (event: Record<string, unknown>): Record<string, unknown> => onCluster(event, sub);
    const batch = nodeBatch(
      [
        ndjson([on(reverseShellEvent(nodeTime(1))), on(benignExecEvent(nodeTime(1, 1)))]),
        [on(minerEvent(nodeTime(2))), on(benignExecEvent(nodeTime(2, 1)))],
        on(nsenterEvent(nodeTime(3))),
        JSON.stringify(on(falcoShellAlert(nodeTime(4)))),
      ],
      { partitionId: 'forms' },
    );

    const { summary } = await processNodeBatch(batch);

    expect(summary).toMatchObject({ signal: 'node', stream: 'node-events/forms', messages: 4, events: 6, analyzed: 6, skipped: {}, deadLettered: 0 });
    const alerts = await alertsOf(sub);
    expect(alerts.every((a) => a.alertType === 'K8S.NODE_TestAttackBinary' && a.compromisedEntity === 'aks-shop-prod')).toBe(true);
    expect(actingBinaries(alerts)).toEqual(expect.arrayContaining(['/tmp/xmrig', '/usr/bin/nsenter']));
    expect(alerts.flatMap((a) => a.entities.map((e) => e.type))).toEqual(
      expect.arrayContaining([EntityType.host, EntityType.namespace, EntityType.pod, EntityType.container, EntityType.image, EntityType.process]),
    );
    const nsenter = alerts.find((a) => actingBinaries([a]).includes('/usr/bin/nsenter'));
    expect(nsenter?.entities).toEqual(
      expect.arrayContaining([
        { type: EntityType.host, name: 'aks-nodepool1-12345678-vmss000000' },
        expect.objectContaining({ type: EntityType.pod, name: 'debug-7c9d8f6b5-q4w2e', namespace: 'shop' }),
        expect.objectContaining({ type: EntityType.process, role: 'process', commandLine: '/usr/bin/nsenter -t 1 -m -u -i -n -p -- /bin/bash' }),
      ]),
    );
    // The reverse shell (Tetragon) and the shell Falco reported (raised by name, without `match`) are both bash.
    const bashOccurrences = alerts.filter((a) => actingBinaries([a]).includes('/bin/bash')).reduce((sum, a) => sum + a.count, 0);
    expect(bashOccurrences).toBe(2);
    expect(summary.findings).toBe(4);
  });
});

describe('processEventBatch (node signal): exactly once in effect', () => {
  it('when the same batch is delivered twice, then the alerts, the node usage and the dead letters are identical, and the audit meter is untouched', async () => {
    const sub = await enabledSubscription();
    const batch = nodeBatch(
      [ndjson([onCluster(reverseShellEvent(nodeTime(5)), sub), onCluster(benignExecEvent(nodeTime(5, 1)), sub)]), onCluster(minerEvent(nodeTime(6)), sub), '{"process_exec":'],
      { partitionId: 'twice' },
    );

    await processNodeBatch(batch);
    const alerts = await alertsOf(sub);
    const usage = await getUsage(cosmos.database, sub, HOUR);
    const { summary } = await processNodeBatch(batch);

    expect(await alertsOf(sub)).toEqual(alerts);
    expect(await getUsage(cosmos.database, sub, HOUR)).toEqual(usage);
    expect(usage).toMatchObject({ eventsAnalyzed: 0, eventsByCluster: {}, nodeEventsAnalyzed: 3, nodeEventsByCluster: { 'aks-shop-prod': 3 }, ingestedThrough: { 'node-events/twice': 1 } });
    expect(alerts.map((a) => a.count)).toEqual([1, 1]);
    expect(await listDeadLetters(cosmos.database, 'twice')).toHaveLength(1);
    expect(summary.alerts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  });

  it('when a shipper sends the same events again at new positions, then the alerts count nothing twice; a new event of the same alert still counts', async () => {
    const sub = await enabledSubscription();
    const events = [onCluster(reverseShellEvent(nodeTime(7)), sub), onCluster(minerEvent(nodeTime(8)), sub)];
    await processNodeBatch(nodeBatch([ndjson(events)], { partitionId: 'resend', firstSequenceNumber: 0 }));
    const first = await alertsOf(sub);

    const { summary } = await processNodeBatch(nodeBatch([ndjson(events)], { partitionId: 'resend', firstSequenceNumber: 1 }));

    expect(summary.alerts).toMatchObject({ created: 0, updated: 0 });
    expect(await alertsOf(sub)).toEqual(first);
    await processNodeBatch(nodeBatch([ndjson([onCluster(reverseShellEvent(nodeTime(7, 5)), sub)])], { partitionId: 'resend', firstSequenceNumber: 2 }));
    expect((await alertsOf(sub)).map((a) => a.count).sort()).toEqual([1, 2]);
  });

  it('when audit and node batches of one subscription arrive in the same hour, then each signal counts on its own meter of the same usage document', async () => {
    const sub = await enabledSubscription();
    const audit = auditBatch([aksMessage([diagnosticRecord(privilegedPodEvent('meter-1', '2026-11-22T10:07:00.000000Z'), { resourceId: aksResourceId(sub) })])], { partitionId: 'meters' });
    const node = nodeBatch([ndjson([onCluster(benignExecEvent(nodeTime(7)), sub), onCluster(benignExecEvent(nodeTime(7, 1)), sub, 'aks-shop-batch')])], { partitionId: 'meters' });

    await processAuditBatch(audit, dependencies());
    await processNodeBatch(node);
    await processNodeBatch(node);

    expect(await getUsage(cosmos.database, sub, HOUR)).toMatchObject({
      eventsAnalyzed: 1,
      eventsByCluster: { 'aks-shop-prod': 1 },
      nodeEventsAnalyzed: 2,
      nodeEventsByCluster: { 'aks-shop-prod': 1, 'aks-shop-batch': 1 },
      ingestedThrough: { 'insights-logs-kube-audit/meters': 0, 'node-events/meters': 0 },
    });
  });
});

describe('processEventBatch (node signal): plan gating by event time', () => {
  it('when the plan was enabled at 10:10, then a node event of 10:05 is gated and one of 10:15 alerts, whenever they arrive', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, '2026-11-22T10:10:00.000Z');
    const { summary } = await processNodeBatch(
      nodeBatch([ndjson([onCluster(minerEvent(nodeTime(5), 'before'), sub), onCluster(nsenterEvent(nodeTime(15), 'after'), sub)])], { partitionId: 'gate' }),
    );

    expect(summary.gated).toEqual({ [sub]: 1 });
    expect(actingBinaries(await alertsOf(sub))).toEqual(['/usr/bin/nsenter']);
    expect((await getUsage(cosmos.database, sub, HOUR))?.nodeEventsAnalyzed).toBe(1);
  });

  it('when the plan was never enabled, then nothing alerts and nothing is metered', async () => {
    const sub = newSubscription();
    const { summary } = await processNodeBatch(nodeBatch([onCluster(minerEvent(nodeTime(8)), sub)], { partitionId: 'gate-off' }));
    expect(summary.gated).toEqual({ [sub]: 1 });
    expect(await alertsOf(sub)).toEqual([]);
    expect(await getUsage(cosmos.database, sub, HOUR)).toBeUndefined();
  });
});

describe('processEventBatch (node signal): dead letters and sampling', () => {
  it('when lines are truncated, foreign JSON or without a cluster, then each is dead-lettered with its reason and position, and the good events of the same batch alert', async () => {
    const sub = await enabledSubscription();
    const good = onCluster(minerEvent(nodeTime(9)), sub);
    const truncated = JSON.stringify(onCluster(reverseShellEvent(nodeTime(9, 1)), sub)).slice(0, 200);
    const foreign = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'not-a-node-event', verb: 'get' };
    const { cluster_resource_id: _dropped, ...withoutCluster } = onCluster(nsenterEvent(nodeTime(9, 2)), sub);
    const batch = nodeBatch([`${JSON.stringify(good)}\n${truncated}\n${JSON.stringify(foreign)}`, withoutCluster, 'not json at all'], {
      partitionId: 'dead',
      firstSequenceNumber: 20,
    });

    const { summary } = await processNodeBatch(batch);

    expect(actingBinaries(await alertsOf(sub))).toEqual(['/tmp/xmrig']);
    const letters = await listDeadLetters(cosmos.database, 'dead');
    expect(letters.map((l) => [l.sequenceNumber, l.recordIndex, l.reason])).toEqual([
      [20, 1, expect.stringMatching(/^(truncatedJson|invalidJson)$/)],
      [20, 2, 'notANodeEvent'],
      [21, 0, 'missingClusterIdentity'],
      [22, 0, expect.stringMatching(/^(truncatedJson|invalidJson)$/)],
    ]);
    expect(letters[0]).toMatchObject({ eventHubName: 'node-events', partitionId: 'dead', offset: String(20 * 4096) });
    expect(letters[2]?.raw).toContain('/usr/bin/nsenter');
    expect(summary).toMatchObject({ messages: 3, events: 1, analyzed: 1, deadLettered: 4 });
    expect(summary.skipped['missingClusterIdentity']).toBe(1);
  });

  it('when a sensor exports event types no rule reads, then all are counted and one per type is kept as a sample', async () => {
    const sub = await enabledSubscription();
    const loader = (n: number): Record<string, unknown> =>
      onCluster({ process_loader: { process: { exec_id: `loader-${n}`, binary: '/usr/lib/libc.so.6' }, path: '/usr/lib/libssl.so.3' }, node_name: 'aks-nodepool1-12345678-vmss000000', time: nodeTime(11, n) }, sub);
    const throttle = onCluster({ process_throttle: { type: 'THROTTLE_START', cgroup: 'kubepods' }, node_name: 'aks-nodepool1-12345678-vmss000000', time: nodeTime(11, 9) }, sub);
    const { summary } = await processNodeBatch(nodeBatch([ndjson([loader(1), loader(2), throttle, loader(3)]), ndjson([loader(4)])], { partitionId: 'sampled' }));

    expect(summary.skipped).toEqual({ unsupportedNodeEventType: 5 });
    expect(summary.deadLettered).toBe(2);
    expect((await listDeadLetters(cosmos.database, 'sampled')).map((l) => [l.sequenceNumber, l.recordIndex, l.reason])).toEqual([
      [0, 0, 'unsupportedNodeEventType'],
      [0, 2, 'unsupportedNodeEventType'],
    ]);
  });

  it('when a node event claims the reserved simulated cluster without the service signature, then it is dead-lettered as forged and raises nothing', async () => {
    const sub = await enabledSubscription();
    const forged = { ...minerEvent(nodeTime(12)), cluster_resource_id: simulatedClusterOf(sub).resourceId, argus_simulation_id: 'sim-1', argus_simulation_signature: 'A'.repeat(43) };
    const { summary } = await processNodeBatch(nodeBatch([forged], { partitionId: 'forged' }));
    expect(summary.skipped).toEqual({ [FORGED_SIMULATION_REASON]: 1 });
    expect(await alertsOf(sub)).toEqual([]);
    expect((await listDeadLetters(cosmos.database, 'forged')).map((l) => l.reason)).toEqual([FORGED_SIMULATION_REASON]);
  });
});
