import { defaultDetectionLists, type DetectionLists } from './allowLists';
import { compilePatternList, type PatternList } from './patternList';

/** What every rule gets besides the event: the named lists, compiled once per configuration. */
export interface DetectionContext {
  readonly lists: { readonly [Name in keyof DetectionLists]: PatternList };
}

export function createDetectionContext(lists: DetectionLists = defaultDetectionLists): DetectionContext {
  const compiled = Object.fromEntries(
    Object.entries(lists).map(([name, patterns]) => [name, compilePatternList(patterns as readonly string[])]),
  ) as { [Name in keyof DetectionLists]: PatternList };
  return { lists: compiled };
}

/** The context with the built-in lists (rules' examples and tests). */
export const defaultDetectionContext: DetectionContext = createDetectionContext();
