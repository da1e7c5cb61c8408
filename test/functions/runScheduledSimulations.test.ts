import type { Timer } from '@azure/functions';
import { getPipelineHealth } from '../../functions/getPipelineHealth';
import { health } from '../../functions/health';
import { runScheduledSimulations, SCHEDULER } from '../../functions/runScheduledSimulations';
import { defaultDetectionContext } from '../../shared/detection/detectionContext';
import { nodeSignal } from '../../shared/ingestion/batchSignal';
import { processAuditBatch } from '../../shared/ingestion/processAuditBatch';
import { processEventBatch } from '../../shared/ingestion/processEventBatch';
import { getServices, setAuditEventPublisherForTests, setNodeEventPublisherForTests } from '../../shared/services';
import { SimulationStatus, SimulationTrigger } from '../../shared/simulation/simulationRun';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { getOrCreateSimulationSigningKey, getPipelineHealthSummary } from '../../shared/store/serviceStateStore';
import { latestSimulationRun, saveSimulationRun } from '../../shared/store/simulationStore';
import { ApiHarness, roleCast } from '../support/apiHarness';
import { auditBatch } from '../support/auditMessages';
import { httpRequest, invocationContext } from '../support/httpRequests';
import { ingestionDependencies } from '../support/ingestionDependencies';
import { nodeBatch } from '../support/nodeMessages';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * The scheduled canary: every subscription with the plan on that opted in gets a run through the audit
 * and node-events hubs; the next round judges it; the subscription's health and the anonymous health follow.
 */

const OPTED_IN = '9a000000-0000-4000-8000-000000000001';
const NOT_OPTED_IN = '9a000000-0000-4000-8000-000000000002';
const DISABLED = '9a000000-0000-4000-8000-000000000003';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

const cast = roleCast('9');
let harness: ApiHarness;
const auditHub = new RecordingPublisher();
const nodeHub = new RecordingPublisher();

beforeAll(async () => {
  harness = await new ApiHarness().start();
  setAuditEventPublisherForTests(auditHub);
  setNodeEventPublisherForTests(nodeHub);
  await harness.grant(OPTED_IN, cast.reader, 'SecurityReader');
  const now = new Date(Date.now() - 60_000);
  await upsertPlan(harness.database, changePlan(OPTED_IN, undefined, { enabled: true, scheduledSimulation: true, by: OWNER, now }));
  await upsertPlan(harness.database, changePlan(NOT_OPTED_IN, undefined, { enabled: true, by: OWNER, now }));
  const optedInThenOff = changePlan(DISABLED, undefined, { enabled: true, scheduledSimulation: true, by: OWNER, now });
  await upsertPlan(harness.database, changePlan(DISABLED, optedInThenOff, { enabled: false, by: OWNER, now }));
});
afterAll(async () => {
  setAuditEventPublisherForTests(undefined);
  setNodeEventPublisherForTests(undefined);
  await harness.stop();
});

/** Runs what the timer sent through the pipeline, as the ingestion functions of both hubs would. */
async function ingestWhatWasSent(partitionId: string): Promise<void> {
  const key = await getOrCreateSimulationSigningKey(harness.database, getServices().secrets, () => new Uint8Array(32), new Date());
  const dependencies = ingestionDependencies(harness.database, new Date(), { detectionContext: defaultDetectionContext, simulationSigningKey: () => Promise.resolve(key) });
  await processAuditBatch(auditBatch(auditHub.take(), { partitionId }), dependencies);
  const nodeBodies = nodeHub.take();
  if (nodeBodies.length > 0) await processEventBatch(nodeBatch(nodeBodies, { partitionId }), nodeSignal, dependencies);
}

async function pipelineHealthOf(subscriptionId: string): Promise<Record<string, unknown>> {
  const response = await harness.call(getPipelineHealth, 'GET', `/api/subscriptions/${subscriptionId}/health`, { params: { subscriptionId }, as: cast.reader });
  expect(response.status).toBe(200);
  return response.jsonBody as Record<string, unknown>;
}

describe('runScheduledSimulations', () => {
  it('when the timer fires, then only the opted-in subscription with the plan on gets a scheduled run, sent through the audit and node-events hubs', async () => {
    await runScheduledSimulations(TIMER, invocationContext('runScheduledSimulations'));

    const run = await latestSimulationRun(harness.database, OPTED_IN, SimulationTrigger.scheduled);
    expect(run?.run).toMatchObject({ trigger: 'scheduled', status: 'running', requestedBy: SCHEDULER });
    expect(await latestSimulationRun(harness.database, NOT_OPTED_IN)).toBeUndefined();
    expect(await latestSimulationRun(harness.database, DISABLED)).toBeUndefined();
    expect(auditHub.bodies.length).toBeGreaterThan(0);
    expect(nodeHub.bodies.length).toBeGreaterThan(0);
    expect(await pipelineHealthOf(OPTED_IN)).toMatchObject({ status: 'unknown', scheduledSimulation: true, latestRun: { trigger: 'scheduled', status: 'running' } });
  });

  it('when the plan was switched on moments ago, then the health says the first-seen rules are learning until the learning period ends', async () => {
    const learning = (await pipelineHealthOf(OPTED_IN))['statefulDetection'] as Record<string, unknown>;
    expect(learning).toMatchObject({ state: 'learning', learningPeriodInDays: 7 });
    expect(Date.parse(String(learning['learningUntilUtc'])) - Date.parse(String(learning['learningStartedUtc']))).toBe(7 * 86_400_000);
    expect(learning['firstSeenRules']).toEqual(expect.arrayContaining(['first-seen-image-in-kube-system', 'first-secret-access-by-identity']));
    expect(learning['activeFromTheStart']).toEqual(expect.arrayContaining(['secret-get-burst', 'rbac-change-then-workload']));
  });

  it('when its alerts arrived and the timer fires again, then the run is judged succeeded, the health is healthy and a new run starts', async () => {
    await ingestWhatWasSent('scheduled-1');
    const first = await latestSimulationRun(harness.database, OPTED_IN, SimulationTrigger.scheduled);

    await runScheduledSimulations(TIMER, invocationContext('runScheduledSimulations'));

    const subscriptionHealth = await pipelineHealthOf(OPTED_IN);
    expect(subscriptionHealth).toMatchObject({ status: 'healthy', lastScheduledRun: { simulationId: first?.run.id, status: 'succeeded', missing: [] } });
    const lastRun = subscriptionHealth['lastScheduledRun'] as { arrived: number; expected: number };
    expect(lastRun.arrived).toBe(lastRun.expected);
    expect((await latestSimulationRun(harness.database, OPTED_IN, SimulationTrigger.scheduled))?.run.id).not.toBe(first?.run.id);
    expect(await getPipelineHealthSummary(harness.database)).toMatchObject({ simulationsChecked: 1, simulationsFailed: 0 });
    const anonymous = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(anonymous.jsonBody).toMatchObject({ status: 'ok', checks: { pipeline: { status: 'ok' } } });
  });

  it('when a run’s alerts never arrive by its deadline, then the next round judges it failed: the subscription is degraded and the anonymous health says degraded without naming it', async () => {
    // The second run's events are lost (never ingested), and its deadline has passed.
    auditHub.take();
    nodeHub.take();
    const lost = await latestSimulationRun(harness.database, OPTED_IN, SimulationTrigger.scheduled);
    if (lost === undefined) throw new Error('no scheduled run');
    await saveSimulationRun(harness.database, { ...lost.run, deadlineUtc: new Date(Date.now() - 1000).toISOString() }, lost.etag);

    await runScheduledSimulations(TIMER, invocationContext('runScheduledSimulations'));

    expect(await pipelineHealthOf(OPTED_IN)).toMatchObject({ status: 'degraded', lastScheduledRun: { simulationId: lost.run.id, status: SimulationStatus.failed, arrived: 0 } });
    expect(await getPipelineHealthSummary(harness.database)).toMatchObject({ simulationsChecked: 1, simulationsFailed: 1 });
    const anonymous = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(anonymous.status).toBe(200);
    expect(anonymous.jsonBody).toMatchObject({ status: 'degraded', checks: { pipeline: { status: 'degraded' } } });
    expect(JSON.stringify(anonymous.jsonBody)).not.toContain(OPTED_IN);
  });
});
