import { type ExpectedAlert } from './buildSimulation';

/**
 * One run of the attack simulation and what came of it: the alerts its events must raise, and for each
 * whether (and when) it arrived in the alerts container. Pure: the judging takes the observed alerts
 * and the time as parameters.
 */

export const SimulationTrigger = { onDemand: 'onDemand', scheduled: 'scheduled' } as const;
export type SimulationTrigger = (typeof SimulationTrigger)[keyof typeof SimulationTrigger];

export const SimulationStatus = {
  /** Sent; expected alerts are still arriving. */
  running: 'running',
  /** Every expected alert arrived. */
  succeeded: 'succeeded',
  /** The deadline passed with expected alerts missing, or the events could not be sent. */
  failed: 'failed',
} as const;
export type SimulationStatus = (typeof SimulationStatus)[keyof typeof SimulationStatus];

export interface ExpectedArrival extends ExpectedAlert {
  /** The alert's count before the simulation: it arrived when its count grew by `occurrences`. */
  baselineCount: number;
  /** When the alert was written with the simulation's occurrences (its lastModifiedUtc when first seen complete). */
  arrivedAtUtc?: string;
  /** From sending the events to the alert being written. */
  latencyInMs?: number;
}

export interface SimulationRun {
  id: string;
  subscriptionId: string;
  trigger: SimulationTrigger;
  requestedBy: { principalId: string; principalName: string };
  requestedAtUtc: string;
  /** The alert types asked for (every simulated type when the request named none). */
  alertTypes: string[];
  eventCount: number;
  /** When the events were handed to the audit hub (set once it accepted them). */
  sentAtUtc?: string;
  /** After this, missing alerts make the run failed. */
  deadlineUtc: string;
  status: SimulationStatus;
  completedAtUtc?: string;
  /** Why a run failed without waiting for alerts (the hub refused the events). */
  failure?: string;
  expected: ExpectedArrival[];
}

/** An alert of the simulated cluster as observed in the store. */
export interface ObservedAlert {
  id: string;
  count: number;
  lastModifiedUtc: string;
}

/**
 * The run after looking at the simulated cluster's alerts at `now`: arrivals recorded, and the status
 * settled once every expected alert arrived (succeeded) or the deadline passed (failed). A settled run
 * does not change. Returns the same object when nothing changed, so the caller writes only changes.
 */
export function judgeSimulationRun(run: SimulationRun, observed: readonly ObservedAlert[], now: Date): SimulationRun {
  if (run.status !== SimulationStatus.running) return run;
  // Not sent yet (or the sender stopped before recording it): nothing can have arrived, but the deadline holds.
  const sentAtMs = run.sentAtUtc === undefined ? undefined : Date.parse(run.sentAtUtc);
  const byId = new Map(sentAtMs === undefined ? [] : observed.map((alert) => [alert.id, alert]));
  let changed = false;
  const expected = run.expected.map((arrival) => {
    if (arrival.arrivedAtUtc !== undefined) return arrival;
    const alert = byId.get(arrival.alertId);
    if (alert === undefined || alert.count < arrival.baselineCount + arrival.occurrences) return arrival;
    changed = true;
    return { ...arrival, arrivedAtUtc: alert.lastModifiedUtc, latencyInMs: Math.max(0, Date.parse(alert.lastModifiedUtc) - (sentAtMs ?? 0)) };
  });
  const allArrived = expected.every((arrival) => arrival.arrivedAtUtc !== undefined);
  const pastDeadline = now.getTime() > Date.parse(run.deadlineUtc);
  if (!changed && !allArrived && !pastDeadline) return run;
  const status = allArrived ? SimulationStatus.succeeded : pastDeadline ? SimulationStatus.failed : SimulationStatus.running;
  return { ...run, expected, status, ...(status === SimulationStatus.running ? {} : { completedAtUtc: now.toISOString() }) };
}

export interface SimulationSummary {
  expected: number;
  arrived: number;
  missing: { alertId: string; alertType: string }[];
  /** Of the arrived alerts, from sending to the alert being written. */
  latencyInMs?: { p50: number; p95: number; max: number };
}

/** Expected vs arrived and the latency, for the API and the health report. */
export function summarizeSimulationRun(run: SimulationRun): SimulationSummary {
  const latencies = run.expected.flatMap((arrival) => (arrival.latencyInMs === undefined ? [] : [arrival.latencyInMs])).sort((a, b) => a - b);
  const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] as number;
  return {
    expected: run.expected.length,
    arrived: latencies.length,
    missing: run.expected.filter((arrival) => arrival.arrivedAtUtc === undefined).map(({ alertId, alertType }) => ({ alertId, alertType })),
    ...(latencies.length === 0 ? {} : { latencyInMs: { p50: percentile(50), p95: percentile(95), max: latencies.at(-1) as number } }),
  };
}

/** The run as the API shows it: the record with its summary. */
export function toSimulationView(run: SimulationRun) {
  return { ...run, summary: summarizeSimulationRun(run) };
}
