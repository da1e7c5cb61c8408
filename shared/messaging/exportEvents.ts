import { type z } from 'zod';
import { type AlertChangedEvent, alertChangedEventSchema, ALERT_CHANGED_EVENT_TYPE } from './alertChangedEvents';
import { type AssessmentChangedEvent, assessmentChangedEventSchema, ASSESSMENT_CHANGED_EVENT_TYPE } from './assessmentChangedEvents';
import { type IncidentChangedEvent, incidentChangedEventSchema, INCIDENT_CHANGED_EVENT_TYPE } from './incidentChangedEvents';

/**
 * What the alert-events hub carries for the push export: alert, assessment and incident changes. Each names one state
 * of one item (`itemId` + `version`), so a consumer that sees it twice can drop the repeat.
 */
export type ExportEvent = AlertChangedEvent | AssessmentChangedEvent | IncidentChangedEvent;

export type ExportEventReading = { ok: true; event: ExportEvent } | { ok: false; problem: string };

/** The item an event is about, its version and change time, whatever its type. */
export function exportEventItem(event: ExportEvent): { itemId: string; version: number; changedUtc: string } {
  switch (event.type) {
    case ALERT_CHANGED_EVENT_TYPE:
      return { itemId: event.alertId, version: event.version, changedUtc: event.lastModifiedUtc };
    case ASSESSMENT_CHANGED_EVENT_TYPE:
      return { itemId: event.assessmentId, version: event.version, changedUtc: event.exportedChangeUtc };
    case INCIDENT_CHANGED_EVENT_TYPE:
      return { itemId: event.incidentId, version: event.version, changedUtc: event.exportedChangeUtc };
  }
}

/** Reads one event body as the Functions host hands it over (parsed JSON, text or bytes). */
export function readExportEvent(body: unknown): ExportEventReading {
  let value = body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) value = Buffer.from(body).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return { ok: false, problem: 'the event is not JSON' };
    }
  }
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (type === ASSESSMENT_CHANGED_EVENT_TYPE) {
    const parsed = assessmentChangedEventSchema.safeParse(value);
    if (!parsed.success) return { ok: false, problem: `not an assessmentChanged event: ${issuesOf(parsed.error)}` };
    if (parsed.data.assessment.id !== parsed.data.assessmentId || parsed.data.assessment.subscriptionId !== parsed.data.subscriptionId) {
      return { ok: false, problem: 'the assessment does not match the event’s assessmentId and subscriptionId' };
    }
    return { ok: true, event: parsed.data as unknown as AssessmentChangedEvent };
  }
  if (type === INCIDENT_CHANGED_EVENT_TYPE) {
    const parsed = incidentChangedEventSchema.safeParse(value);
    if (!parsed.success) return { ok: false, problem: `not an incidentChanged event: ${issuesOf(parsed.error)}` };
    if (parsed.data.incident.id !== parsed.data.incidentId || parsed.data.incident.subscriptionId !== parsed.data.subscriptionId) {
      return { ok: false, problem: 'the incident does not match the event’s incidentId and subscriptionId' };
    }
    return { ok: true, event: parsed.data as unknown as IncidentChangedEvent };
  }
  const parsed = alertChangedEventSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: `not an alertChanged event: ${issuesOf(parsed.error)}` };
  if (parsed.data.alert.id !== parsed.data.alertId || parsed.data.alert.subscriptionId !== parsed.data.subscriptionId) {
    return { ok: false, problem: 'the alert does not match the event’s alertId and subscriptionId' };
  }
  return { ok: true, event: parsed.data as unknown as AlertChangedEvent };
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(event)'} ${issue.message}`).join('; ');
}
