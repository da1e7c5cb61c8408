import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AuditRule } from '../../shared/detection/rule';
import { allRules } from '../../shared/detection/rules/index';

/**
 * Audit events as JSON values from everything the repository holds: every rule's examples and timelines, and every
 * fixture of the benign baseline and of the trimmed forms, for the decoders' differential and property tests.
 */

const auditRules = allRules.filter((rule): rule is AuditRule => rule.source === 'audit');

/** Every audit event the rule library carries: examples and timelines (the alerting, the benign and the edge cases). */
export const ruleEvents: Record<string, unknown>[] = auditRules.flatMap((rule) => [...rule.examples.map((example) => example.event), ...(rule.timelines ?? []).flatMap((timeline) => timeline.events)]);

const fixtureDirectories = [path.join(__dirname, '../fixtures/benign'), path.join(__dirname, '../fixtures/trimmed')];
export const fixtureFiles = fixtureDirectories.flatMap((directory) =>
  readdirSync(directory)
    .filter((file) => /\.(json|ndjson|txt|gz)$/.test(file) && file !== 'knownFalsePositives.json')
    .map((file) => path.join(directory, file)),
);

/** The audit events of a fixture as JSON values, whatever its form (single event, EventList, NDJSON, diagnostic records). */
function fixtureEvents(file: string): Record<string, unknown>[] {
  if (file.endsWith('.gz') || file.endsWith('.txt')) return [];
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const values: unknown[] = [];
  try {
    values.push(JSON.parse(text));
  } catch {
    for (const line of text.split('\n')) if (line.trim() !== '') values.push(JSON.parse(line));
  }
  const events: Record<string, unknown>[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value !== 'object' || value === null) return;
    else {
      const object = value as Record<string, unknown>;
      if (Array.isArray(object.records)) object.records.forEach(visit);
      else if (Array.isArray(object.items)) object.items.forEach(visit);
      else if (typeof (object.properties as { log?: unknown } | undefined)?.log === 'string') visit(parsedOrUndefined((object.properties as { log: string }).log));
      else if ('auditID' in object || 'verb' in object) events.push(object);
    }
  };
  values.forEach(visit);
  return events;
}

export const fixtureEventPool = fixtureFiles.flatMap(fixtureEvents);

/** A diagnostic record's log: an audit event, or klog text (`I0311 02:04:...`) that is none. */
function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
