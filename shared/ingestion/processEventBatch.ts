import type { Database } from '@azure/cosmos';
import { alertIdentityOf } from '../alerts/aggregateFindings';
import { type AlertOccurrence } from '../alerts/foldOccurrences';
import { type DetectionContext } from '../detection/detectionContext';
import { type DetectionRecord, isNodeRecord, occurredAtOf } from '../detection/detectionRecord';
import { evaluateRules, type RuleFailure } from '../detection/evaluateRules';
import { type Rule } from '../detection/rule';
import { emptyThreatIntelMatcher, type ThreatIntelMatcher } from '../intel/threatIntelMatch';
import { publishAlertChanges } from '../messaging/alertChangedEvents';
import { inventoryChangeOf } from '../posture/workloadInventory';
import { type EventPublisher } from '../messaging/eventPublisher';
import { isReservedSimulationCluster } from '../simulation/simulatedCluster';
import { simulatedStatefulCandidates } from '../simulation/simulatedStatefulCandidates';
import { verifySimulatedRecord } from '../simulation/simulationSignature';
import { writeAlertOccurrences } from '../store/alertIngestionStore';
import { applyStatefulRulesStored, type CandidateOrigin, type DetectionStateCache } from '../store/detectionStateStore';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type DeadLetterInput, toDeadLetter, writeDeadLetters } from '../store/deadLetterStore';
import { type Plan } from '../store/planStore';
import { TransientStoreError } from '../store/transientFaults';
import { UsageMeter, type UsageRequestStats } from '../store/usageMeter';
import { type UsageIncrement, usageHourOf } from '../store/usageStore';
import { type SelfSpecifiedWorkloads } from '../store/selfSpecifiedWorkloads';
import { recordInventoryChanges, type SubscriptionInventoryChange } from '../store/workloadInventoryStore';
import { type BatchSignal, type SignalName } from './batchSignal';
import { type BatchMessage, deadLetterSourceOf, type EventBatch, streamOf } from './eventHubBatch';
import { isCoveredByPlan } from './planCoverage';
import { type SubscriptionSettingsSource } from './subscriptionSettings';

export interface IngestionDependencies {
  database: Database;
  rules: readonly Rule[];
  detectionContext: DetectionContext;
  subscriptionSettings: SubscriptionSettingsSource;
  aggregationWindowInMs: number;
  /** Where every alert creation and change is published, after its write (the push export reads it). */
  alertEvents: EventPublisher;
  /** The pull export's settle time: a slower alert write is stamped again (see writeAlertOccurrences). */
  exportSettleInMs: number;
  /** How long after a plan's switch-on the first-seen rules only learn (`LEARNING_PERIOD_IN_DAYS`). */
  learningPeriodInMs: number;
  /** The instance's versions of the stateful rules' state documents (none: every batch reads what it judges against). */
  detectionStateCache?: DetectionStateCache;
  /** The inventory documents this instance saw written by their own object (none: every folded change reads its owner). */
  selfSpecifiedWorkloads?: SelfSpecifiedWorkloads;
  /**
   * The instance's usage meter, which writes a stream's counts at most once per flush interval (none: a meter of this
   * call that writes them before the batch ends).
   */
  usageMeter?: UsageMeter;
  /** The key the simulation signs its events with; read only when a batch has events of the reserved cluster. */
  simulationSigningKey: () => Promise<Uint8Array>;
  now: () => Date;
}

/** Why events of the reserved simulated cluster without a valid service signature are dead-lettered. */
export const FORGED_SIMULATION_REASON = 'forgedSimulation';

/** What one batch did: the content of the batch's single log line (counts only, never payloads). */
export interface BatchSummary {
  /** Which hub's data: audit events or node sensor events. */
  signal: SignalName;
  stream: string;
  firstSequenceNumber: number;
  lastSequenceNumber: number;
  messages: number;
  /** Events decoded. */
  events: number;
  /**
   * Records that could not be used, by reason (dead-lettered; other diagnostic categories, CloudWatch control
   * messages and node event types no rule reads only sampled).
   */
  skipped: Record<string, number>;
  /**
   * Events decoded after a repair (a field a log pipeline dropped or reformatted, a pipeline's wrapper), by
   * reason (RepairReason); an event with several repairs counts under each.
   */
  repaired: Record<string, number>;
  /** Events of subscriptions whose plan did not cover them, by subscription. */
  gated: Record<string, number>;
  /** Events the rules ran over (and that usage counts). */
  analyzed: number;
  /** The same event seen twice in the batch (kube-audit and kube-audit-admin both streamed; a sensor's resend). */
  duplicates: number;
  findings: number;
  ruleFailures: number;
  /** Events of the service's own simulation (verified), analyzed but not metered. */
  simulated: number;
  alerts: { created: number; updated: number; unchanged: number; suppressed: number; restamped: number };
  /** alertChanged events published to the alert-events hub. */
  published: number;
  deadLettered: number;
  /**
   * The live workload inventory (audit signal only): changes that workload writes of analyzed events made (pod and
   * controller creates, updates, patches, deletes), the inventory documents read (one per workload changed in the
   * batch, plus re-reads after a lost race), and those written (at most one per workload and batch, none when the
   * spec did not change); skipped: workloads whose changes were all folded changes of an owner known to be
   * self-specified (neither read nor written). Its requests are also counted in `cosmos`.
   */
  inventory: { changes: number; reads: number; writes: number; skipped: number };
  /**
   * The stateful rules: events they watched (candidates), findings the state made of them, watched events of clusters
   * still learning, and the state documents read and written (one per cluster and rule fed).
   */
  stateful: { candidates: number; findings: number; learning: number; reads: number; writes: number };
  /**
   * Usage metering: documents read (first sight, or after a lost race) and written (the streams whose counts were due at
   * the end of this batch: at most one write per document and flush interval), and the stream's events metered but not
   * yet written. Its requests are also counted in `cosmos`.
   */
  usage: { reads: number; writes: number; pendingEvents: number };
  cosmos: { reads: number; writes: number; conflicts: number };
  durationInMs: number;
}

export interface BatchOutcome {
  summary: BatchSummary;
  /** Rules that threw, isolated by the engine (logged by the caller, without payloads). */
  ruleFailures: RuleFailure[];
}

/**
 * One Event Hubs batch of either signal through the pipeline: decode (the only signal-specific step),
 * dead-letter what cannot be used, gate by plan, detect, aggregate into alerts (suppression rules decide
 * the status of new ones), persist, meter usage.
 *
 * Exactly once in effect: alerts and usage remember per partition the last event they counted (usage is written at most
 * once per partition and flush interval: see UsageMeter), the workload
 * inventory the last audit event that changed each workload, and dead letters have ids derived from where the
 * record was read, so running a batch again changes nothing.
 * Transient store faults are thrown for the trigger's retry policy; bad data never throws.
 */
export async function processEventBatch(batch: EventBatch, signal: BatchSignal, dependencies: IngestionDependencies): Promise<BatchOutcome> {
  const startedAt = dependencies.now();
  const stream = streamOf(batch);
  const decoded = decodeBatch(batch, signal);
  const simulated = await sortOutSimulatedRecords(decoded, batch, dependencies);

  const plans = await loadPlans(decoded.records, dependencies.subscriptionSettings);
  const analyzed: DetectionRecord[] = [];
  const gated: Record<string, number> = {};
  const usage = new Map<string, UsageIncrement>();
  for (const { record, message } of decoded.records) {
    const { subscriptionId, clusterName } = record.cluster;
    if (!isCoveredByPlan(plans.get(subscriptionId), Date.parse(occurredAtOf(record)))) {
      gated[subscriptionId] = (gated[subscriptionId] ?? 0) + 1;
      continue;
    }
    analyzed.push(record);
    // The service's own canary is not the customer's traffic: it is not metered.
    if (simulated.has(record)) continue;
    const key = `${subscriptionId}\n${message.sequenceNumber}`;
    let increment = usage.get(key);
    if (increment === undefined) {
      increment = {
        subscriptionId,
        signal: signal.name,
        hourStartUtc: usageHourOf(Date.parse(message.enqueuedTimeUtc)),
        position: { stream, sequenceNumber: message.sequenceNumber },
        eventsByCluster: {},
      };
      usage.set(key, increment);
    }
    increment.eventsByCluster[clusterName] = (increment.eventsByCluster[clusterName] ?? 0) + 1;
  }

  const customThreatIntel = await loadCustomThreatIntel(analyzed, dependencies);
  const evaluation = evaluateRules(analyzed, {
    rules: dependencies.rules,
    context: dependencies.detectionContext,
    ...(customThreatIntel === undefined ? {} : { customThreatIntelOf: (id: string) => customThreatIntel.get(id) ?? emptyThreatIntelMatcher }),
  });
  // The stateful rules' second pass, only for batches with events they watch: their state is written before the
  // alerts, and a retried batch judges its events alike again (see applyStatefulRulesStored).
  // The service's simulation replays the burst and sequence rules' timelines: its events feed the state of the
  // simulated cluster (its own documents, never a real cluster's), keyed to their run so that each run is judged
  // afresh; first-seen rules are not fed (see simulatedStatefulCandidates). They are not metered all the same.
  const candidates = simulated.size === 0 ? evaluation.candidates : simulatedStatefulCandidates(evaluation.candidates, (record) => simulated.has(record));
  const stateCache = dependencies.detectionStateCache;
  const batchNow = dependencies.now();
  // With a flush interval, a batch without candidates still writes the instance's pending observations that are due.
  const stateful =
    candidates.length === 0 && (stateCache === undefined || stateCache.dueKeys(batchNow.getTime()).length === 0)
      ? undefined
      : await applyStatefulRulesStored(dependencies.database, candidates, {
          learningPeriodInMs: dependencies.learningPeriodInMs,
          learningStartOf: (cluster) => learningStartOf(plans, cluster),
          now: batchNow,
          ...(stateCache === undefined ? {} : { cache: stateCache }),
          originOf: (record) => {
            const message = decoded.messageOf.get(record);
            return message === undefined
              ? undefined
              : { position: { stream, sequenceNumber: message.sequenceNumber }, ...(simulated.has(record) ? { simulated: true as const } : {}) };
          },
        });
  const findings = stateful === undefined ? evaluation.findings : [...evaluation.findings, ...stateful.findings];
  const occurrencesByAlert = new Map<string, AlertOccurrence[]>();
  for (const finding of findings) {
    const message = decoded.messageOf.get(finding.record);
    // A finding on an event of an earlier batch: pending observations judged again in this one (see DetectionStateCache).
    const origin = message === undefined ? stateful?.origins.get(finding.record) : undefined;
    if (message === undefined && origin === undefined) continue;
    const { id } = alertIdentityOf(finding, dependencies.aggregationWindowInMs);
    const occurrence: AlertOccurrence = {
      finding,
      position: message === undefined ? (origin as CandidateOrigin).position : { stream, sequenceNumber: message.sequenceNumber },
      ...(simulated.has(finding.record) || origin?.simulated === true ? { simulated: true } : {}),
    };
    const list = occurrencesByAlert.get(id);
    if (list === undefined) occurrencesByAlert.set(id, [occurrence]);
    else list.push(occurrence);
  }

  const inventoryChanges = signal.name === 'audit' ? inventoryChangesOf(analyzed, simulated) : [];

  const now = dependencies.now();
  const [written, deadLettered, usageWrites, inventoryWrites] = await settleAll([
    writeAlertOccurrences(dependencies.database, occurrencesByAlert, {
      windowInMs: dependencies.aggregationWindowInMs,
      clock: dependencies.now,
      restampAfterInMs: dependencies.exportSettleInMs / 2,
      suppressionRulesOf: (subscriptionId) => dependencies.subscriptionSettings.suppressionRules(subscriptionId),
    }),
    writeDeadLetters(dependencies.database, decoded.deadLetters.map((letter) => toDeadLetter(letter, now))),
    meterUsage(dependencies.usageMeter ?? new UsageMeter(dependencies.database, { flushIntervalInMs: 0 }), [...usage.values()], stream, now),
    recordInventoryChanges(dependencies.database, inventoryChanges, now, dependencies.selfSpecifiedWorkloads),
  ] as const);
  const alerts = written.stats;
  try {
    // After the writes: a retried batch finds its alerts counted and publishes their states again, so
    // every change is published at least once.
    await publishAlertChanges(dependencies.alertEvents, written.alerts);
  } catch (error) {
    throw new TransientStoreError(`publishing ${written.alerts.length} alert changes failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  const sequenceNumbers = batch.messages.map((message) => message.sequenceNumber);
  return {
    summary: {
      signal: signal.name,
      stream,
      firstSequenceNumber: sequenceNumbers.length === 0 ? -1 : Math.min(...sequenceNumbers),
      lastSequenceNumber: sequenceNumbers.length === 0 ? -1 : Math.max(...sequenceNumbers),
      messages: batch.messages.length,
      events: decoded.records.length,
      skipped: decoded.skipped,
      repaired: decoded.repaired,
      gated,
      analyzed: analyzed.length,
      simulated: simulated.size,
      duplicates: evaluation.stats.duplicateEvents,
      findings: findings.length,
      ruleFailures: evaluation.stats.ruleFailures + (stateful?.failures.length ?? 0),
      alerts: { created: alerts.created, updated: alerts.updated, unchanged: alerts.unchanged, suppressed: alerts.suppressed, restamped: alerts.restamped },
      published: written.alerts.length,
      deadLettered,
      inventory: { changes: inventoryWrites.changes, reads: inventoryWrites.reads, writes: inventoryWrites.documentsWritten, skipped: inventoryWrites.documentsSkipped },
      stateful: {
        candidates: candidates.length,
        findings: stateful?.findings.length ?? 0,
        learning: stateful?.learning ?? 0,
        reads: stateful?.stats.reads ?? 0,
        writes: stateful?.stats.writes ?? 0,
      },
      usage: { reads: usageWrites.reads, writes: usageWrites.writes, pendingEvents: usageWrites.pendingEvents },
      cosmos: {
        reads: alerts.reads + usageWrites.reads + inventoryWrites.reads + (stateful?.stats.reads ?? 0),
        writes: alerts.writes + usageWrites.writes + deadLettered + inventoryWrites.writes + (stateful?.stats.writes ?? 0),
        conflicts: alerts.conflicts + usageWrites.conflicts + inventoryWrites.conflicts + (stateful?.stats.conflicts ?? 0),
      },
      durationInMs: dependencies.now().getTime() - startedAt.getTime(),
    },
    ruleFailures: stateful === undefined ? evaluation.failures : [...evaluation.failures, ...stateful.failures],
  };
}

/** Meters the batch's usage, then writes the stream's counts if they are due (all of them, with no flush interval). */
async function meterUsage(meter: UsageMeter, increments: readonly UsageIncrement[], stream: string, now: Date): Promise<UsageRequestStats> {
  const added = await meter.add(increments, now);
  const flushed = await meter.flushDue(now, { stream });
  return { reads: added.reads + flushed.reads, writes: flushed.writes, conflicts: added.conflicts + flushed.conflicts, pendingEvents: flushed.pendingEvents };
}

/**
 * The workload inventory's changes of the analyzed audit events, in event order (node records write no workload). The
 * service's own simulated events are left out: their reserved cluster is not a workload anyone runs.
 */
function inventoryChangesOf(analyzed: readonly DetectionRecord[], simulated: ReadonlySet<DetectionRecord>): SubscriptionInventoryChange[] {
  const changes: SubscriptionInventoryChange[] = [];
  for (const record of analyzed) {
    if (isNodeRecord(record) || simulated.has(record)) continue;
    const change = inventoryChangeOf(record.event, record.cluster.resourceId);
    if (change !== undefined) changes.push({ subscriptionId: record.cluster.subscriptionId, change });
  }
  return changes;
}

interface DecodedBatch {
  records: { record: DetectionRecord; message: BatchMessage }[];
  messageOf: Map<DetectionRecord, BatchMessage>;
  /** Every record that could not be used, by reason. */
  skipped: Record<string, number>;
  /** Repairs of the usable events, by reason. */
  repaired: Record<string, number>;
  deadLetters: DeadLetterInput[];
}

/** Dead letters written one per record for each message and reason; the rest of them share one letter. */
const LETTERS_PER_MESSAGE_AND_REASON = 10;

/**
 * Decodes every message on its own, so each record keeps the position of the event it came in. Every
 * unusable record is dead-lettered, except those the signal only samples (data that is not the signal's
 * at all, such as other diagnostic categories on the audit hub or event types no node rule reads): they
 * are counted, and only the first of each sample key per batch is kept, so that a source that routes
 * everything to the hub shows up without costing one write per record. A message full of garbage (thousands
 * of `{}` lines) costs at most LETTERS_PER_MESSAGE_AND_REASON letters per reason plus one that holds the rest
 * of them, all their raw records kept. Repairs are counted by reason.
 */
function decodeBatch(batch: EventBatch, signal: BatchSignal): DecodedBatch {
  const records: DecodedBatch['records'] = [];
  const messageOf = new Map<DetectionRecord, BatchMessage>();
  const skippedByReason: Record<string, number> = {};
  const repairedByReason: Record<string, number> = {};
  const sampled = new Set<string>();
  const deadLetters: DeadLetterInput[] = [];
  for (const message of batch.messages) {
    const decoded = signal.decode(message.body);
    const lettersByReason = new Map<string, number>();
    const folded = new Map<string, DeadLetterInput & { raw: unknown[]; records: number }>();
    for (const record of decoded.records) {
      records.push({ record, message });
      messageOf.set(record, message);
    }
    for (const [reason, count] of Object.entries(decoded.repaired)) repairedByReason[reason] = (repairedByReason[reason] ?? 0) + (count ?? 0);
    for (const skipped of decoded.skipped) {
      skippedByReason[skipped.reason] = (skippedByReason[skipped.reason] ?? 0) + 1;
      const sampleKey = signal.sampleKeyOf(skipped);
      if (sampleKey !== undefined) {
        if (sampled.has(sampleKey)) continue;
        sampled.add(sampleKey);
      }
      const letters = lettersByReason.get(skipped.reason) ?? 0;
      lettersByReason.set(skipped.reason, letters + 1);
      if (letters >= LETTERS_PER_MESSAGE_AND_REASON) {
        const fold = folded.get(skipped.reason);
        if (fold === undefined) {
          folded.set(skipped.reason, {
            source: deadLetterSourceOf(batch, message, skipped.source.index),
            reason: skipped.reason,
            detail: skipped.detail,
            raw: [skipped.raw],
            records: 1,
          });
        } else {
          fold.raw.push(skipped.raw);
          fold.records++;
        }
        continue;
      }
      deadLetters.push({
        source: deadLetterSourceOf(batch, message, skipped.source.index),
        reason: skipped.reason,
        detail: skipped.detail,
        ...(skipped.source.category === undefined ? {} : { category: skipped.source.category }),
        raw: skipped.raw,
      });
    }
    for (const fold of folded.values()) {
      deadLetters.push({ ...fold, detail: `${fold.records} more records of this message from record ${fold.source.recordIndex} on, skipped for the same reason (raw: their array); the first: ${fold.detail}` });
    }
  }
  return { records, messageOf, skipped: skippedByReason, repaired: repairedByReason, deadLetters };
}

/**
 * Events of a subscription's reserved simulated cluster are the service's own canary only if they carry
 * its signature: a forged one (sent to the hub or through the webhook by anyone else) is taken out of
 * the batch and dead-lettered, so nobody outside the service can make a real event look simulated.
 * Returns the verified simulated records.
 */
async function sortOutSimulatedRecords(decoded: DecodedBatch, batch: EventBatch, dependencies: IngestionDependencies): Promise<Set<DetectionRecord>> {
  const simulated = new Set<DetectionRecord>();
  if (!decoded.records.some(({ record }) => isReservedSimulationCluster(record.cluster))) return simulated;
  const key = await dependencies.simulationSigningKey();
  decoded.records = decoded.records.filter(({ record, message }) => {
    if (!isReservedSimulationCluster(record.cluster)) return true;
    if (verifySimulatedRecord(key, record)) {
      simulated.add(record);
      return true;
    }
    decoded.skipped[FORGED_SIMULATION_REASON] = (decoded.skipped[FORGED_SIMULATION_REASON] ?? 0) + 1;
    decoded.deadLetters.push({
      source: deadLetterSourceOf(batch, message, record.source.index),
      reason: FORGED_SIMULATION_REASON,
      detail: `an event of the reserved simulated cluster ${record.cluster.resourceId} without a valid service signature`,
      raw: record.event,
    });
    return false;
  });
  return simulated;
}

/** The plan of every subscription in the batch: one cached lookup per subscription, not per event. */
/** When a cluster's learning started: its subscription's plan switch-on. */
function learningStartOf(plans: ReadonlyMap<string, Plan | undefined>, cluster: string): number | undefined {
  const subscriptionId = parseClusterResourceId(cluster)?.subscriptionId;
  const enabledAt = subscriptionId === undefined ? undefined : plans.get(subscriptionId)?.enabledAtUtc;
  return enabledAt === undefined ? undefined : Date.parse(enabledAt);
}

/**
 * The custom threat-intel sets of every subscription of the analyzed events, compiled (one cached lookup per
 * subscription); undefined when no rule of the library reads them, or nothing is analyzed.
 */
async function loadCustomThreatIntel(analyzed: readonly DetectionRecord[], dependencies: IngestionDependencies): Promise<Map<string, ThreatIntelMatcher> | undefined> {
  if (analyzed.length === 0 || !dependencies.rules.some((rule) => rule.readsCustomThreatIntel === true)) return undefined;
  const subscriptionIds = [...new Set(analyzed.map((record) => record.cluster.subscriptionId))];
  const matchers = await Promise.all(subscriptionIds.map((id) => dependencies.subscriptionSettings.customThreatIntel(id)));
  return new Map(subscriptionIds.map((id, index) => [id, matchers[index] ?? emptyThreatIntelMatcher]));
}

async function loadPlans(records: DecodedBatch['records'], settings: SubscriptionSettingsSource): Promise<Map<string, Plan | undefined>> {
  const subscriptionIds = [...new Set(records.map(({ record }) => record.cluster.subscriptionId))];
  const plans = await Promise.all(subscriptionIds.map((id) => settings.plan(id)));
  return new Map(subscriptionIds.map((id, index) => [id, plans[index]]));
}

/**
 * Like Promise.all, but waits for every write to settle before throwing the first failure, so that no
 * write of a failed batch is still running when the retry starts.
 */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
