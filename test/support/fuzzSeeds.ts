import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { auditRules, nodeRules } from '../../shared/detection/rules';
import { aksMessage, diagnosticRecord } from './auditMessages';
import { type Json, MAX_INPUT_IN_CHARS } from './fuzzInputs';

/**
 * Real inputs the fuzz properties start from: the fixtures (AKS messages, EventLists, NDJSON blobs, the trimmed and
 * exported shapes, Tetragon and Falco exports, cluster ARM JSON, manifests) and the catalogue's examples, each under
 * MAX_INPUT_IN_CHARS.
 */

const FIXTURES = join(__dirname, '..', 'fixtures');

function fixtureText(...path: string[]): string {
  return readFileSync(join(FIXTURES, ...path), 'utf8');
}

/** The first `count` lines of an NDJSON fixture. */
function firstLines(text: string, count: number): string {
  return text.split('\n').slice(0, count).join('\n');
}

function small<T>(values: readonly T[], size: (value: T) => number): T[] {
  return values.filter((value) => size(value) <= MAX_INPUT_IN_CHARS);
}

const textSize = (text: string): number => text.length;
const jsonSize = (value: unknown): number => JSON.stringify(value).length;

/** Raw audit events: every audit rule's examples and the single-event fixture. */
export function auditEventSeeds(): Record<string, unknown>[] {
  const examples = auditRules.flatMap((rule) => rule.examples.map((example) => example.event));
  return small([JSON.parse(fixtureText('benign', 'single-event.json')) as Record<string, unknown>, ...examples], jsonSize);
}

/** Whole audit inputs as JSON values: AKS messages (a few records), EventLists, arrays of events. */
export function auditValueSeeds(): Json[] {
  const aks = JSON.parse(fixtureText('benign', 'aks-eventhub-message.json')) as { records: Json[] };
  const webhook = JSON.parse(fixtureText('benign', 'webhook-eventlist.json')) as { items: Json[] } & Record<string, Json>;
  const events = auditEventSeeds() as Json[];
  return small<Json>(
    [
      { records: aks.records.slice(0, 3) },
      { ...webhook, items: webhook.items.slice(0, 3) },
      aksMessage(events.slice(0, 3).map((event) => diagnosticRecord(event as Record<string, unknown>))) as Json,
      events.slice(0, 4),
      ...events.slice(0, 8),
    ],
    jsonSize,
  );
}

/** Whole audit inputs as text: NDJSON blobs, the trimmed and exported shapes (CloudWatch, Elastic, Splunk, ...). */
export function auditTextSeeds(): string[] {
  const trimmed = readdirSync(join(FIXTURES, 'trimmed')).filter((file) => /\.(ndjson|json|txt)$/.test(file));
  return small(
    [
      firstLines(fixtureText('benign', 'storage-blob-PT1H.json'), 4),
      firstLines(fixtureText('benign', 'audit-log.ndjson'), 4),
      ...trimmed.map((file) => fixtureText('trimmed', file)),
    ],
    textSize,
  );
}

/** Raw node events: every node rule's examples (Tetragon and falcosidekick). */
export function nodeEventSeeds(): Record<string, unknown>[] {
  return small(
    nodeRules.flatMap((rule) => rule.examples.map((example) => example.event)),
    jsonSize,
  );
}

/** Node inputs as text: the Tetragon and Falco fixtures and exports. */
export function nodeTextSeeds(): string[] {
  const node = readdirSync(join(FIXTURES, 'node')).filter((file) => /\.(ndjson|json|jsonl)$/.test(file));
  const scan = readdirSync(join(FIXTURES, 'node-scan'));
  return small(
    [
      ...node.map((file) => fixtureText('node', file)),
      ...scan.map((file) => fixtureText('node-scan', file)),
      firstLines(fixtureText('node-benign', 'aks-shop-prod-vmss000000.tetragon.ndjson'), 6),
    ],
    textSize,
  );
}

/** Cluster ARM JSON texts: ARM GET and list bodies, `az aks show`, Resource Graph, spec examples. */
export function clusterTextSeeds(): string[] {
  return readdirSync(join(FIXTURES, 'clusters'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => fixtureText('clusters', file));
}

/** Manifest texts: YAML (multi-document, Helm), JSON lists, a broken file. */
export function manifestTextSeeds(): string[] {
  return [
    ...readdirSync(join(FIXTURES, 'manifests', 'valid'))
      .filter((file) => /\.(ya?ml|json)$/.test(file))
      .map((file) => fixtureText('manifests', 'valid', file)),
    fixtureText('manifests', 'broken', 'broken.yaml'),
  ];
}

/** A diagnostic record around any value, as AKS writes one: the value's JSON (or the text itself) in `properties.log`. */
export function diagnosticRecordOf(event: Json): Json {
  return diagnosticRecord(typeof event === 'string' ? event : JSON.stringify(event)) as Json;
}
