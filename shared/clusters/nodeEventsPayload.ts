import { type WebhookPayloadParsing } from './auditWebhookPayload';

/**
 * What the node webhook accepts in a body, read just deeply enough to forward it: NDJSON (one event per
 * line, what Tetragon's JSON export writes and log shippers send as `json_lines`), a JSON array of events,
 * or one event (falcosidekick's webhook output POSTs one alert per request). The events are Tetragon
 * `GetEventsResponse` objects or falcosidekick alerts; they are not validated here: the pipeline does that
 * and dead-letters what it cannot use. Pure.
 */

const EXPECTED = 'NDJSON, a JSON array or one JSON object of node events (Tetragon GetEventsResponse objects or falcosidekick alerts)';
const EVENT = 'a Tetragon event or a Falco alert';

/** Reads the body text; `message` starts with what is wrong (`body`, `body[2]`, `line 3`). */
export function parseNodeEventsPayload(text: string): WebhookPayloadParsing {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.trimStart();
  if (start === '') return { ok: false, message: `body must not be empty: ${EXPECTED}.` };

  // One JSON document (an array, or one object even when pretty-printed over several lines); else NDJSON.
  const whole = parseJson(body);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return arrayElements(whole.value);
    if (isJsonObject(whole.value)) return { ok: true, events: [whole.value] };
    return { ok: false, message: `body must be ${EXPECTED}.` };
  }
  // No NDJSON line may be an array: a body opening one is a broken JSON array.
  if (start.startsWith('[')) return { ok: false, message: `body must be valid JSON: ${EXPECTED}.` };
  return ndjsonLines(body);
}

function arrayElements(values: readonly unknown[]): WebhookPayloadParsing {
  const index = values.findIndex((value) => !isJsonObject(value));
  if (index >= 0) return { ok: false, message: `body[${index}] must be a JSON object (${EVENT}).` };
  return { ok: true, events: values as Record<string, unknown>[] };
}

function ndjsonLines(body: string): WebhookPayloadParsing {
  const events: Record<string, unknown>[] = [];
  const lines = body.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue; // blank lines (and the final newline) carry no event
    const parsed = parseJson(line);
    // Numbered from 1, counting blank lines, as an editor shows them.
    if (!parsed.ok) return { ok: false, message: `line ${index + 1} must be a JSON object (${EVENT}); it is not valid JSON.` };
    if (!isJsonObject(parsed.value)) return { ok: false, message: `line ${index + 1} must be a JSON object (${EVENT}).` };
    events.push(parsed.value);
  }
  return { ok: true, events };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
