import { LineCounter, parseAllDocuments } from 'yaml';
import { asArray, asObject, asString, type JsonObject } from '../kubernetes/jsonValues';

/**
 * Reads manifest text into Kubernetes objects, pure (the caller reads the file): multi-document YAML (`---`
 * separators, comments, empty documents, Helm's rendered output with its `# Source:` comments), JSON, JSON arrays,
 * and `kubectl get ... -o json` lists (`kind: List` or `<Kind>List` with `items`). What cannot be parsed is a
 * problem with its document and line; the other documents are still read.
 */

/** One Kubernetes object found in the text. */
export interface ManifestItem {
  object: JsonObject;
  /** The document's number in the text, from 1 (JSON text is one document). */
  document: number;
  /** The line (from 1) where the object starts, when known. */
  line?: number;
  /** The item's index in a list (a JSON array or a `*List`'s `items`). */
  item?: number;
  /** Helm's `# Source: <chart>/templates/<file>` comment of the document, when present. */
  helmSource?: string;
}

/** A document that could not be read. */
export interface ManifestProblem {
  document: number;
  line?: number;
  message: string;
}

/** Something read that is not a Kubernetes object (a Helm values file, a scalar), skipped and said. */
export interface SkippedManifestItem {
  document: number;
  line?: number;
  item?: number;
  reason: string;
}

export interface ManifestReadResult {
  items: ManifestItem[];
  problems: ManifestProblem[];
  skipped: SkippedManifestItem[];
}

/** The most list nesting followed (a List of Lists of ...): deeper is skipped, not recursed into. */
const MAX_LIST_DEPTH = 4;
/** The problems reported per document: the first ones say what is wrong; thousands (a run of quotes) say nothing more. */
const MAX_PROBLEMS_PER_DOCUMENT = 20;

export function readWorkloadManifests(text: string): ManifestReadResult {
  const source = text.replace(/^\uFEFF/, '');
  const result: ManifestReadResult = { items: [], problems: [], skipped: [] };
  const trimmed = source.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const json = parseJson(source);
    if (json.ok) {
      collect(json.value, { document: 1, line: 1 + countLines(source.slice(0, source.length - trimmed.length)) }, result, 0);
      return result;
    }
    // Not valid JSON: the YAML parser reads JSON too and says where it breaks.
  }
  const lineCounter = new LineCounter();
  // Without pretty errors: each pretty error re-reads the text for its excerpt, which made thousands of errors
  // (a run of `"`) quadratic. The line of each problem reported is read from the line counter instead.
  const documents = parseAllDocuments(source, { lineCounter, prettyErrors: false });
  let number = 0;
  for (const document of documents) {
    number++;
    const start = document.contents?.range[0] ?? document.range[0];
    const line = lineCounter.linePos(start).line;
    if (document.errors.length > 0) {
      for (const error of document.errors.slice(0, MAX_PROBLEMS_PER_DOCUMENT)) {
        result.problems.push({ document: number, line: lineCounter.linePos(error.pos[0]).line, message: firstLine(error.message) });
      }
      const more = document.errors.length - MAX_PROBLEMS_PER_DOCUMENT;
      if (more > 0) result.problems.push({ document: number, message: `${more} more problems in this document` });
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      result.problems.push({ document: number, line, message: error instanceof Error ? firstLine(error.message) : String(error) });
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document (`---` with comments only)
    const helmSource = /^#\s*Source:\s*(\S(?:.*\S)?)\s*$/m.exec(source.slice(document.range[0], start))?.[1];
    collect(value, { document: number, line, ...(helmSource === undefined ? {} : { helmSource }) }, result, 0);
  }
  return result;
}

interface Place {
  document: number;
  line?: number;
  item?: number;
  helmSource?: string;
}

function collect(value: unknown, place: Place, result: ManifestReadResult, depth: number): void {
  if (Array.isArray(value)) {
    if (depth >= MAX_LIST_DEPTH) return skip(result, place, 'lists nested too deep');
    value.forEach((entry, index) => collect(entry, { ...place, item: index }, result, depth + 1));
    return;
  }
  const object = asObject(value);
  if (object === undefined) return skip(result, place, `not an object (${value === null ? 'null' : typeof value})`);
  const kind = asString(object['kind']);
  if (kind === undefined) return skip(result, place, 'no kind (not a Kubernetes object)');
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(object['items']))) {
    if (depth >= MAX_LIST_DEPTH) return skip(result, place, 'lists nested too deep');
    asArray(object['items']).forEach((entry, index) => collect(entry, { ...place, item: index }, result, depth + 1));
    return;
  }
  result.items.push({ object, ...place });
}

function skip(result: ManifestReadResult, place: Place, reason: string): void {
  result.skipped.push({ document: place.document, ...(place.line === undefined ? {} : { line: place.line }), ...(place.item === undefined ? {} : { item: place.item }), reason });
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function countLines(text: string): number {
  return text.split('\n').length - 1;
}

/** A parser message without its pretty-printed excerpt and position (the line is reported on its own). */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}
