import { createHash } from 'node:crypto';
import { type ExportFormat, type ExportRecord, toExportRecord } from '../alerts/export/exportFormat';
import { toIncidentExportRecord } from '../alerts/export/incidentExportFormat';
import { ALERT_CHANGED_EVENT_TYPE } from '../messaging/alertChangedEvents';
import { ASSESSMENT_CHANGED_EVENT_TYPE } from '../messaging/assessmentChangedEvents';
import { type EventPublisher } from '../messaging/eventPublisher';
import { type ExportEvent, exportEventItem } from '../messaging/exportEvents';
import { toAssessmentExportRecord } from '../posture/export/assessmentExportFormat';
import { type ExportDeadLetter } from '../store/exportDeadLetterStore';
import { SecretAccessError } from '../secrets/secretProtector';
import { mapWithConcurrency } from '../store/mapWithConcurrency';
import { type WebhookAttempt, type WebhookRequest } from './deliverWebhook';
import { type DeliverWithRetryOptions, deliverWithRetry, type TargetCircuitBreaker } from './deliveryRetry';
import { type EventHubTarget, type ExportSettings, type ExportTarget, ExportTargetKind, type WebhookTarget } from './exportTargets';

/**
 * The push export: alert-changed, assessment-changed and incident-changed events delivered to each enabled target of
 * their subscription. An alert (or assessment, or incident) that changed several times in one batch is delivered once, at its latest
 * version (the pull export has every change; the push keeps targets current). Webhook deliveries to one target go in
 * order, each retried with backoff; a target that keeps failing is not tried for a cool-down (a circuit
 * breaker kept per target across batches: no retry storm). What cannot be delivered is dead-lettered, never thrown: only reading the settings
 * can fail the batch (and the trigger's retry policy runs it again).
 */

const SUBSCRIPTION_CONCURRENCY = 8;

export interface ExportDeliveryDependencies {
  exportSettingsOf: (subscriptionId: string) => Promise<ExportSettings | undefined>;
  /** A producer for an Event Hub target (managed identity); the caller caches them. */
  eventHubSender: (target: EventHubTarget) => EventPublisher;
  /**
   * The secret a webhook target signs with (opened from its sealed form, shared/export/webhookSecrets.ts). A
   * `SecretAccessError` (tampered, or sealed under a key version that is gone) dead-letters the target's changes as
   * `secretUnavailable`; any other failure (the key vault unreachable) fails the batch, to be retried.
   */
  webhookSecretOf: (subscriptionId: string, target: WebhookTarget) => Promise<string>;
  /** One webhook attempt (deliverWebhook with the client options of the mode). */
  postWebhook: (request: WebhookRequest) => Promise<WebhookAttempt>;
  retry: DeliverWithRetryOptions;
  /** The circuit breaker of a webhook target; the caller keeps them across batches (per instance). */
  breakerOf: (subscriptionId: string, target: WebhookTarget) => TargetCircuitBreaker;
  writeDeadLetters: (letters: readonly ExportDeadLetter[]) => Promise<void>;
  productVersion: string;
  now: () => Date;
}

export interface DeliverySummary {
  events: number;
  /** Distinct alert, assessment and incident states after coalescing repeats and older versions. */
  alerts: number;
  /** Subscriptions with at least one enabled target. */
  subscriptionsWithTargets: number;
  delivered: number;
  deadLettered: number;
  /** Webhook requests made (attempts, retries included). */
  webhookAttempts: number;
}

/** Webhook `x-argus-event` and envelope `type` of an alert change (an assessment change's is `assessmentChanged`, an incident change's `incidentChanged`). */
export const ALERT_CHANGED_WEBHOOK_EVENT = ALERT_CHANGED_EVENT_TYPE;

export async function deliverExportChanges(events: readonly ExportEvent[], dependencies: ExportDeliveryDependencies): Promise<DeliverySummary> {
  const latest = latestStates(events);
  const bySubscription = new Map<string, ExportEvent[]>();
  for (const event of latest) {
    const list = bySubscription.get(event.subscriptionId) ?? [];
    list.push(event);
    bySubscription.set(event.subscriptionId, list);
  }
  const summary: DeliverySummary = { events: events.length, alerts: latest.length, subscriptionsWithTargets: 0, delivered: 0, deadLettered: 0, webhookAttempts: 0 };
  await mapWithConcurrency([...bySubscription], SUBSCRIPTION_CONCURRENCY, async ([subscriptionId, changes]) => {
    const settings = await dependencies.exportSettingsOf(subscriptionId);
    const targets = (settings?.targets ?? []).filter((target) => target.enabled);
    if (targets.length === 0) return;
    summary.subscriptionsWithTargets++;
    const letters: ExportDeadLetter[] = [];
    await Promise.all(targets.map((target) => deliverToTarget(subscriptionId, target, changes, dependencies, summary, letters)));
    if (letters.length > 0) {
      await dependencies.writeDeadLetters(letters);
      summary.deadLettered += letters.length;
    }
  });
  return summary;
}

/** Per item (alert, assessment or incident), only the highest version; in order of change. */
function latestStates(events: readonly ExportEvent[]): ExportEvent[] {
  const byItem = new Map<string, ExportEvent>();
  for (const event of events) {
    const key = `${event.type}/${event.subscriptionId}/${exportEventItem(event).itemId}`;
    const seen = byItem.get(key);
    if (seen === undefined || event.version > seen.version) byItem.set(key, event);
  }
  const changedUtc = (event: ExportEvent): string => exportEventItem(event).changedUtc;
  return [...byItem.values()].sort((a, b) => (changedUtc(a) < changedUtc(b) ? -1 : changedUtc(a) > changedUtc(b) ? 1 : 0));
}

/** The record of one change in a target's format. */
function recordOf(format: ExportFormat, event: ExportEvent, productVersion: string): ExportRecord {
  switch (event.type) {
    case ALERT_CHANGED_EVENT_TYPE:
      return toExportRecord(format, event.alert, { productVersion });
    case ASSESSMENT_CHANGED_EVENT_TYPE:
      return toAssessmentExportRecord(format, event.assessment, { productVersion });
    default:
      return toIncidentExportRecord(format, event.incident, { productVersion });
  }
}

async function deliverToTarget(
  subscriptionId: string,
  target: ExportTarget,
  changes: readonly ExportEvent[],
  dependencies: ExportDeliveryDependencies,
  summary: DeliverySummary,
  letters: ExportDeadLetter[],
): Promise<void> {
  const deadLetter = (change: ExportEvent, reason: string, detail: string, attempts: number, status?: number): void => {
    letters.push({
      id: deliveryIdOf(subscriptionId, target.name, change),
      subscriptionId,
      targetName: target.name,
      targetKind: target.kind,
      changeType: change.type,
      ...itemOfDeadLetter(change),
      reason,
      detail: detail.slice(0, 512),
      ...(status === undefined ? {} : { status }),
      attempts,
      failedAtUtc: dependencies.now().toISOString(),
    });
  };
  const records = changes.map((change) => recordOf(target.format, change, dependencies.productVersion));

  if (target.kind === ExportTargetKind.eventHub) {
    try {
      await dependencies.eventHubSender(target).publish(records.map(eventHubBody), { partitionKey: subscriptionId });
      summary.delivered += changes.length;
    } catch (error) {
      const detail = `sending to Event Hub ${target.eventHubName} in ${target.fullyQualifiedNamespace} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      for (const change of changes) deadLetter(change, 'deliveryFailed', detail, 1);
    }
    return;
  }

  let secret: string;
  try {
    secret = await dependencies.webhookSecretOf(subscriptionId, target);
  } catch (error) {
    if (!(error instanceof SecretAccessError)) throw error;
    for (const change of changes) deadLetter(change, 'secretUnavailable', `${error.message}; save the target again with "rotateSecret": true`, 0);
    return;
  }
  const breaker = dependencies.breakerOf(subscriptionId, target);
  for (const [index, change] of changes.entries()) {
    if (breaker.isOpen()) {
      deadLetter(change, 'targetUnavailable', `not attempted: the last ${breaker.consecutiveFailures} deliveries to this target failed; it is tried again after a cool-down`, 0);
      continue;
    }
    const request = webhookRequest(subscriptionId, target, secret, change, records[index] as ExportRecord);
    const { final, attempts } = await deliverWithRetry(() => dependencies.postWebhook(request), dependencies.retry);
    summary.webhookAttempts += attempts;
    breaker.record(final);
    if (final.kind === 'delivered') summary.delivered++;
    else deadLetter(change, 'deliveryFailed', final.reason, attempts, final.status);
  }
}

/** The envelope's item field of each change type. */
const envelopeItemKey = { alertChanged: 'alertId', assessmentChanged: 'assessmentId', incidentChanged: 'incidentId' } as const satisfies Record<ExportEvent['type'], string>;

/** What a dead letter names of the change that failed: the item and its version, under the item's own keys. */
function itemOfDeadLetter(change: ExportEvent): Pick<ExportDeadLetter, 'alertId' | 'alertVersion' | 'assessmentId' | 'assessmentVersion' | 'incidentId' | 'incidentVersion'> {
  switch (change.type) {
    case ALERT_CHANGED_EVENT_TYPE:
      return { alertId: change.alertId, alertVersion: change.version };
    case ASSESSMENT_CHANGED_EVENT_TYPE:
      return { assessmentId: change.assessmentId, assessmentVersion: change.version };
    default:
      return { incidentId: change.incidentId, incidentVersion: change.version };
  }
}

/** The event body for an Event Hub target: the record itself (a JSON document, or a CEF line). */
function eventHubBody(record: ExportRecord): string {
  return record.kind === 'json' ? JSON.stringify(record.value) : record.line;
}

/**
 * A webhook body: JSON formats go in an envelope naming the delivery, the alert and its version (all
 * covered by the signature, so a receiver can refuse replays of deliveries it has seen); CEF goes as
 * its line of text, the delivery id in `x-argus-delivery`.
 */
function webhookRequest(subscriptionId: string, target: WebhookTarget, secret: string, change: ExportEvent, record: ExportRecord): WebhookRequest {
  const deliveryId = deliveryIdOf(subscriptionId, target.name, change);
  const common = { url: target.url, secret, deliveryId, event: change.type };
  if (record.kind === 'text') return { ...common, body: `${record.line}\n`, contentType: 'text/plain; charset=utf-8' };
  const item = exportEventItem(change);
  const envelope = {
    id: deliveryId,
    type: change.type,
    subscriptionId,
    [envelopeItemKey[change.type]]: item.itemId,
    version: change.version,
    changedAtUtc: item.changedUtc,
    format: target.format,
    data: record.value,
  };
  return { ...common, body: JSON.stringify(envelope), contentType: 'application/json' };
}

/**
 * The same for every attempt and every re-delivery of one alert (or assessment) version to one target, so a receiver
 * can drop duplicates, and a dead letter written twice is one document. UUID-shaped; an assessment's or incident's item
 * id is prefixed so it can never collide with an alert's.
 */
export function deliveryIdOf(subscriptionId: string, targetName: string, change: { alertId: string; version: number } | ExportEvent): string {
  const itemId = !('type' in change)
    ? change.alertId
    : change.type === ALERT_CHANGED_EVENT_TYPE
      ? change.alertId
      : change.type === ASSESSMENT_CHANGED_EVENT_TYPE
        ? `assessment:${change.assessmentId}`
        : `incident:${change.incidentId}`;
  const hex = createHash('sha256').update([subscriptionId, targetName.toLowerCase(), itemId, String(change.version)].join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
