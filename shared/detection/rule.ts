import { type AuditEvent, AuditStage } from '../kubernetes/auditEvent';
import { type DetectionListOverrides } from './allowLists';
import { type DetectionContext } from './detectionContext';
import { type AlertEntity } from './entities';

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
  /** Falco rule names (k8s_audit rules). */
  falco: readonly string[];
  /** Amazon GuardDuty EKS finding types. */
  guardDuty: readonly string[];
  /** Elastic detection rule names and Sigma rule titles. */
  elastic: readonly string[];
}

/**
 * A sample audit event beside the rule: `alert` examples must raise the rule, `none` examples must not.
 * The event is a raw `audit.k8s.io/v1` Event (what a cluster sends), so the simulation can send the
 * alerting ones through the real pipeline.
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

export interface RuleDefinition {
  /** Stable forever, never reused; also the file name under rules/. */
  id: string;
  /** Defender's alert type where one exists, the same `K8S_` style otherwise. */
  alertType: string;
  displayName: string;
  description: string;
  /** The usual severity; `severityFor` may raise or lower it for a particular request. */
  severity: Severity;
  /** Severity for one matching request when it differs by context (exec into kube-system is worse). */
  severityFor?: (event: AuditEvent, context: DetectionContext) => Severity;
  intent: Intent;
  /** MITRE ATT&CK technique ids (`T1611`, `T1552.007`). */
  techniques: readonly string[];
  remediation: readonly string[];
  falsePositives: readonly string[];
  references: readonly string[];
  equivalents: RuleEquivalents;
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
  /** Pure and total: never throws on odd input. */
  match: (event: AuditEvent, context: DetectionContext) => boolean;
  /** What the analyst needs (account, namespace, object, image, ...), redacted. Called only on a match. */
  entities: (event: AuditEvent, context: DetectionContext) => AlertEntity[];
  /** Rule-specific facts for the alert's extended properties (redacted). Called only on a match. */
  details?: (event: AuditEvent, context: DetectionContext) => Record<string, string>;
  /** What makes two hits "the same alert" within a cluster and window. Called only on a match. */
  dedupKey: (event: AuditEvent, context: DetectionContext) => string;
  examples: readonly RuleExample[];
}

export interface Rule extends RuleDefinition {
  stages: readonly AuditStage[];
}

const defaultStages: readonly AuditStage[] = [AuditStage.ResponseComplete];

/** Declares a rule: fills the defaults; the catalogue tests check the rest. */
export function defineRule(definition: RuleDefinition): Rule {
  return { ...definition, stages: definition.stages ?? defaultStages };
}

/**
 * The named lists a policy rule needs set: those its alerting examples override. A rule whose every alerting
 * example needs a list (the policy lists are empty by default) is silent until the deployment sets it.
 */
export function policyListsOf(rule: RuleDefinition): string[] {
  const alerting = rule.examples.filter((example) => example.expect === 'alert');
  if (alerting.length === 0 || alerting.some((example) => example.lists === undefined)) return [];
  return [...new Set(alerting.flatMap((example) => Object.keys(example.lists ?? {})))].sort();
}
