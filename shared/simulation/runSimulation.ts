import { randomUUID } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { type DetectionContext } from '../detection/detectionContext';
import { type Rule } from '../detection/rule';
import { type EventPublisher } from '../messaging/eventPublisher';
import { listClusterAlertStates } from '../store/alertStore';
import { getPlan } from '../store/planStore';
import { createSimulationRun, latestSimulationRun, saveSimulationRun } from '../store/simulationStore';
import { buildSimulation, type ExpectedAlert } from './buildSimulation';
import { simulatedClusterOf } from './simulatedCluster';
import { judgeSimulationRun, type SimulationRun, SimulationStatus, type SimulationTrigger } from './simulationRun';

/**
 * The attack simulation's I/O: start a run (build the signed events, note the alerts' counts before,
 * send the audit events through the audit hub and the node events through the node-events hub, exactly
 * as a cluster's would go) and judge a run against what arrived in the alerts container. Used by the
 * on-demand API and the scheduled canary alike.
 */

export interface SimulationDependencies {
  database: Database;
  rules: readonly Rule[];
  detectionContext: DetectionContext;
  aggregationWindowInMs: number;
  /** How long expected alerts may take to arrive before the run fails. */
  timeoutInMs: number;
  signingKey: () => Promise<Uint8Array>;
  /** The audit hub: the real path of audit events into the pipeline. */
  auditEvents: EventPublisher;
  /** The node-events hub: the real path of the nodes' sensor events (Tetragon, Falco) into the pipeline. */
  nodeEvents: EventPublisher;
  now: () => Date;
  newId?: () => string;
}

export interface StartSimulationRequest {
  subscriptionId: string;
  trigger: SimulationTrigger;
  requestedBy: { principalId: string; principalName: string };
  /** Default: every alert type with an alerting example. */
  alertTypes?: readonly string[];
}

export type StartSimulationOutcome =
  | { kind: 'started'; run: SimulationRun }
  | { kind: 'plan-not-enabled' }
  /** One run per subscription at a time: arrivals are judged by alert counts, which two runs would share. */
  | { kind: 'already-running'; run: SimulationRun }
  | { kind: 'unknown-alert-types'; alertTypes: string[] }
  /** A hub did not take its events; the run is recorded as failed. */
  | { kind: 'send-failed'; hub: SimulationHub; run: SimulationRun; error: unknown };

/** The hubs a simulation sends through. */
export type SimulationHub = 'audit' | 'node';

export async function startSimulation(dependencies: SimulationDependencies, request: StartSimulationRequest): Promise<StartSimulationOutcome> {
  const { database, now } = dependencies;
  const { subscriptionId } = request;
  const plan = await getPlan(database, subscriptionId);
  if (plan?.enabled !== true) return { kind: 'plan-not-enabled' };

  const latest = await latestSimulationRun(database, subscriptionId);
  if (latest !== undefined) {
    const current = await judgeStoredRun(dependencies, latest);
    if (current.status === SimulationStatus.running) return { kind: 'already-running', run: current };
  }

  const id = (dependencies.newId ?? randomUUID)();
  const startedAt = now();
  const build = buildSimulation({
    subscriptionId,
    simulationId: id,
    ...(request.alertTypes === undefined ? {} : { alertTypes: request.alertTypes }),
    now: startedAt,
    ...(plan.enabledAtUtc === undefined ? {} : { coveredSince: new Date(plan.enabledAtUtc) }),
    rules: dependencies.rules,
    detectionContext: dependencies.detectionContext,
    aggregationWindowInMs: dependencies.aggregationWindowInMs,
    signingKey: await dependencies.signingKey(),
  });
  if (build.kind === 'unknown-alert-types') return build;
  const { plan: simulation } = build;

  // The counts before: an alert of an earlier run in the same aggregation window already exists, and
  // it has arrived for this run only once its count grew by this run's occurrences.
  const since = earliestWindowOf(startedAt, simulation.expected, dependencies.aggregationWindowInMs);
  const baseline = new Map(
    (await listClusterAlertStates(database, subscriptionId, simulatedClusterOf(subscriptionId).resourceId, since)).map((alert) => [alert.id, alert.count]),
  );
  // The alert types of the rules asked for, as their findings name them (a rule may raise several types);
  // other rules that also fire on the sent events are expected too, but not what the run was asked for.
  const requestedRules = new Set(
    dependencies.rules.filter((rule) => request.alertTypes === undefined || request.alertTypes.includes(rule.alertType)).map((rule) => rule.id),
  );
  const run: SimulationRun = {
    id,
    subscriptionId,
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    requestedAtUtc: startedAt.toISOString(),
    alertTypes: [...new Set(simulation.expected.filter((expected) => requestedRules.has(expected.ruleId)).map((expected) => expected.alertType))],
    eventCount: simulation.eventCount,
    deadlineUtc: new Date(startedAt.getTime() + dependencies.timeoutInMs).toISOString(),
    status: SimulationStatus.running,
    expected: simulation.expected.map((expected) => ({ ...expected, baselineCount: baseline.get(expected.alertId) ?? 0 })),
  };
  await createSimulationRun(database, run);

  const sendingAt = now();
  const sends: readonly { hub: SimulationHub; publisher: EventPublisher; messages: readonly string[]; name: string }[] = [
    { hub: 'audit', publisher: dependencies.auditEvents, messages: simulation.auditMessages, name: 'audit hub' },
    { hub: 'node', publisher: dependencies.nodeEvents, messages: simulation.nodeMessages, name: 'node-events hub' },
  ];
  for (const send of sends) {
    if (send.messages.length === 0) continue;
    try {
      await send.publisher.publish(send.messages);
    } catch (error) {
      // Events already taken by the other hub still raise their alerts; the run fails all the same, as a canary must.
      const failedAt = now().toISOString();
      const failed: SimulationRun = { ...run, status: SimulationStatus.failed, completedAtUtc: failedAt, failure: `The ${send.name} did not accept the simulated events.` };
      await saveSimulationRun(database, failed);
      return { kind: 'send-failed', hub: send.hub, run: failed, error };
    }
  }
  // Latency counts from the moment the events were handed to the hub, as a cluster's would be.
  const sent: SimulationRun = { ...run, sentAtUtc: sendingAt.toISOString(), deadlineUtc: new Date(sendingAt.getTime() + dependencies.timeoutInMs).toISOString() };
  await saveSimulationRun(database, sent);
  return { kind: 'started', run: sent };
}

/** A stored run judged against the simulated cluster's alerts now; written back when that changed it. */
export async function judgeStoredRun(dependencies: Pick<SimulationDependencies, 'database' | 'aggregationWindowInMs' | 'now'>, stored: { run: SimulationRun; etag: string }): Promise<SimulationRun> {
  const { run } = stored;
  if (run.status !== SimulationStatus.running) return run;
  const observed = await listClusterAlertStates(
    dependencies.database,
    run.subscriptionId,
    simulatedClusterOf(run.subscriptionId).resourceId,
    earliestWindowOf(new Date(run.requestedAtUtc), run.expected, dependencies.aggregationWindowInMs),
  );
  const judged = judgeSimulationRun(run, observed, dependencies.now());
  if (judged !== run) await saveSimulationRun(dependencies.database, judged, stored.etag);
  return judged;
}

function windowStartOf(time: Date, windowInMs: number): string {
  return new Date(Math.floor(time.getTime() / windowInMs) * windowInMs).toISOString();
}

/** The earliest aggregation window of a run's alerts: the request's, or an earlier one a stateful rule's timeline fell in. */
function earliestWindowOf(requestedAt: Date, expected: readonly ExpectedAlert[], windowInMs: number): string {
  return expected.reduce((earliest, alert) => (alert.windowStartUtc !== undefined && alert.windowStartUtc < earliest ? alert.windowStartUtc : earliest), windowStartOf(requestedAt, windowInMs));
}
