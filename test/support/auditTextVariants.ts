import { SeededRandom } from '../../bench/seededRandom';

/**
 * Variants of an audit event's JSON text for the decoders' differential tests: the same event written the ways other
 * writers (and attackers) write it, and broken the ways transport breaks it. Each variant is produced from a seed, so a
 * failing case is reproduced from the seed fast-check prints.
 */

export const TEXT_VARIANTS = [
  'shuffled keys',
  'whitespace',
  'escaped characters',
  'unicode in the fields',
  'duplicated key',
  'truncated',
  'one character changed',
  'control character inserted',
  'field of another type',
  'field removed',
  'value in upper case',
] as const;
export type TextVariant = (typeof TEXT_VARIANTS)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The event's text written as the variant says. */
export function variantText(event: Record<string, unknown>, variant: TextVariant, seed: number): string {
  const choices = new SeededRandom(seed);
  const value = event as Json;
  const text = JSON.stringify(value);
  switch (variant) {
    case 'shuffled keys':
      return write(value, { choices, shuffle: true });
    case 'whitespace':
      return choices.chance(0.3) ? JSON.stringify(value, null, choices.pick([1, 2, '\t'])) : write(value, { choices, spaces: true });
    case 'escaped characters':
      return write(value, { choices, escape: true });
    case 'unicode in the fields':
      return JSON.stringify(withStrings(value, choices));
    case 'duplicated key':
      return write(value, { choices, duplicate: true });
    case 'truncated':
      return text.slice(0, choices.int(0, text.length - 1));
    case 'one character changed': {
      const at = choices.int(0, text.length - 1);
      return text.slice(0, at) + choices.pick(['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', 'e', '-', 'n', 'é', '\uffff', '\ud800']) + text.slice(at + 1);
    }
    case 'control character inserted': {
      const at = choices.int(0, text.length - 1);
      return text.slice(0, at) + String.fromCharCode(choices.int(0, 0x1f)) + text.slice(at);
    }
    case 'field of another type':
      return JSON.stringify(withField(value, choices, () => choices.pick<Json>([null, 0, 1.5, -1, 1e300, 1000, 200.0001, true, '', 'x', [], ['a'], {}, { a: 1 }])));
    case 'field removed':
      return JSON.stringify(withField(value, choices, () => undefined as unknown as Json));
    case 'value in upper case':
      return JSON.stringify(withField(value, choices, (current) => (typeof current === 'string' ? current.toUpperCase() : current)));
  }
}

interface WriteOptions {
  choices: SeededRandom;
  shuffle?: boolean;
  spaces?: boolean;
  escape?: boolean;
  duplicate?: boolean;
}

/** JSON.stringify by hand, with the variant's liberties: key order, spaces, escapes, a key written twice. */
function write(value: Json, options: WriteOptions): string {
  const { choices } = options;
  const space = (): string => (options.spaces === true && choices.chance(0.3) ? choices.pick([' ', '  ', '\t', '\r\n', '\n']) : '');
  if (typeof value === 'string') return options.escape === true ? escapedString(value, choices) : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${space()}${value.map((item) => write(item, options)).join(`${space()},${space()}`)}${space()}]`;
  const keys = Object.keys(value);
  if (options.shuffle === true) keys.sort(() => choices.next() - 0.5);
  // Keys are escaped rarely: an escaped key is legal, but the selective decoder leaves it to the full path.
  const writeKey = (key: string): string => (options.escape === true && choices.chance(0.01) ? escapedString(key, choices) : JSON.stringify(key));
  const members = keys.map((key) => `${space()}${writeKey(key)}${space()}:${space()}${write(value[key] as Json, options)}`);
  if (options.duplicate === true && keys.length > 0 && choices.chance(0.4)) {
    const key = choices.pick(keys);
    const other: Json = choices.pick<Json>([null, 'other', 7, { username: 'mallory' }, ['x'], value[key] as Json]);
    const duplicate = `${JSON.stringify(key)}:${JSON.stringify(other)}`;
    members.splice(choices.int(0, members.length), 0, duplicate);
  }
  return `{${members.join(',')}${space()}}`;
}

/** A string with some of its characters written as JSON escapes (`\u0041`, `\/`), as some encoders do. */
function escapedString(value: string, choices: SeededRandom): string {
  let out = '"';
  for (const character of value) {
    const code = character.charCodeAt(0);
    if (character === '"' || character === '\\' || code < 0x20) out += JSON.stringify(character).slice(1, -1);
    else if (character === '/' && choices.chance(0.5)) out += '\\/';
    else if (choices.chance(0.05)) out += unicodeEscape(character, choices);
    else out += character;
  }
  return `${out}"`;
}

/** `\uXXXX` for every UTF-16 unit of the character, in either case of hex digits. */
function unicodeEscape(character: string, choices: SeededRandom): string {
  let out = '';
  for (let index = 0; index < character.length; index++) {
    const hex = character.charCodeAt(index).toString(16).padStart(4, '0');
    out += `\\u${choices.chance(0.5) ? hex.toUpperCase() : hex}`;
  }
  return out;
}

const odd = ['é', 'ü', '日本', '😀', '\u0000', '\u001f', '\u2028', '\ud800', '\udfff', '"', '\\', '/', '\u200b', 'Ω', 'system:', '%2F', '../'];

/** Unusual characters put into some strings of the event (names, user agents, groups). */
function withStrings(value: Json, choices: SeededRandom): Json {
  if (typeof value === 'string') return choices.chance(0.1) ? `${value}${choices.pick(odd)}` : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withStrings(item, choices));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [choices.chance(0.02) ? `${key}${choices.pick(odd)}` : key, withStrings(item, choices)]));
}

/** The event with one field (at the top or one level down) set to another value, or removed when that is undefined. */
function withField(value: Json, choices: SeededRandom, replacement: (current: Json) => Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy: { [key: string]: Json } = { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0) return copy;
  const key = choices.pick(keys);
  const inner = copy[key];
  if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && choices.chance(0.5)) {
    copy[key] = withField(inner, choices, replacement);
    return copy;
  }
  const next = replacement(inner as Json);
  if (next === undefined) delete copy[key];
  else copy[key] = next;
  return copy;
}
