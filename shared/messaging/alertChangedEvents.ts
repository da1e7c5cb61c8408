import { z } from 'zod';
import { type Alert } from '../alerts/alert';
import { type ExportedAlert, toExportedAlert } from '../alerts/export/exportedAlert';
import { type EventPublisher } from './eventPublisher';
import { readExportEvent } from './exportEvents';

/**
 * The alert-events hub's messages: one per alert creation or change, published after the alert was
 * written to Cosmos DB. The push export reads them (functions/deliverAlertExports.ts). The event carries
 * the alert as written, so delivering it needs no read; `alertId` + `version` name that state, so a
 * consumer that sees an event twice (publishing is at least once) can drop the repeat.
 */
export const ALERT_CHANGED_EVENT_TYPE = 'alertChanged';

export interface AlertChangedEvent {
  type: typeof ALERT_CHANGED_EVENT_TYPE;
  subscriptionId: string;
  alertId: string;
  version: number;
  lastModifiedUtc: string;
  alert: ExportedAlert;
}

export function alertChangedEventOf(alert: Alert): AlertChangedEvent {
  return {
    type: ALERT_CHANGED_EVENT_TYPE,
    subscriptionId: alert.subscriptionId,
    alertId: alert.id,
    version: alert.version,
    lastModifiedUtc: alert.lastModifiedUtc,
    alert: toExportedAlert(alert),
  };
}

/**
 * Publishes the alerts' current states. Each subscription's events share a partition key, so one
 * subscription's changes stay in order (an alert's Active state is never delivered after its Dismissed).
 */
export async function publishAlertChanges(publisher: EventPublisher, alerts: readonly Alert[]): Promise<void> {
  const bySubscription = new Map<string, string[]>();
  for (const alert of alerts) {
    const bodies = bySubscription.get(alert.subscriptionId) ?? [];
    bodies.push(JSON.stringify(alertChangedEventOf(alert)));
    bySubscription.set(alert.subscriptionId, bodies);
  }
  await Promise.all([...bySubscription].map(([subscriptionId, bodies]) => publisher.publish(bodies, { partitionKey: subscriptionId })));
}

/** The fields the delivery relies on; the alert itself is passed through as published. */
export const alertChangedEventSchema = z.object({
  type: z.literal(ALERT_CHANGED_EVENT_TYPE),
  subscriptionId: z.string().min(1),
  alertId: z.string().min(1),
  version: z.number().int().min(1),
  lastModifiedUtc: z.string().min(1),
  alert: z.looseObject({ id: z.string(), subscriptionId: z.string(), version: z.number() }),
});

export type AlertChangedEventReading = { ok: true; event: AlertChangedEvent } | { ok: false; problem: string };

/** Reads one alert-changed event body (see `readExportEvent`, which reads every type the hub carries). */
export function readAlertChangedEvent(body: unknown): AlertChangedEventReading {
  const reading = readExportEvent(body);
  if (!reading.ok) return reading;
  if (reading.event.type !== ALERT_CHANGED_EVENT_TYPE) return { ok: false, problem: `not an alertChanged event: type is ${reading.event.type}` };
  return { ok: true, event: reading.event };
}
