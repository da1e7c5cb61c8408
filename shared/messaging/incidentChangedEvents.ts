import { z } from 'zod';
import { type Incident } from '../alerts/incident';
import { type EventPublisher } from './eventPublisher';

/**
 * The alert-events hub's incident messages: one per exported incident change (formed, its alerts or severity changed,
 * merged or dissolved, a status change), published after the incident was written, beside the alert and assessment
 * changes, so one push path (and one set of targets) carries all three. `incidentId` + `version` name the state; the
 * event carries the incident as written.
 */
export const INCIDENT_CHANGED_EVENT_TYPE = 'incidentChanged';

export interface IncidentChangedEvent {
  type: typeof INCIDENT_CHANGED_EVENT_TYPE;
  subscriptionId: string;
  incidentId: string;
  version: number;
  exportedChangeUtc: string;
  incident: Incident;
}

export function incidentChangedEventOf(incident: Incident): IncidentChangedEvent {
  return {
    type: INCIDENT_CHANGED_EVENT_TYPE,
    subscriptionId: incident.subscriptionId,
    incidentId: incident.id,
    version: incident.version,
    exportedChangeUtc: incident.exportedChangeUtc,
    incident,
  };
}

/** Publishes incident changes, one subscription's in order under its partition key (as alert changes). */
export async function publishIncidentChanges(publisher: EventPublisher, incidents: readonly Incident[]): Promise<void> {
  const bySubscription = new Map<string, string[]>();
  for (const incident of incidents) {
    const bodies = bySubscription.get(incident.subscriptionId) ?? [];
    bodies.push(JSON.stringify(incidentChangedEventOf(incident)));
    bySubscription.set(incident.subscriptionId, bodies);
  }
  await Promise.all([...bySubscription].map(([subscriptionId, bodies]) => publisher.publish(bodies, { partitionKey: subscriptionId })));
}

/** The fields the delivery relies on; the incident itself is passed through as published. */
export const incidentChangedEventSchema = z.object({
  type: z.literal(INCIDENT_CHANGED_EVENT_TYPE),
  subscriptionId: z.string().min(1),
  incidentId: z.string().min(1),
  version: z.number().int().min(1),
  exportedChangeUtc: z.string().min(1),
  incident: z.looseObject({
    id: z.string(),
    subscriptionId: z.string(),
    version: z.number(),
    status: z.string(),
    severity: z.string(),
    alertIds: z.array(z.string()),
    correlationKey: z.string(),
  }),
});
