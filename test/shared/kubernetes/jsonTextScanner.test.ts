import fc from 'fast-check';
import { JsonTextScanner, KeyTable } from '../../../shared/kubernetes/jsonTextScanner';

/** The scanner's verdict on a whole text: true valid, false invalid, undefined when it leaves the text to JSON.parse. */
function verdict(text: string): boolean | undefined {
  const scanner = JsonTextScanner.of(text);
  if (scanner === undefined) return undefined;
  scanner.skipWhitespace();
  return scanner.skipValue() && scanner.atEnd();
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const RUNS = process.env.FUZZ_DECODER_RUNS === undefined ? 1000 : 10 * Number(process.env.FUZZ_DECODER_RUNS);
const SEED = process.env.FUZZ_DECODER_SEED !== undefined ? Number(process.env.FUZZ_DECODER_SEED) : process.env.FUZZ_DECODER_RUNS === undefined ? 20261204 : Date.now() % 2 ** 31;

/** Texts near JSON: real JSON (any unicode), and the same with one character replaced, inserted or the end cut. */
const nearJson = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', '.', 'e', 'E', '+', 't', 'n', 'u', '\u0001', '\n', 'é', '\ud800')).map(
    ([text, at, character]) => {
      const position = at % (text.length + 1);
      return text.slice(0, position) + character + text.slice(position + 1);
    },
  ),
  fc.tuple(fc.json({ maxDepth: 4 }), fc.nat()).map(([text, at]) => text.slice(0, at % (text.length + 1))),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('JsonTextScanner', () => {
  test('when any text near JSON is scanned, then a verdict it gives is JSON.parse’s verdict', () => {
    let left = 0;
    fc.assert(
      fc.property(nearJson, (text) => {
        const scanned = verdict(text);
        if (scanned === undefined) left++;
        else expect(scanned).toBe(parses(text));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (process.env.FUZZ_DECODER_RUNS !== undefined) console.log(`fuzz:decoder: ${RUNS} near-JSON texts scanned, ${RUNS - left} judged (as JSON.parse judges), ${left} left to JSON.parse`);
  });

  test.each([
    ['{"a":"\\u00e9\\n\\/\\"\\\\"}', true],
    ['{"a":"\\x41"}', false],
    ['{"a":"\\u12G4"}', false],
    ['[1,2,]', false],
    ['{"a":1,}', false],
    ['-01', false],
    ['1.', false],
    ['1e', false],
    ['-0.5e+10', true],
    ['[true,false,null]', true],
    ['[tru]', false],
    ['{"a" : [ 1 , { } ] }\n', true],
    ['"unterminated', false],
    ['{"a":1}{"b":2}', false],
  ])('when %s is scanned, then it is judged valid: %s', (text, valid) => {
    expect(verdict(text)).toBe(valid);
    expect(parses(text)).toBe(valid);
  });

  test('when a text holds a raw control character before its end, then the scanner leaves it to JSON.parse', () => {
    expect(JsonTextScanner.of('{"a":"x\u0001"}')).toBeUndefined();
    expect(JsonTextScanner.of('{\n"a":1}')).toBeUndefined();
    expect(JsonTextScanner.of('{"a":1}\n')).toBeDefined();
  });

  test('when a value nests deeper than the scanner follows, then it gives no verdict of valid', () => {
    const deep = `${'['.repeat(300)}${']'.repeat(300)}`;
    expect(parses(deep)).toBe(true);
    expect(verdict(deep)).toBe(false);
  });

  test('when keys are looked up in a key table, then known keys get their number and others 0, without a string made', () => {
    const table = new KeyTable(['verb', 'user', 'kind']);
    const scanner = JsonTextScanner.of('{"user":1,"verb":2,"vexb":3,"kind":4,"k\\u0069nd":5}') as JsonTextScanner;
    expect(scanner.take(0x7b)).toBe(true);
    const numbers: number[] = [];
    for (;;) {
      const number = scanner.keyIn(table);
      numbers.push(number);
      if (number < 0 || !scanner.skipValue() || scanner.nextMember(0x7d) !== true) break;
    }
    // The escaped key is refused (-1): the caller takes the full path.
    expect(numbers).toEqual([2, 1, 0, 3, -1]);
  });

  test('when two names of a key table share length, first and last character, then building it fails', () => {
    expect(() => new KeyTable(['stage', 'state'])).toThrow(/share a code/);
  });
});
