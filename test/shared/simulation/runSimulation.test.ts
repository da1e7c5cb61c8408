import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { defineNodeRule, type Rule } from '../../../shared/detection/rule';
import { decodeNodeInput } from '../../../shared/node/decodeNodeInput';
import { startSimulation, type SimulationDependencies } from '../../../shared/simulation/runSimulation';
import { SimulationStatus, SimulationTrigger } from '../../../shared/simulation/simulationRun';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { getSimulationRun } from '../../../shared/store/simulationStore';
import { RecordingPublisher } from '../../support/recordingPublisher';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';
import { webShell, withNodeRule } from './simulationTestRules';

/*
 * Starting a run sends each signal through its own hub: audit events to the audit hub, node events to the
 * node-events hub; a hub that refuses its events fails the run.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };

let cosmos: TestCosmos;
let counter = 0;

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

async function newSubscription(): Promise<string> {
  counter++;
  const sub = `7c000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  await upsertPlan(cosmos.database, changePlan(sub, undefined, { enabled: true, by: OWNER, now: new Date(NOW.getTime() - 60_000) }));
  return sub;
}

function dependencies(auditEvents: RecordingPublisher, nodeEvents: RecordingPublisher, rules: readonly Rule[] = withNodeRule): SimulationDependencies {
  let id = 0;
  return {
    database: cosmos.database,
    rules,
    detectionContext: createDetectionContext(),
    aggregationWindowInMs: 3_600_000,
    timeoutInMs: 600_000,
    signingKey: () => Promise.resolve(new Uint8Array(32).fill(5)),
    auditEvents,
    nodeEvents,
    now: () => NOW,
    newId: () => `0e000000-0000-4000-8000-${(counter * 100 + ++id).toString(16).padStart(12, '0')}`,
  };
}

const request = (subscriptionId: string, alertTypes?: string[]) => ({
  subscriptionId,
  trigger: SimulationTrigger.onDemand,
  requestedBy: OWNER,
  ...(alertTypes === undefined ? {} : { alertTypes }),
});

describe('startSimulation', () => {
  it('when a run starts, then the audit events go to the audit hub and the node events to the node-events hub, and the node rule is expected', async () => {
    const sub = await newSubscription();
    const audit = new RecordingPublisher();
    const node = new RecordingPublisher();

    const outcome = await startSimulation(dependencies(audit, node), request(sub));

    expect(outcome.kind).toBe('started');
    if (outcome.kind !== 'started') return;
    expect(audit.bodies.length).toBeGreaterThan(0);
    expect(audit.bodies.every((body) => body.startsWith('{"records":['))).toBe(true);
    const nodeRecords = node.bodies.flatMap((body) => decodeNodeInput(body).records);
    expect(nodeRecords).toHaveLength(webShell.examples.filter((example) => example.expect === 'alert').length);
    expect(outcome.run.expected.some((expected) => expected.ruleId === webShell.id)).toBe(true);
    expect(outcome.run.status).toBe(SimulationStatus.running);
    expect(outcome.run.sentAtUtc).toBe(NOW.toISOString());
  });

  it('when only audit alert types are asked for, then nothing is sent to the node-events hub', async () => {
    const sub = await newSubscription();
    const node = new RecordingPublisher();
    node.failWith = new Error('must not be called');

    const outcome = await startSimulation(dependencies(new RecordingPublisher(), node), request(sub, ['K8S_PrivilegedContainer']));

    expect(outcome.kind).toBe('started');
    expect(node.bodies).toEqual([]);
  });

  it("when a rule that names each alert's type itself is asked for, then the run lists the types its findings raise, not the other rules' that also fired", async () => {
    const sub = await newSubscription();
    const renaming = defineNodeRule({ ...webShell, id: 'test-renaming', alertType: 'K8S.NODE_TestRenaming', alertTypeFor: () => 'K8S.NODE_TestRenamed' });

    const outcome = await startSimulation(dependencies(new RecordingPublisher(), new RecordingPublisher(), [...withNodeRule, renaming]), request(sub, ['K8S.NODE_TestRenaming']));

    expect(outcome.kind).toBe('started');
    if (outcome.kind !== 'started') return;
    expect(outcome.run.alertTypes).toEqual(['K8S.NODE_TestRenamed']);
    expect(new Set(outcome.run.expected.map((expected) => expected.ruleId))).toEqual(new Set([renaming.id, webShell.id]));
  });

  it.each<['audit' | 'node', string]>([
    ['audit', 'The audit hub did not accept the simulated events.'],
    ['node', 'The node-events hub did not accept the simulated events.'],
  ])('when the %s hub refuses its events, then the run is recorded as failed, naming that hub', async (hub, failure) => {
    const sub = await newSubscription();
    const audit = new RecordingPublisher();
    const node = new RecordingPublisher();
    (hub === 'audit' ? audit : node).failWith = new Error('hub down');

    const outcome = await startSimulation(dependencies(audit, node), request(sub));

    expect(outcome).toMatchObject({ kind: 'send-failed', hub, run: { status: SimulationStatus.failed, failure } });
    if (outcome.kind !== 'send-failed') return;
    expect((await getSimulationRun(cosmos.database, sub, outcome.run.id))?.run).toMatchObject({ status: SimulationStatus.failed, failure });
  });
});
