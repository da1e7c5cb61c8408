/**
 * A validating cursor over JSON text that reads only what its caller asks for and steps over the rest without
 * building it: the selective decoder's tokenizer. It accepts exactly the texts `JSON.parse` accepts, or says it
 * cannot tell (`undefined`/`false` from every method): the caller then takes the full path, so a text this cursor
 * misjudges can only cost time, never a different result.
 *
 * What it leaves to the full path on purpose: raw control characters anywhere but in trailing whitespace (pretty
 * printed JSON, and the invalid texts that carry them), escaped object keys, nesting deeper than {@link MAX_DEPTH}.
 */

/** Deeper values are left to `JSON.parse` (the cursor recurses; the API server's objects are far shallower). */
const MAX_DEPTH = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * The run of characters before the first raw control character: JSON allows none inside strings, and only tab, LF
 * and CR between tokens. Compact JSON has none but a final newline.
 */
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTER = /[^\x00-\x1f]*/y;

export class JsonTextScanner {
  /** The position of the next character to read. */
  position = 0;
  /** The next backslash at or after `position` as far as known (text length: none left); escapes are rare. */
  private nextBackslash = -1;
  /** Whether the last string stepped over held an escape. */
  private escaped = false;
  /** Where the text's trailing whitespace starts: the end of the JSON value. */
  private readonly end: number;

  private constructor(readonly text: string) {
    let end = text.length;
    while (end > 0 && isWhitespace(text.charCodeAt(end - 1))) end--;
    this.end = end;
  }

  /** A scanner over the text, or undefined when the text holds control characters before its trailing whitespace. */
  static of(text: string): JsonTextScanner | undefined {
    const scanner = new JsonTextScanner(text);
    // One native pass instead of a check per character of every string.
    NO_CONTROL_CHARACTER.lastIndex = 0;
    NO_CONTROL_CHARACTER.test(text);
    return NO_CONTROL_CHARACTER.lastIndex < scanner.end ? undefined : scanner;
  }

  /** True when only the trailing whitespace is left. */
  atEnd(): boolean {
    return this.position === this.end;
  }

  /** True when the next character is `code` (after whitespace, none in compact text), which is then consumed. */
  take(code: number): boolean {
    if (this.text.charCodeAt(this.position) === code) {
      this.position++;
      return true;
    }
    return false;
  }

  /**
   * After `{` or `,` in an object: the next key, unescaped keys only, with its colon consumed; undefined when the text
   * does not continue with such a key.
   */
  key(): string | undefined {
    if (this.text.charCodeAt(this.position) !== QUOTE) return undefined;
    const start = this.position + 1;
    const close = this.stringEnd(start);
    if (close < 0 || this.escaped) return undefined;
    this.position = close + 1;
    if (!this.take(COLON)) return undefined;
    return this.text.slice(start, close);
  }

  /**
   * After `{` or `,` in an object: the number the table gives the next key (0 for a key it does not hold), with the
   * colon consumed; -1 when the text does not continue with an unescaped key. No string is made for the key.
   */
  keyIn(table: KeyTable): number {
    if (this.text.charCodeAt(this.position) !== QUOTE) return -1;
    const start = this.position + 1;
    const close = this.stringEnd(start);
    if (close < 0 || this.escaped) return -1;
    this.position = close + 1;
    if (!this.take(COLON)) return -1;
    return table.numberOf(this.text, start, close);
  }

  /** After a member: true and consumed on `,`; false on the end of the object, consumed; undefined otherwise. */
  nextMember(closing: number): boolean | undefined {
    const code = this.text.charCodeAt(this.position);
    this.position++;
    if (code === COMMA) return true;
    if (code === closing) return false;
    return undefined;
  }

  /** A string value, unescaped as `JSON.parse` would; undefined when the next value is not a valid string. */
  string(): string | undefined {
    if (this.text.charCodeAt(this.position) !== QUOTE) return undefined;
    const start = this.position;
    const close = this.stringEnd(start + 1);
    if (close < 0) return undefined;
    this.position = close + 1;
    // An escaped string is rare in the fields read: the native parser unescapes it exactly.
    return this.escaped ? (JSON.parse(this.text.slice(start, close + 1)) as string) : this.text.slice(start + 1, close);
  }

  /** A number value as `JSON.parse` reads it; undefined when the next value is not a number. */
  number(): number | undefined {
    const start = this.position;
    if (!this.skipNumber()) return undefined;
    return Number(this.text.slice(start, this.position));
  }

  /** An array of strings; undefined when the next value is anything else. */
  stringArray(): string[] | undefined {
    if (!this.take(OPEN_BRACKET)) return undefined;
    const values: string[] = [];
    if (this.take(CLOSE_BRACKET)) return values;
    for (;;) {
      const value = this.string();
      if (value === undefined) return undefined;
      values.push(value);
      const more = this.nextMember(CLOSE_BRACKET);
      if (more === undefined) return undefined;
      if (!more) return values;
    }
  }

  /** Steps over one valid value of any kind; false when the text is not valid JSON there (or too deep to tell). */
  skipValue(depth = 0): boolean {
    const code = this.text.charCodeAt(this.position);
    if (code === QUOTE) {
      const close = this.stringEnd(this.position + 1);
      if (close < 0) return false;
      this.position = close + 1;
      return true;
    }
    if (code === OPEN_BRACE) return depth < MAX_DEPTH && this.skipObject(depth + 1);
    if (code === OPEN_BRACKET) return depth < MAX_DEPTH && this.skipArray(depth + 1);
    if (code === 0x74 /* t */) return this.literal('true');
    if (code === 0x66 /* f */) return this.literal('false');
    if (code === 0x6e /* n */) return this.literal('null');
    return this.skipNumber();
  }

  private skipObject(depth: number): boolean {
    this.position++;
    this.skipWhitespace();
    if (this.take(CLOSE_BRACE)) return true;
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.position) !== QUOTE) return false;
      const close = this.stringEnd(this.position + 1);
      if (close < 0) return false;
      this.position = close + 1;
      this.skipWhitespace();
      if (!this.take(COLON)) return false;
      this.skipWhitespace();
      if (!this.skipValue(depth)) return false;
      this.skipWhitespace();
      const more = this.nextMember(CLOSE_BRACE);
      if (more === undefined) return false;
      if (!more) return true;
    }
  }

  private skipArray(depth: number): boolean {
    this.position++;
    this.skipWhitespace();
    if (this.take(CLOSE_BRACKET)) return true;
    for (;;) {
      this.skipWhitespace();
      if (!this.skipValue(depth)) return false;
      this.skipWhitespace();
      const more = this.nextMember(CLOSE_BRACKET);
      if (more === undefined) return false;
      if (!more) return true;
    }
  }

  /** Whitespace between tokens: none in the API server's compact output, so one comparison in the usual case. */
  skipWhitespace(): void {
    const { text } = this;
    while (isWhitespace(text.charCodeAt(this.position))) this.position++;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.position)) return false;
    this.position += word.length;
    return true;
  }

  /** JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private skipNumber(): boolean {
    const { text } = this;
    let at = this.position;
    if (text.charCodeAt(at) === MINUS) at++;
    const first = text.charCodeAt(at);
    if (first === DIGIT_0) at++;
    else if (first > DIGIT_0 && first <= DIGIT_9) at = digitsFrom(text, at + 1);
    else return false;
    if (text.charCodeAt(at) === 0x2e /* . */) {
      const after = digitsFrom(text, at + 1);
      if (after === at + 1) return false;
      at = after;
    }
    const exponent = text.charCodeAt(at);
    if (exponent === 0x65 /* e */ || exponent === 0x45 /* E */) {
      at++;
      const sign = text.charCodeAt(at);
      if (sign === 0x2b /* + */ || sign === MINUS) at++;
      const after = digitsFrom(text, at);
      if (after === at) return false;
      at = after;
    }
    this.position = at;
    return true;
  }

  /**
   * The closing quote of the string whose content starts at `start`, with every escape on the way checked; -1 when
   * the string is not closed or holds an invalid escape. Control characters were ruled out for the whole text.
   */
  private stringEnd(start: number): number {
    const { text } = this;
    let at = start;
    this.escaped = false;
    for (;;) {
      const quote = text.indexOf('"', at);
      if (quote < 0) return -1;
      if (this.nextBackslash < at) {
        const backslash = text.indexOf('\\', at);
        this.nextBackslash = backslash < 0 ? text.length : backslash;
      }
      if (this.nextBackslash > quote) return quote;
      // An escape comes first: check it and go on after it.
      const escape = this.nextBackslash;
      this.escaped = true;
      const code = text.charCodeAt(escape + 1);
      if (code === 0x75 /* u */) {
        if (!isHex(text.charCodeAt(escape + 2)) || !isHex(text.charCodeAt(escape + 3)) || !isHex(text.charCodeAt(escape + 4)) || !isHex(text.charCodeAt(escape + 5))) return -1;
        at = escape + 6;
      } else if (code === QUOTE || code === BACKSLASH || code === 0x2f || code === 0x62 || code === 0x66 || code === 0x6e || code === 0x72 || code === 0x74) {
        at = escape + 2;
      } else {
        return -1;
      }
    }
  }
}

/** Names numbered 1..n, looked up by length and first and last character, then compared in place. */
export class KeyTable {
  private readonly entries = new Map<number, { name: string; number: number }>();

  constructor(names: readonly string[]) {
    names.forEach((name, index) => {
      const code = KeyTable.code(name, 0, name.length);
      if (this.entries.has(code)) throw new Error(`key table: ${name} and ${this.entries.get(code)?.name} share a code`);
      this.entries.set(code, { name, number: index + 1 });
    });
  }

  /** The number of the name between `start` and `end` in `text`; 0 when the table does not hold it. */
  numberOf(text: string, start: number, end: number): number {
    const entry = this.entries.get(KeyTable.code(text, start, end));
    return entry !== undefined && text.startsWith(entry.name, start) ? entry.number : 0;
  }

  private static code(text: string, start: number, end: number): number {
    const length = end - start;
    return length === 0 ? 0 : length * 0x10000 + (text.charCodeAt(start) & 0xff) * 0x100 + (text.charCodeAt(end - 1) & 0xff);
  }
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isHex(code: number): boolean {
  return (code >= DIGIT_0 && code <= DIGIT_9) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function digitsFrom(text: string, start: number): number {
  let at = start;
  for (let code = text.charCodeAt(at); code >= DIGIT_0 && code <= DIGIT_9; code = text.charCodeAt(++at));
  return at;
}
