import type { Database } from '@azure/cosmos';
import { alertIdentityOf } from '../alerts/aggregateFindings';
import { type AlertOccurrence } from '../alerts/foldOccurrences';
import { type DetectionContext } from '../detection/detectionContext';
import { evaluateRules, type RuleFailure } from '../detection/evaluateRules';
import { type Rule } from '../detection/rule';
import { type AuditRecord } from '../kubernetes/auditEvent';
import { decodeAuditInput } from '../kubernetes/decodeAuditInput';
import { SkipReason } from '../kubernetes/skipReason';
import { writeAlertOccurrences } from '../store/alertIngestionStore';
import { type DeadLetterInput, toDeadLetter, writeDeadLetters } from '../store/deadLetterStore';
import { type Plan } from '../store/planStore';
import { recordUsage, type UsageIncrement, usageHourOf } from '../store/usageStore';
import { type AuditBatch, type BatchMessage, streamOf } from './eventHubBatch';
import { isCoveredByPlan } from './planCoverage';
import { type SubscriptionSettingsSource } from './subscriptionSettings';

export interface IngestionDependencies {
  database: Database;
  rules: readonly Rule[];
  detectionContext: DetectionContext;
  subscriptionSettings: SubscriptionSettingsSource;
  aggregationWindowInMs: number;
  now: () => Date;
}

/** What one batch did: the content of the batch's single log line (counts only, never payloads). */
export interface BatchSummary {
  stream: string;
  firstSequenceNumber: number;
  lastSequenceNumber: number;
  messages: number;
  /** Audit events decoded. */
  events: number;
  /** Records that could not be used, by reason (dead-lettered; other categories only sampled). */
  skipped: Record<string, number>;
  /** Events of subscriptions whose plan did not cover them, by subscription. */
  gated: Record<string, number>;
  /** Events the rules ran over (and that usage counts). */
  analyzed: number;
  /** The same request seen twice in the batch (kube-audit and kube-audit-admin both streamed). */
  duplicates: number;
  findings: number;
  ruleFailures: number;
  alerts: { created: number; updated: number; unchanged: number; suppressed: number };
  deadLettered: number;
  cosmos: { reads: number; writes: number; conflicts: number };
  durationInMs: number;
}

export interface BatchOutcome {
  summary: BatchSummary;
  /** Rules that threw, isolated by the engine (logged by the caller, without payloads). */
  ruleFailures: RuleFailure[];
}

/**
 * One Event Hubs batch through the pipeline: decode, dead-letter what cannot be used, gate by plan,
 * detect, aggregate into alerts (suppression rules decide the status of new ones), persist, meter usage.
 *
 * Exactly once in effect: alerts and usage remember per partition the last event they counted, and dead
 * letters have ids derived from where the record was read, so running a batch again changes nothing.
 * Transient store faults are thrown for the trigger's retry policy; bad data never throws.
 */
export async function processAuditBatch(batch: AuditBatch, dependencies: IngestionDependencies): Promise<BatchOutcome> {
  const startedAt = dependencies.now();
  const stream = streamOf(batch);
  const decoded = decodeBatch(batch);

  const plans = await loadPlans(decoded.records, dependencies.subscriptionSettings);
  const analyzed: AuditRecord[] = [];
  const gated: Record<string, number> = {};
  const usage = new Map<string, UsageIncrement>();
  for (const { record, message } of decoded.records) {
    const { subscriptionId, clusterName } = record.cluster;
    if (!isCoveredByPlan(plans.get(subscriptionId), Date.parse(record.event.requestReceivedTimestamp))) {
      gated[subscriptionId] = (gated[subscriptionId] ?? 0) + 1;
      continue;
    }
    analyzed.push(record);
    const key = `${subscriptionId}\n${message.sequenceNumber}`;
    let increment = usage.get(key);
    if (increment === undefined) {
      increment = {
        subscriptionId,
        hourStartUtc: usageHourOf(Date.parse(message.enqueuedTimeUtc)),
        position: { stream, sequenceNumber: message.sequenceNumber },
        eventsByCluster: {},
      };
      usage.set(key, increment);
    }
    increment.eventsByCluster[clusterName] = (increment.eventsByCluster[clusterName] ?? 0) + 1;
  }

  const evaluation = evaluateRules(analyzed, { rules: dependencies.rules, context: dependencies.detectionContext });
  const occurrencesByAlert = new Map<string, AlertOccurrence[]>();
  for (const finding of evaluation.findings) {
    const message = decoded.messageOf.get(finding.record) as BatchMessage;
    const { id } = alertIdentityOf(finding, dependencies.aggregationWindowInMs);
    const occurrence: AlertOccurrence = { finding, position: { stream, sequenceNumber: message.sequenceNumber } };
    const list = occurrencesByAlert.get(id);
    if (list === undefined) occurrencesByAlert.set(id, [occurrence]);
    else list.push(occurrence);
  }

  const now = dependencies.now();
  const [alerts, deadLettered, usageWrites] = await settleAll([
    writeAlertOccurrences(dependencies.database, occurrencesByAlert, {
      windowInMs: dependencies.aggregationWindowInMs,
      now,
      suppressionRulesOf: (subscriptionId) => dependencies.subscriptionSettings.suppressionRules(subscriptionId),
    }),
    writeDeadLetters(dependencies.database, decoded.deadLetters.map((letter) => toDeadLetter(letter, now))),
    recordUsage(dependencies.database, [...usage.values()], now),
  ] as const);

  const sequenceNumbers = batch.messages.map((message) => message.sequenceNumber);
  return {
    summary: {
      stream,
      firstSequenceNumber: sequenceNumbers.length === 0 ? -1 : Math.min(...sequenceNumbers),
      lastSequenceNumber: sequenceNumbers.length === 0 ? -1 : Math.max(...sequenceNumbers),
      messages: batch.messages.length,
      events: decoded.records.length,
      skipped: decoded.skipped,
      gated,
      analyzed: analyzed.length,
      duplicates: evaluation.stats.duplicateEvents,
      findings: evaluation.stats.findings,
      ruleFailures: evaluation.stats.ruleFailures,
      alerts: { created: alerts.created, updated: alerts.updated, unchanged: alerts.unchanged, suppressed: alerts.suppressed },
      deadLettered,
      cosmos: {
        reads: alerts.reads + usageWrites.reads,
        writes: alerts.writes + usageWrites.writes + deadLettered,
        conflicts: alerts.conflicts + usageWrites.conflicts,
      },
      durationInMs: dependencies.now().getTime() - startedAt.getTime(),
    },
    ruleFailures: evaluation.failures,
  };
}

interface DecodedBatch {
  records: { record: AuditRecord; message: BatchMessage }[];
  messageOf: Map<AuditRecord, BatchMessage>;
  /** Every record that could not be used, by reason. */
  skipped: Record<string, number>;
  deadLetters: DeadLetterInput[];
}

/**
 * Decodes every message on its own, so each record keeps the position of the event it came in. Every
 * unusable record is dead-lettered, except records of other diagnostic categories (klog text of
 * kube-apiserver, guard, ...), which are not audit data at all: they are counted, and only the first of
 * each category per batch is kept as a sample, so that a diagnostic setting that routes every category
 * to the audit hub shows up without costing one write per log line.
 */
function decodeBatch(batch: AuditBatch): DecodedBatch {
  const records: DecodedBatch['records'] = [];
  const messageOf = new Map<AuditRecord, BatchMessage>();
  const skippedByReason: Record<string, number> = {};
  const sampledCategories = new Set<string | undefined>();
  const deadLetters: DeadLetterInput[] = [];
  for (const message of batch.messages) {
    const decoded = decodeAuditInput(message.body);
    for (const record of decoded.records) {
      records.push({ record, message });
      messageOf.set(record, message);
    }
    for (const skipped of decoded.skipped) {
      skippedByReason[skipped.reason] = (skippedByReason[skipped.reason] ?? 0) + 1;
      if (skipped.reason === SkipReason.otherCategory) {
        if (sampledCategories.has(skipped.source.category)) continue;
        sampledCategories.add(skipped.source.category);
      }
      deadLetters.push({
        source: {
          eventHubName: batch.eventHubName,
          consumerGroup: batch.consumerGroup,
          partitionId: batch.partitionId,
          sequenceNumber: message.sequenceNumber,
          offset: message.offset,
          enqueuedTimeUtc: message.enqueuedTimeUtc,
          recordIndex: skipped.source.index,
        },
        reason: skipped.reason,
        detail: skipped.detail,
        ...(skipped.source.category === undefined ? {} : { category: skipped.source.category }),
        raw: skipped.raw,
      });
    }
  }
  return { records, messageOf, skipped: skippedByReason, deadLetters };
}

/** The plan of every subscription in the batch: one cached lookup per subscription, not per event. */
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
