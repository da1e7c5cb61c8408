import { emptyThreatIntelMatcher, type ThreatIntelMatcher } from '../intel/threatIntelMatch';
import { defaultDetectionLists, type DetectionLists } from './allowLists';
import { compilePatternList, type PatternList } from './patternList';

/** What every rule gets besides the event: the named lists, compiled once per configuration. */
export interface DetectionContext {
  readonly lists: { readonly [Name in keyof DetectionLists]: PatternList };
  /**
   * The custom threat-intel sets of the event's subscription, compiled (see shared/intel/threatIntelSet.ts). Empty
   * unless the caller loads them: the pipeline does, per subscription of a batch, when a rule of its library reads
   * them (`readsCustomThreatIntel`); evaluateRules then hands each event the context of its subscription.
   */
  readonly customThreatIntel: ThreatIntelMatcher;
}

export function createDetectionContext(lists: DetectionLists = defaultDetectionLists, customThreatIntel: ThreatIntelMatcher = emptyThreatIntelMatcher): DetectionContext {
  const compiled = Object.fromEntries(
    Object.entries(lists).map(([name, patterns]) => [name, compilePatternList(patterns as readonly string[])]),
  ) as { [Name in keyof DetectionLists]: PatternList };
  return { lists: compiled, customThreatIntel };
}

/** The same context with a subscription's custom threat-intel sets (the compiled lists are shared, not copied). */
export function withCustomThreatIntel(context: DetectionContext, customThreatIntel: ThreatIntelMatcher): DetectionContext {
  return customThreatIntel === context.customThreatIntel ? context : { ...context, customThreatIntel };
}

/** The context with the built-in lists (rules' examples and tests). */
export const defaultDetectionContext: DetectionContext = createDetectionContext();
