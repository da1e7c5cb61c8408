import { isAuditEventLike } from '../kubernetes/normalizeAuditEvent';

/**
 * What the audit webhook accepts in a body, read just deeply enough to forward it: an `audit.k8s.io`
 * `EventList` (what an API server's webhook backend POSTs in batch mode), one audit `Event`, or a JSON
 * array of events. The events themselves are not validated here: the pipeline does that and
 * dead-letters what it cannot use. Pure.
 */

/** The largest body the webhook reads; the API server's default batch (400 events) is far smaller. */
export const MAX_WEBHOOK_BODY_IN_BYTES = 8 * 1024 * 1024;

export type WebhookPayloadParsing = { ok: true; events: Record<string, unknown>[] } | { ok: false; message: string };

const EXPECTED = 'an audit.k8s.io/v1 EventList, one audit Event, or a JSON array of audit events';

/** Reads the body text; `message` starts with the field that is wrong (`body`, `kind`, `items`, `items[3]`). */
export function parseAuditWebhookPayload(text: string): WebhookPayloadParsing {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, message: `body must be valid JSON: ${EXPECTED}.` };
  }
  if (Array.isArray(json)) return objectsOf(json, 'body');
  if (typeof json !== 'object' || json === null) return { ok: false, message: `body must be ${EXPECTED}.` };

  const object = json as Record<string, unknown>;
  if (object.kind === 'EventList') {
    // Go writes an empty slice as null.
    if (object.items === null) return { ok: true, events: [] };
    if (!Array.isArray(object.items)) return { ok: false, message: 'items must be an array of audit events.' };
    return objectsOf(object.items, 'items');
  }
  if (isAuditEventLike(object)) return { ok: true, events: [object] };
  return { ok: false, message: `kind must be EventList (or the body ${EXPECTED}).` };
}

function objectsOf(values: readonly unknown[], field: string): WebhookPayloadParsing {
  const index = values.findIndex((value) => typeof value !== 'object' || value === null || Array.isArray(value));
  if (index >= 0) return { ok: false, message: `${field}[${index}] must be a JSON object (an audit event).` };
  return { ok: true, events: values as Record<string, unknown>[] };
}
