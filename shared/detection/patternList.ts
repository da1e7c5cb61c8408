/**
 * A list of case-insensitive glob patterns (`*` matches any run of characters, including none),
 * compiled once: exact entries go to a set, wildcard entries to one regular expression.
 */
export interface PatternList {
  readonly patterns: readonly string[];
  matches(value: string | undefined): boolean;
  /** The first pattern that matches, for explaining an alert. */
  find(value: string | undefined): string | undefined;
}

export function compilePatternList(patterns: readonly string[]): PatternList {
  const exact = new Set<string>();
  const wildcard: { pattern: string; regex: RegExp }[] = [];
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    if (lower.includes('*')) wildcard.push({ pattern, regex: new RegExp(`^${lower.split('*').map(escapeRegex).join('.*')}$`, 's') });
    else exact.add(lower);
  }
  const combined = wildcard.length === 0 ? undefined : new RegExp(wildcard.map((w) => `(?:${w.regex.source})`).join('|'), 's');
  const find = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (exact.has(lower)) return patterns.find((p) => p.toLowerCase() === lower);
    if (combined === undefined || !combined.test(lower)) return undefined;
    return wildcard.find((w) => w.regex.test(lower))?.pattern;
  };
  return {
    patterns,
    find,
    matches: (value) => {
      if (value === undefined) return false;
      const lower = value.toLowerCase();
      return exact.has(lower) || (combined?.test(lower) ?? false);
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
