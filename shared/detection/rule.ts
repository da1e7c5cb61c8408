import { type AuditEvent, AuditStage } from '../kubernetes/auditEvent';
import { type NodeEvent, type NodeEventType } from '../node/nodeEvent';
import { type DetectionListOverrides } from './allowLists';
import { type DetectionContext } from './detectionContext';
import { type AlertEntity } from './entities';
import { type RuleTimeline, type StatefulLogic } from './stateful/statefulLogic';

export const Severity = { High: 'High', Medium: 'Medium', Low: 'Low', Informational: 'Informational' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Defender's alert intents (ATT&CK tactics plus its pre-attack stages). */
export const Intent = {
  PreAttack: 'PreAttack',
  InitialAccess: 'InitialAccess',
  Persistence: 'Persistence',
  PrivilegeEscalation: 'PrivilegeEscalation',
  DefenseEvasion: 'DefenseEvasion',
  CredentialAccess: 'CredentialAccess',
  Discovery: 'Discovery',
  LateralMovement: 'LateralMovement',
  Execution: 'Execution',
  Collection: 'Collection',
  Exfiltration: 'Exfiltration',
  CommandAndControl: 'CommandAndControl',
  Impact: 'Impact',
  Probing: 'Probing',
  Exploitation: 'Exploitation',
} as const;
export type Intent = (typeof Intent)[keyof typeof Intent];

/** Names of the equivalent content in other products, so users can map theirs and coverage can be compared. */
export interface RuleEquivalents {
  /** Microsoft Defender for Containers alert types (`K8S_...`). */
  defender: readonly string[];
  /**
   * Falco rule names: k8s_audit rules for audit rules, syscall rules for node rules. A Falco alert (node events)
   * whose rule a node rule names here raises that node rule.
   */
  falco: readonly string[];
  /** Amazon GuardDuty EKS finding types. */
  guardDuty: readonly string[];
  /** Elastic detection rule names and Sigma rule titles. */
  elastic: readonly string[];
}

/**
 * A sample event beside the rule: `alert` examples must raise the rule, `none` examples must not. The event
 * is raw, as the source sends it (an `audit.k8s.io/v1` Event for audit rules; a Tetragon `GetEventsResponse`
 * or a falcosidekick alert for node rules), so the simulation can send the alerting ones through the real pipeline.
 */
export interface RuleExample {
  name: string;
  expect: 'alert' | 'none';
  event: Record<string, unknown>;
  /**
   * Overrides of the named lists the example is judged with (policy lists are empty by default, so a
   * policy rule's alerting example names the policy it breaks). Default: the built-in lists.
   */
  lists?: DetectionListOverrides;
}

/** The signal a rule reads: the API server's audit log, or the security events of the nodes' sensors. */
export const SignalSource = { audit: 'audit', node: 'node' } as const;
export type SignalSource = (typeof SignalSource)[keyof typeof SignalSource];

/** What every rule declares, whatever signal it reads. */
export interface RuleMetadata {
  /** Stable forever, never reused; also the file name under rules/<source>/. */
  id: string;
  /** Defender's alert type where one exists (`K8S_...` for audit, `K8S.NODE_...` for node), the same style otherwise. */
  alertType: string;
  displayName: string;
  description: string;
  /** The usual severity; `severityFor` may raise or lower it for a particular event. */
  severity: Severity;
  intent: Intent;
  /** MITRE ATT&CK technique ids (`T1611`, `T1552.007`). */
  techniques: readonly string[];
  remediation: readonly string[];
  falsePositives: readonly string[];
  references: readonly string[];
  equivalents: RuleEquivalents;
  /** Single events: for a stateful rule, only events that must not alert (one event alone never shows a pattern over time). */
  examples: readonly RuleExample[];
  /** A stateful rule's examples over time (see `stateful`): at least one that alerts and one that does not. */
  timelines?: readonly RuleTimeline[];
}

/** The pure functions of a rule over one event of its signal. */
export interface RuleLogic<Event> {
  /** Severity for one matching event when it differs by context (exec into kube-system is worse). */
  severityFor?: (event: Event, context: DetectionContext) => Severity;
  /** The alert type for one matching event when the rule raises several (Falco alerts keep their rule's name). */
  alertTypeFor?: (event: Event) => string;
  /** The display name for one matching event, with `alertTypeFor`. */
  displayNameFor?: (event: Event) => string;
  /** Pure and total: never throws on odd input. */
  match: (event: Event, context: DetectionContext) => boolean;
  /** What the analyst needs (account, namespace, object, image, process, ...), redacted. Called only on a match. */
  entities: (event: Event, context: DetectionContext) => AlertEntity[];
  /** Rule-specific facts for the alert's extended properties (redacted). Called only on a match. */
  details?: (event: Event, context: DetectionContext) => Record<string, string>;
  /** What makes two hits "the same alert" within a cluster and window. Called only on a match. */
  dedupKey: (event: Event, context: DetectionContext) => string;
  /**
   * Makes the rule stateful: `match` picks the events it watches, and whether one alerts depends on what came before
   * in its cluster (first-seen values, bursts, sequences; shared/detection/stateful/). Without state (a caller that
   * keeps none) a stateful rule raises nothing.
   */
  stateful?: StatefulLogic<Event>;
  /**
   * The rule reads `context.customThreatIntel` (the sets of the event's subscription): the pipeline loads a batch's
   * sets only when its library has such a rule.
   */
  readsCustomThreatIntel?: true;
}

export interface AuditRuleDefinition extends RuleMetadata, RuleLogic<AuditEvent> {
  /**
   * The stages the rule looks at. Default: `ResponseComplete`. Exec, attach and port-forward streams may
   * only ever log `ResponseStarted`; the engine counts each request once either way.
   */
  stages?: readonly AuditStage[];
  /**
   * The audit `objectRef.resource` values the rule can match (`pods`, `clusterrolebindings`, ...); omitted
   * for rules about any request (user agents, anonymous access). The engine only offers a rule the
   * requests for its resources: most traffic (leases, node status) then skips most rules.
   */
  resources?: readonly string[];
}

export interface NodeRuleDefinition extends RuleMetadata, RuleLogic<NodeEvent> {
  /**
   * The node event types the rule can match (`process_exec`, `process_kprobe`, ...); omitted for rules about
   * any event. Falco alerts reach a rule by name instead (see {@link RuleEquivalents.falco}); a rule that lists
   * `falco_alert` here takes every Falco alert that no rule names.
   */
  eventTypes?: readonly NodeEventType[];
}

/** A rule over the API server's audit log. */
export interface AuditRule extends AuditRuleDefinition {
  source: 'audit';
  stages: readonly AuditStage[];
}

/** A rule over the nodes' security events. */
export interface NodeRule extends NodeRuleDefinition {
  source: 'node';
}

/** Any rule of the library: the engine, catalogue tests, CLI, docs and simulation take both. */
export type Rule = AuditRule | NodeRule;

const defaultStages: readonly AuditStage[] = [AuditStage.ResponseComplete];

/** Declares an audit rule: fills the defaults; the catalogue tests check the rest. */
export function defineRule(definition: AuditRuleDefinition): AuditRule {
  return { ...definition, source: SignalSource.audit, stages: definition.stages ?? defaultStages };
}

/** Declares a node rule; the catalogue tests check it like an audit rule. */
export function defineNodeRule(definition: NodeRuleDefinition): NodeRule {
  return { ...definition, source: SignalSource.node };
}

/**
 * The named lists a policy rule needs set: those its alerting examples override. A rule whose every alerting
 * example needs a list (the policy lists are empty by default) is silent until the deployment sets it.
 */
export function policyListsOf(rule: RuleMetadata): string[] {
  const alerting = rule.examples.filter((example) => example.expect === 'alert');
  if (alerting.length === 0 || alerting.some((example) => example.lists === undefined)) return [];
  return [...new Set(alerting.flatMap((example) => Object.keys(example.lists ?? {})))].sort();
}
