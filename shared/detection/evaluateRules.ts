import { type AuditRecord } from '../kubernetes/auditEvent';
import { type DetectionContext, defaultDetectionContext } from './detectionContext';
import { type Finding } from './finding';
import { type Rule } from './rule';

export interface EvaluateRulesOptions {
  rules: readonly Rule[];
  context?: DetectionContext;
}

/** A rule that threw on an event: the event and the rest of the batch are still evaluated. */
export interface RuleFailure {
  ruleId: string;
  auditId: string;
  message: string;
}

export interface EvaluationStats {
  /** Records given to the engine. */
  events: number;
  /** Records skipped because the same request at the same stage was already seen in the batch (kube-audit and kube-audit-admin both streamed). */
  duplicateEvents: number;
  findings: number;
  findingsByRule: Record<string, number>;
  ruleFailures: number;
}

export interface EvaluationResult {
  findings: Finding[];
  stats: EvaluationStats;
  failures: RuleFailure[];
}

/**
 * Runs every rule over a batch of records. Pure: no I/O, no clock. A rule that throws is isolated (reported
 * in `failures` with its id and the audit id) and never stops the batch. Each request is counted once per
 * rule even when it appears at several stages (exec streams log `ResponseStarted`, then maybe `ResponseComplete`).
 */
export function evaluateRules(records: readonly AuditRecord[], options: EvaluateRulesOptions): EvaluationResult {
  const context = options.context ?? defaultDetectionContext;
  const rulesByStage = indexOf(options.rules);
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const findingsByRule: Record<string, number> = {};
  const seenEvents = new Map<string, AuditRecord | AuditRecord[]>();
  const matchedRequests = new Set<string>();
  let duplicateEvents = 0;

  for (const record of records) {
    const { event } = record;
    if (isDuplicate(seenEvents, record)) {
      duplicateEvents++;
      continue;
    }
    const index = rulesByStage.get(event.stage);
    if (index === undefined) continue;
    const resource = event.objectRef?.resource;
    const rules = (resource === undefined ? undefined : index.byResource.get(resource)) ?? index.anyResource;
    for (const rule of rules) {
      try {
        if (!rule.match(event, context)) continue;
        if (rule.stages.length > 1) {
          const requestKey = `${rule.id}|${record.cluster.resourceId}|${event.auditID}`;
          if (matchedRequests.has(requestKey)) continue;
          matchedRequests.add(requestKey);
        }
        findings.push({
          rule,
          severity: rule.severityFor?.(event, context) ?? rule.severity,
          record,
          entities: rule.entities(event, context),
          details: rule.details?.(event, context) ?? {},
          dedupKey: rule.dedupKey(event, context),
        });
        findingsByRule[rule.id] = (findingsByRule[rule.id] ?? 0) + 1;
      } catch (error) {
        failures.push({ ruleId: rule.id, auditId: event.auditID, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return {
    findings,
    failures,
    stats: { events: records.length, duplicateEvents, findings: findings.length, findingsByRule, ruleFailures: failures.length },
  };
}

/**
 * True when the same request at the same stage of the same cluster was already seen. Keyed by audit id
 * alone (short, hashed fast); the rare same-id records are compared in full.
 */
function isDuplicate(seen: Map<string, AuditRecord | AuditRecord[]>, record: AuditRecord): boolean {
  const { auditID, stage } = record.event;
  const earlier = seen.get(auditID);
  if (earlier === undefined) {
    // Most ids come once: keep the record itself, and a list only for the few that come again.
    seen.set(auditID, record);
    return false;
  }
  const others = Array.isArray(earlier) ? earlier : [earlier];
  if (others.some((other) => other.event.stage === stage && other.cluster.resourceId === record.cluster.resourceId)) return true;
  others.push(record);
  if (others !== earlier) seen.set(auditID, others);
  return false;
}

/** The rules of one stage: those for any request, and per resource those plus the resource's own, in library order. */
interface StageRules {
  anyResource: Rule[];
  byResource: Map<string, Rule[]>;
}

const indexes = new WeakMap<readonly Rule[], Map<string, StageRules>>();

/** The index of a rule set, built once: the pipeline evaluates every batch with the same library. */
function indexOf(rules: readonly Rule[]): Map<string, StageRules> {
  let index = indexes.get(rules);
  if (index === undefined) {
    index = indexRules(rules);
    indexes.set(rules, index);
  }
  return index;
}

function indexRules(rules: readonly Rule[]): Map<string, StageRules> {
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
