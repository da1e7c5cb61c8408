/**
 * A list of case-insensitive glob patterns (`*` matches any run of characters, including none),
 * compiled once. Rules test every request against some of these lists, so the common shapes skip
 * regular expressions: exact entries go to a set; `abc*`, `*abc` and `*abc*` become one combined
 * regular expression of escaped literals; other globs (`a*b*c`) are matched piece by piece with
 * string searches. The lists come from configuration: a glob never becomes `a.*b.*c`, whose
 * backtracking grows with the power of its stars (test/shared/redos.test.ts).
 */
export interface PatternList {
  readonly patterns: readonly string[];
  matches(value: string | undefined): boolean;
  /** The first pattern that matches, for explaining an alert. */
  find(value: string | undefined): string | undefined;
}

interface LiteralPattern {
  pattern: string;
  literal: string;
}

export function compilePatternList(patterns: readonly string[]): PatternList {
  const exact = new Map<string, string>();
  const prefixes: LiteralPattern[] = [];
  const suffixes: LiteralPattern[] = [];
  const substrings: LiteralPattern[] = [];
  const globs: { pattern: string; pieces: readonly string[] }[] = [];
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    const inner = lower.slice(1, -1);
    if (!lower.includes('*')) {
      if (!exact.has(lower)) exact.set(lower, pattern);
    } else if (lower.length > 2 && lower.startsWith('*') && lower.endsWith('*') && !inner.includes('*')) {
      substrings.push({ pattern, literal: inner });
    } else if (lower.endsWith('*') && lower.indexOf('*') === lower.length - 1) {
      prefixes.push({ pattern, literal: lower.slice(0, -1) });
    } else if (lower.startsWith('*') && lower.lastIndexOf('*') === 0) {
      suffixes.push({ pattern, literal: lower.slice(1) });
    } else {
      globs.push({ pattern, pieces: lower.split('*') });
    }
  }
  // One case-insensitive expression answers `matches` for every prefix, suffix and substring pattern in a single pass.
  const alternatives = [
    ...prefixes.map((p) => `^${escapeRegex(p.literal)}`),
    ...suffixes.map((p) => `${escapeRegex(p.literal)}$`),
    ...substrings.map((p) => escapeRegex(p.literal)),
  ];
  const combined = alternatives.length === 0 ? undefined : new RegExp(alternatives.map((a) => `(?:${a})`).join('|'), 'is');

  const test = (value: string): boolean =>
    (exact.size > 0 && exact.has(value.toLowerCase())) ||
    (combined?.test(value) ?? false) ||
    (globs.length > 0 && matchingGlob(globs, value.toLowerCase()) !== undefined);
  // The values tested (user agents, user names, images) repeat across a cluster's traffic: recent answers for short
  // values are remembered (bounded in count and length; forgotten whole when full).
  const answers = new Map<string, boolean>();
  const matches = (value: string | undefined): boolean => {
    if (value === undefined) return false;
    if (value.length > REMEMBERED_LENGTH) return test(value);
    const known = answers.get(value);
    if (known !== undefined) return known;
    const answer = test(value);
    if (answers.size >= REMEMBERED_ANSWERS) answers.clear();
    answers.set(value, answer);
    return answer;
  };
  // Rules often call `find` on values that match nothing: the single expression answers those.
  const find = (value: string | undefined): string | undefined => {
    if (value === undefined || !matches(value)) return undefined;
    const lower = value.toLowerCase();
    const hit =
      exact.get(lower) ??
      prefixes.find((p) => lower.startsWith(p.literal))?.pattern ??
      suffixes.find((p) => lower.endsWith(p.literal))?.pattern ??
      substrings.find((p) => lower.includes(p.literal))?.pattern;
    return hit ?? matchingGlob(globs, lower);
  };
  return { patterns, find, matches };
}

const REMEMBERED_ANSWERS = 2_048;
const REMEMBERED_LENGTH = 512;

/** The first glob that matches the (lower-case) value. */
function matchingGlob(globs: readonly { pattern: string; pieces: readonly string[] }[], lower: string): string | undefined {
  return globs.find((glob) => globMatches(glob.pieces, lower))?.pattern;
}

/**
 * Whether `value` matches the glob split at its stars (`a*b*c` -> `['a', 'b', 'c']`, at least two pieces): it starts
 * with the first piece, ends with the last, and holds the middle ones in order between them. Taking each middle piece
 * at its first occurrence is never wrong (it leaves the most room for the rest), so there is no backtracking: time
 * grows with the value's length times the number of pieces.
 */
function globMatches(pieces: readonly string[], value: string): boolean {
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let at = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = value.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
