import { NodeEventType, type NodeRecord } from '../node/nodeEvent';
import { type ThreatIntelMatcher } from '../intel/threatIntelMatch';
import { type DetectionContext, defaultDetectionContext, withCustomThreatIntel } from './detectionContext';
import { type DetectionRecord, evidenceIdOf, isNodeRecord } from './detectionRecord';
import { type Finding } from './finding';
import { type AuditRule, type NodeRule, type Rule } from './rule';
import { type StatefulCandidate, statefulCandidateOf } from './stateful/statefulCandidate';
import { type StatefulLogic } from './stateful/statefulLogic';

export interface EvaluateRulesOptions {
  rules: readonly Rule[];
  context?: DetectionContext;
  /**
   * The custom threat-intel sets of a subscription, compiled: each record is then judged with its subscription's
   * sets as `context.customThreatIntel`. Default: the context's own (none).
   */
  customThreatIntelOf?: (subscriptionId: string) => ThreatIntelMatcher;
}

/** A rule that threw on an event: the event and the rest of the batch are still evaluated. */
export interface RuleFailure {
  ruleId: string;
  /** The audit id or node event id. */
  auditId: string;
  message: string;
}

export interface EvaluationStats {
  /** Records given to the engine. */
  events: number;
  /**
   * Records skipped because the same event was already seen in the batch: the same request at the same stage
   * (kube-audit and kube-audit-admin both streamed), or the same node event twice (two shippers).
   */
  duplicateEvents: number;
  findings: number;
  findingsByRule: Record<string, number>;
  ruleFailures: number;
}

export interface EvaluationResult {
  findings: Finding[];
  /** What stateful rules watched: findings only once their state says so (`applyStatefulRules`). */
  candidates: StatefulCandidate[];
  stats: EvaluationStats;
  failures: RuleFailure[];
}

/**
 * Runs every rule over a batch of records of any signal: audit records meet the audit rules of their stage
 * and resource, node records the node rules of their event type. Pure: no I/O, no clock. A rule that throws
 * is isolated (reported in `failures` with its id and the event id) and never stops the batch. Each audit
 * request is counted once per rule even when it appears at several stages (exec streams log
 * `ResponseStarted`, then maybe `ResponseComplete`). A Falco alert raises the node rules that name its
 * Falco rule among their equivalents (the sensor has judged it), and otherwise the rules that take every
 * Falco alert.
 */
export function evaluateRules(records: readonly DetectionRecord[], options: EvaluateRulesOptions): EvaluationResult {
  const baseContext = options.context ?? defaultDetectionContext;
  const { customThreatIntelOf } = options;
  const contexts = new Map<string, DetectionContext>();
  const contextOf = (record: DetectionRecord): DetectionContext => {
    if (customThreatIntelOf === undefined) return baseContext;
    const { subscriptionId } = record.cluster;
    let context = contexts.get(subscriptionId);
    if (context === undefined) {
      context = withCustomThreatIntel(baseContext, customThreatIntelOf(subscriptionId));
      contexts.set(subscriptionId, context);
    }
    return context;
  };
  const index = indexOf(options.rules);
  const findings: Finding[] = [];
  const candidates: StatefulCandidate[] = [];
  const failures: RuleFailure[] = [];
  const findingsByRule: Record<string, number> = {};
  const seenEvents = new Map<string, DetectionRecord | DetectionRecord[]>();
  const matchedRequests: MatchedRequests = new Map();
  let duplicateEvents = 0;

  // Most evaluations do not match, so a rule that does not match must allocate nothing: the finding is made apart
  // (a closure over `evaluate`'s own parameters would cost a context on each of some 20 calls per event).
  const evaluate = <Event>(rule: Rule, record: DetectionRecord, event: Event, context: DetectionContext, judged: boolean): void => {
    let matched: boolean;
    try {
      matched = judged || (rule as unknown as RuleLogicOf<Event>).match(event, context);
    } catch (error) {
      failures.push(failureOf(rule, record, error));
      return;
    }
    if (matched) accept(rule, record, event, context);
  };

  const accept = <Event>(rule: Rule, record: DetectionRecord, event: Event, context: DetectionContext): void => {
    if (rule.source === 'audit' && rule.stages.length > 1 && isRepeatMatch(matchedRequests, rule, record)) return;
    const logic = rule as unknown as RuleLogicOf<Event>;
    try {
      const findingOf = (): Finding => findingFor(rule, logic, record, event, context);
      if (logic.stateful !== undefined) {
        const candidate = statefulCandidateOf(rule, record, findingOf, logic.stateful, event);
        if (candidate !== undefined) candidates.push(candidate);
        return;
      }
      findings.push(findingOf());
      findingsByRule[rule.id] = (findingsByRule[rule.id] ?? 0) + 1;
    } catch (error) {
      failures.push(failureOf(rule, record, error));
    }
  };

  for (const record of records) {
    if (isDuplicate(seenEvents, record)) {
      duplicateEvents++;
      continue;
    }
    if (isNodeRecord(record)) {
      const { rules, judged } = nodeRulesFor(index.node, record);
      const context = contextOf(record);
      for (const rule of rules) evaluate(rule, record, record.event, context, judged);
      continue;
    }
    const { event } = record;
    const stageRules = index.audit.get(event.stage);
    if (stageRules === undefined) continue;
    const resource = event.objectRef?.resource;
    const rules = (resource === undefined ? undefined : stageRules.byResource.get(resource)) ?? stageRules.anyResource;
    const context = contextOf(record);
    for (const rule of rules) evaluate(rule, record, event, context, false);
  }
  return {
    findings,
    candidates,
    failures,
    stats: { events: records.length, duplicateEvents, findings: findings.length, findingsByRule, ruleFailures: failures.length },
  };
}

function findingFor<Event>(rule: Rule, logic: RuleLogicOf<Event>, record: DetectionRecord, event: Event, context: DetectionContext): Finding {
  return {
    rule,
    alertType: logic.alertTypeFor?.(event) ?? rule.alertType,
    displayName: logic.displayNameFor?.(event) ?? rule.displayName,
    severity: logic.severityFor?.(event, context) ?? rule.severity,
    record,
    entities: logic.entities(event, context),
    details: logic.details?.(event, context) ?? {},
    dedupKey: logic.dedupKey(event, context),
  };
}

function failureOf(rule: Rule, record: DetectionRecord, error: unknown): RuleFailure {
  return { ruleId: rule.id, auditId: evidenceIdOf(record), message: error instanceof Error ? error.message : String(error) };
}

/** The logic of a rule over its own signal's events (the index guarantees the signal). */
interface RuleLogicOf<Event> {
  alertTypeFor?: (event: Event) => string;
  displayNameFor?: (event: Event) => string;
  severityFor?: (event: Event, context: DetectionContext) => Rule['severity'];
  match: (event: Event, context: DetectionContext) => boolean;
  entities: (event: Event, context: DetectionContext) => Finding['entities'];
  details?: (event: Event, context: DetectionContext) => Record<string, string>;
  dedupKey: (event: Event, context: DetectionContext) => string;
  stateful?: StatefulLogic<Event>;
}

/** The node rules offered a node record, and whether the sensor already judged it (a mapped Falco alert). */
function nodeRulesFor(index: NodeRuleIndex, record: NodeRecord): { rules: readonly NodeRule[]; judged: boolean } {
  const { event } = record;
  if (event.falco !== undefined) {
    const named = index.byFalcoRule.get(event.falco.rule.toLowerCase());
    if (named !== undefined) return { rules: named, judged: true };
  }
  return { rules: index.byEventType.get(event.type) ?? index.anyEventType, judged: false };
}

/** The rules that matched each request of the batch (by audit id), for rules that look at several stages. */
type MatchedRequests = Map<string, { rule: Rule; cluster: string }[]>;

/**
 * Whether the rule matched this request of this cluster at another stage of the batch already (an exec logs
 * `ResponseStarted`, then maybe `ResponseComplete`); notes the match. Keyed by the audit id, a string the record
 * holds (hashed once for all its rules), rather than by a key built anew for every match.
 */
function isRepeatMatch(matched: MatchedRequests, rule: Rule, record: DetectionRecord): boolean {
  const id = evidenceIdOf(record);
  const cluster = record.cluster.resourceId;
  const earlier = matched.get(id);
  if (earlier === undefined) {
    matched.set(id, [{ rule, cluster }]);
    return false;
  }
  if (earlier.some((match) => match.rule === rule && match.cluster === cluster)) return true;
  earlier.push({ rule, cluster });
  return false;
}

/**
 * True when the same event of the same cluster was already seen: for audit, the same request at the same
 * stage. Keyed by event id alone (short, hashed fast); the rare same-id records are compared in full.
 */
function isDuplicate(seen: Map<string, DetectionRecord | DetectionRecord[]>, record: DetectionRecord): boolean {
  const id = evidenceIdOf(record);
  const earlier = seen.get(id);
  if (earlier === undefined) {
    // Most ids come once: keep the record itself, and a list only for the few that come again.
    seen.set(id, record);
    return false;
  }
  const others = Array.isArray(earlier) ? earlier : [earlier];
  if (others.some((other) => isSameEvent(other, record))) return true;
  others.push(record);
  if (others !== earlier) seen.set(id, others);
  return false;
}

function isSameEvent(a: DetectionRecord, b: DetectionRecord): boolean {
  if (a.cluster.resourceId !== b.cluster.resourceId) return false;
  if (isNodeRecord(a) || isNodeRecord(b)) return isNodeRecord(a) && isNodeRecord(b);
  return a.event.stage === b.event.stage;
}

/** The audit rules of one stage: those for any request, and per resource those plus the resource's own, in library order. */
interface StageRules {
  anyResource: AuditRule[];
  byResource: Map<string, AuditRule[]>;
}

/** The node rules: per event type those for any event plus the type's own, in library order; per Falco rule name (lower case) the rules naming it. */
interface NodeRuleIndex {
  anyEventType: NodeRule[];
  byEventType: Map<string, NodeRule[]>;
  byFalcoRule: Map<string, NodeRule[]>;
}

interface RuleIndex {
  audit: Map<string, StageRules>;
  node: NodeRuleIndex;
}

const indexes = new WeakMap<readonly Rule[], RuleIndex>();

/** The index of a rule set, built once: the pipeline evaluates every batch with the same library. */
function indexOf(rules: readonly Rule[]): RuleIndex {
  let index = indexes.get(rules);
  if (index === undefined) {
    index = {
      audit: indexAuditRules(rules.filter((rule): rule is AuditRule => rule.source === 'audit')),
      node: indexNodeRules(rules.filter((rule): rule is NodeRule => rule.source === 'node')),
    };
    indexes.set(rules, index);
  }
  return index;
}

function indexAuditRules(rules: readonly AuditRule[]): Map<string, StageRules> {
  const byStage = new Map<string, StageRules>();
  for (const stage of new Set(rules.flatMap((rule) => rule.stages))) {
    const stageRules = rules.filter((rule) => rule.stages.includes(stage));
    const resources = new Set(stageRules.flatMap((rule) => rule.resources ?? []));
    byStage.set(stage, {
      anyResource: stageRules.filter((rule) => rule.resources === undefined),
      byResource: new Map(
        [...resources].map((resource) => [resource, stageRules.filter((rule) => rule.resources === undefined || rule.resources.includes(resource))]),
      ),
    });
  }
  return byStage;
}

function indexNodeRules(rules: readonly NodeRule[]): NodeRuleIndex {
  const byFalcoRule = new Map<string, NodeRule[]>();
  for (const rule of rules) {
    for (const name of rule.equivalents.falco) {
      const key = name.toLowerCase();
      byFalcoRule.set(key, [...(byFalcoRule.get(key) ?? []), rule]);
    }
  }
  const eventTypes = Object.values(NodeEventType);
  return {
    // A rule without event types takes any event, except Falco alerts, which only reach rules that ask for them.
    anyEventType: rules.filter((rule) => rule.eventTypes === undefined),
    byEventType: new Map(
      eventTypes.map((type) => [
        type,
        rules.filter((rule) => (rule.eventTypes === undefined ? type !== NodeEventType.falcoAlert : rule.eventTypes.includes(type))),
      ]),
    ),
    byFalcoRule,
  };
}
