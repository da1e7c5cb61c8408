import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { TEXT_VARIANTS, variantText } from './auditTextVariants';

/**
 * Arbitrary inputs for the fuzz properties (test/fuzz/): what a decoder or a handler can be given, from noise to
 * near-valid. Near-valid inputs start from real ones (fixtures, catalogue examples) and break them the ways transport,
 * pipelines and attackers break them; pathological ones aim at the parser itself (deep nesting, long runs, odd code
 * units). Everything is drawn by fast-check, so a failure is replayed from the seed and path it prints.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Inputs stay under this many characters: the bound the time limits are stated for. */
export const MAX_INPUT_IN_CHARS = 64 * 1024;

/** Odd strings: empty, whitespace, control characters, lone surrogates, a BOM, huge numbers, JSON-looking fragments. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\n', '\r\n', '\t', '\u0000', '\ufeff', '\ud800', '\udfff', '\uffff', 'null', 'true', '[]', '{}', '"', '\\', '{"', '[{', '1e309', '-0', '__proto__', 'constructor', 'toString', 'H4sI', 'H4sIAAAA'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,60}$/),
);

/** JSON values with odd strings, keys and numbers in them. */
export const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }) as fc.Arbitrary<Json>;

/** Pathological texts: deep nesting of arrays and objects, long runs, many keys, many lines. */
export const pathologicalText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 30_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 30_000 }).map((depth) => '['.repeat(depth)),
  fc.integer({ min: 1, max: 10_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.integer({ min: 1, max: 10_000 }).map((depth) => '{"records":'.repeat(depth) + '[]' + '}'.repeat(depth)),
  fc.integer({ min: 1, max: 10_000 }).map((depth) => '{"items":['.repeat(depth) + ']}'.repeat(depth)),
  fc.integer({ min: 1, max: 60_000 }).map((length) => `"${'\\u0000'.repeat(Math.floor(length / 6))}"`),
  fc.integer({ min: 1, max: 60_000 }).map((length) => ' '.repeat(length) + '{}'),
  fc.integer({ min: 1, max: 30_000 }).map((lines) => '\n'.repeat(lines)),
  fc.integer({ min: 1, max: 6_000 }).map((lines) => '{}\n'.repeat(lines)),
  fc.integer({ min: 1, max: 3_000 }).map((keys) => `{${Array.from({ length: keys }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc.integer({ min: 1, max: 60_000 }).map((length) => '9'.repeat(length)),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => '"'.repeat(depth)),
);

/** Replaces, removes or retypes one node of a JSON value (the `at`-th node in document order). */
export function mutateJson(value: Json, at: number, replacement: Json | undefined): Json {
  let counter = 0;
  const visit = (node: Json): Json | undefined => {
    if (counter++ === at) return replacement;
    if (Array.isArray(node)) {
      const items: Json[] = [];
      for (const item of node) {
        const next = visit(item);
        if (next !== undefined) items.push(next);
      }
      return items;
    }
    if (node !== null && typeof node === 'object') {
      const object: { [key: string]: Json } = {};
      for (const [key, member] of Object.entries(node)) {
        const next = visit(member);
        if (next !== undefined) object[key] = next;
      }
      return object;
    }
    return node;
  };
  return visit(value) ?? null;
}

/** A JSON value broken at one or more nodes: a field replaced by any JSON value, removed, or set to an odd string. */
export function mutatedJson(seeds: readonly Json[]): fc.Arbitrary<Json> {
  const replacement = fc.oneof(anyJson, oddString, fc.constant(undefined), fc.constantFrom<Json>(null, 0, -1, 1.5, 1e308, true, [], {}, '', 'x'));
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(400), replacement), { minLength: 1, maxLength: 3 }))
    .map(([seed, edits]) => edits.reduce<Json>((value, [at, next]) => mutateJson(value, at, next), seed));
}

/** A text broken the ways transport breaks it: cut, spliced with noise, a character removed or doubled. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), oddString, fc.constantFrom('cut', 'splice', 'drop', 'double', 'insert'))
    .map(([text, a, b, noise, how]) => {
      const at = text.length === 0 ? 0 : a % text.length;
      const to = Math.min(text.length, at + (b % 64));
      switch (how) {
        case 'cut':
          return text.slice(0, at);
        case 'splice':
          return text.slice(0, at) + noise + text.slice(to);
        case 'drop':
          return text.slice(0, at) + text.slice(at + 1);
        case 'double':
          return text.slice(0, to) + text.slice(at, to) + text.slice(to);
        case 'insert':
          return text.slice(0, at) + noise + text.slice(at);
      }
    });
}

/** An object's JSON text written the ways other writers and transports write it (see auditTextVariants). */
export function variantTexts(seeds: readonly Record<string, unknown>[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.constantFrom(...TEXT_VARIANTS), fc.integer()).map(([seed, variant, choice]) => variantText(seed, variant, choice));
}

/** Text as bytes: UTF-8, gzip of it, or raw bytes. */
export function asBytes(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    text.map((t) => new Uint8Array(Buffer.from(t, 'utf8'))),
    text.map((t) => new Uint8Array(gzipSync(t))),
    fc.uint8Array({ maxLength: 256 }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => new Uint8Array([0x1f, 0x8b, ...bytes])),
  );
}

/** Under the input bound (a longer generated input is cut: the properties are stated for inputs up to MAX_INPUT_IN_CHARS). */
export function bounded(text: string): string {
  return text.length > MAX_INPUT_IN_CHARS ? text.slice(0, MAX_INPUT_IN_CHARS) : text;
}
