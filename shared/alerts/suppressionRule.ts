import { printable } from '../printable';
import { z } from 'zod';
import { type AlertEntity, EntityType } from '../detection/entities';
import { Severity } from '../detection/rule';
import { type Alert, AlertStatus, isNodeAlert } from './alert';

/**
 * Suppression rules in the shape of Defender for Cloud's `alertsSuppressionRules`: an alert type (or
 * `*`), a reason, a comment, a state, an optional expiry and conditions that must all hold. Ingestion
 * stores an alert that a rule matches already Dismissed, naming the rule in its status history.
 * Everything here is pure: the clock is passed in.
 */

/** Why the alerts are dismissed (Defender's reasons). */
export const SuppressionReason = {
  FalsePositive: 'FalsePositive',
  BenignPositive: 'BenignPositive',
  ExpectedActivity: 'ExpectedActivity',
  Other: 'Other',
} as const;
export type SuppressionReason = (typeof SuppressionReason)[keyof typeof SuppressionReason];

export const SuppressionRuleState = { Enabled: 'Enabled', Disabled: 'Disabled' } as const;
export type SuppressionRuleState = (typeof SuppressionRuleState)[keyof typeof SuppressionRuleState];

/** The `alertType` that makes a rule apply to every alert type. */
export const ALL_ALERT_TYPES = '*';

/**
 * The alert fields a condition may test, and where each lives in an alert. Entity fields hold when ANY
 * entity of that type satisfies the condition.
 */
export const SuppressionConditionField = {
  /** `alertType`, e.g. `K8S_PrivilegedContainer`. */
  alertType: 'alertType',
  /** `severity`: High, Medium, Low or Informational. */
  severity: 'severity',
  /** The cluster's name (`compromisedEntity`). */
  cluster: 'cluster',
  /** The cluster's Azure resource id (`clusterResourceId`, `resourceIdentifiers`). */
  clusterResourceId: 'clusterResourceId',
  /** Namespace entities, the namespace of any entity, and `extendedProperties.namespace`. */
  namespace: 'namespace',
  /** Account entities (users, service accounts, the impersonated and the real one). */
  account: 'account',
  /**
   * IP entities of audit alerts: the address the request came from. Not the remote addresses of node alerts
   * (see `remoteAddress`): a rule that trusts a client must not start trusting the destinations of connections.
   */
  ip: 'ip',
  /** Container image entities (`imageId`), of audit and node alerts. */
  image: 'image',
  /** Pod entities, of audit and node alerts. */
  pod: 'pod',
  /** Container entities, of audit and node alerts. */
  container: 'container',
  /** `extendedProperties.userAgent`. */
  userAgent: 'userAgent',
  /** `extendedProperties.resource`: the request's resource, e.g. `pods/exec`. */
  resource: 'resource',
  /** `extendedProperties.verb`: the request's verb, e.g. `create`. */
  verb: 'verb',
  /** The detection rule's id (`ruleId`), e.g. `privileged-container`. */
  ruleId: 'ruleId',
  /** The node of a node alert: host entities and `extendedProperties.node`. */
  node: 'node',
  /**
   * The executable path (`name`) of the acting process and of its parent: process entities whose role is
   * `process` or `parent`. Not the ancestors: they are nearly always the container runtime or init, so a
   * condition on them would dismiss every alert of a container.
   */
  processBinary: 'processBinary',
  /**
   * The (redacted) command line of the same process entities as `processBinary`, and of the process
   * entities of audit alerts (the command of an exec request or of a written container, which have no role).
   */
  commandLine: 'commandLine',
  /** IP entities of node alerts (`address`): the remote end of a connection, without the port. */
  remoteAddress: 'remoteAddress',
  /** File entities (`name`, the path): files a node process touched, paths in a written pod spec. */
  filePath: 'filePath',
} as const;
export type SuppressionConditionField = (typeof SuppressionConditionField)[keyof typeof SuppressionConditionField];
export const suppressionConditionFields: readonly SuppressionConditionField[] = Object.values(SuppressionConditionField);

/** The field equals one of the values (case-insensitive). */
export interface InCondition {
  field: SuppressionConditionField;
  in: string[];
}
/** The field contains the text (case-insensitive). */
export interface ContainsCondition {
  field: SuppressionConditionField;
  contains: string;
}
export type SuppressionCondition = InCondition | ContainsCondition;

/** What a caller writes (the PUT body). */
export interface SuppressionRuleProperties {
  alertType: string;
  reason: SuppressionReason;
  comment?: string;
  state: SuppressionRuleState;
  /** RFC 3339, stored in UTC (`toISOString`); no expiry when absent. */
  expirationDateUtc?: string;
  /** All must hold. */
  conditions: SuppressionCondition[];
}

export interface SuppressionRule extends SuppressionRuleProperties {
  name: string;
}

export const SUPPRESSION_RULE_NAME_PATTERN = /^[A-Za-z0-9._-]{2,50}$/;
export const MAX_COMMENT_LENGTH = 1000;
export const MAX_CONDITIONS = 20;
export const MAX_CONDITION_VALUES = 50;
export const MAX_CONDITION_VALUE_LENGTH = 256;

// ---------------------------------------------------------------------------------------------------
// Matching

/** True when the rule dismisses the alert at `now`: enabled, not expired, the alert type matches, every condition holds. */
export function matchesSuppressionRule(rule: SuppressionRule, alert: Alert, now: Date): boolean {
  if (rule.state !== SuppressionRuleState.Enabled) return false;
  if (isExpired(rule, now)) return false;
  if (rule.alertType !== ALL_ALERT_TYPES && rule.alertType !== alert.alertType) return false;
  return rule.conditions.every((condition) => conditionHolds(condition, alert));
}

/** The first rule that dismisses the alert at `now`, if any. */
export function findSuppressingRule<R extends SuppressionRule>(rules: readonly R[], alert: Alert, now: Date): R | undefined {
  return rules.find((rule) => matchesSuppressionRule(rule, alert, now));
}

/** The principal id a suppression rule acts under in an alert's status history. */
export function suppressionRulePrincipalId(ruleName: string): string {
  return `suppressionRule/${ruleName}`;
}

/**
 * A new alert as a suppression rule leaves it: Dismissed, with one history entry naming the rule, its
 * reason and comment (what an analyst reads to know why they never saw it Active). Pure.
 */
export function dismissBySuppressionRule(alert: Alert, rule: SuppressionRule, now: Date): Alert {
  const comment = `Dismissed by suppression rule "${rule.name}" (${rule.reason})${rule.comment ? `: ${rule.comment}` : ''}`;
  return {
    ...alert,
    status: AlertStatus.Dismissed,
    statusHistory: [
      ...alert.statusHistory,
      {
        status: AlertStatus.Dismissed,
        principalId: suppressionRulePrincipalId(rule.name),
        principalName: `Suppression rule ${rule.name}`,
        timeUtc: now.toISOString(),
        comment: comment.slice(0, MAX_COMMENT_LENGTH + 100),
      },
    ],
    extendedProperties: { ...alert.extendedProperties, suppressionRule: rule.name },
  };
}

/** A rule has expired from its expiration instant on (an expiry equal to `now` no longer suppresses). */
export function isExpired(rule: Pick<SuppressionRule, 'expirationDateUtc'>, now: Date): boolean {
  return rule.expirationDateUtc !== undefined && Date.parse(rule.expirationDateUtc) <= now.getTime();
}

function conditionHolds(condition: SuppressionCondition, alert: Alert): boolean {
  const values = fieldValues(alert, condition.field).map((value) => value.toLowerCase());
  if ('contains' in condition) {
    const text = condition.contains.toLowerCase();
    return values.some((value) => value.includes(text));
  }
  const wanted = new Set(condition.in.map((value) => value.toLowerCase()));
  return values.some((value) => wanted.has(value));
}

/** Every value the alert has for a field (none when it has none: a condition over it then fails). */
export function fieldValues(alert: Alert, field: SuppressionConditionField): string[] {
  const entities = alert.entities;
  const props = alert.extendedProperties;
  switch (field) {
    case 'alertType':
      return [alert.alertType];
    case 'severity':
      return [alert.severity];
    case 'cluster':
      return present([alert.compromisedEntity, ...entityValues(entities, EntityType.cluster, (e) => e.name)]);
    case 'clusterResourceId':
      return present([alert.clusterResourceId, ...alert.resourceIdentifiers.map((r) => r.azureResourceId)]);
    case 'namespace':
      return present([
        ...entityValues(entities, EntityType.namespace, (e) => e.name),
        ...entities.map((e) => e.namespace),
        props['namespace'],
      ]);
    case 'account':
      return present(entityValues(entities, EntityType.account, (e) => e.name));
    case 'ip':
      return isNodeAlert(alert) ? [] : present(entityValues(entities, EntityType.ip, (e) => e.address));
    case 'image':
      return present(entityValues(entities, EntityType.image, (e) => e.imageId));
    case 'pod':
      return present(entityValues(entities, EntityType.pod, (e) => e.name));
    case 'container':
      return present(entityValues(entities, EntityType.container, (e) => e.name));
    case 'userAgent':
      return present([props['userAgent']]);
    case 'resource':
      return present([props['resource']]);
    case 'verb':
      return present([props['verb']]);
    case 'ruleId':
      return present([alert.ruleId]);
    case 'node':
      return present([...entityValues(entities, EntityType.host, (e) => e.name), props['node']]);
    case 'processBinary':
      return present(conditionProcesses(entities).map((e) => e.name));
    case 'commandLine':
      return present(conditionProcesses(entities).map((e) => e.commandLine));
    case 'remoteAddress':
      return isNodeAlert(alert) ? present(entityValues(entities, EntityType.ip, (e) => e.address)) : [];
    case 'filePath':
      return present(entityValues(entities, EntityType.file, (e) => e.name));
  }
}


/** The process entities `processBinary` and `commandLine` look at: the acting process and its parent (and role-less ones). */
function conditionProcesses(entities: readonly AlertEntity[]): AlertEntity[] {
  return entities.filter((entity) => entity.type === EntityType.process && entity.role !== 'ancestor');
}

function entityValues(entities: readonly AlertEntity[], type: EntityType, value: (entity: AlertEntity) => string | undefined): (string | undefined)[] {
  return entities.filter((entity) => entity.type === type).map(value);
}

function present(values: readonly (string | undefined)[]): string[] {
  return values.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

// ---------------------------------------------------------------------------------------------------
// Validation of what callers send (pure; the edge maps a problem to a 400 naming `field`)

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Checks a rule name (the `{name}` route parameter). */
export function parseSuppressionRuleName(value: string | undefined): ValidationResult<string> {
  if (value !== undefined && SUPPRESSION_RULE_NAME_PATTERN.test(value)) return { ok: true, value };
  return { ok: false, field: 'name', message: "name must be 2 to 50 characters: letters, digits, '-', '_' or '.'." };
}

const nonEmptyValue = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_CONDITION_VALUE_LENGTH, { error: `must be at most ${MAX_CONDITION_VALUE_LENGTH} characters` });

const conditionSchema = z
  .strictObject({
    field: z.enum(suppressionConditionFields as [SuppressionConditionField, ...SuppressionConditionField[]]),
    in: z
      .array(nonEmptyValue)
      .min(1, { error: 'must list at least one value' })
      .max(MAX_CONDITION_VALUES, { error: `must list at most ${MAX_CONDITION_VALUES} values` })
      .optional(),
    contains: nonEmptyValue.optional(),
  })
  .superRefine((condition, issues) => {
    if ((condition.in === undefined) === (condition.contains === undefined)) {
      issues.addIssue({ code: 'custom', path: [], message: "must have exactly one of 'in' or 'contains'" });
      return;
    }
    if (condition.field === 'severity') {
      const severities: readonly string[] = Object.values(Severity);
      condition.in?.forEach((value, index) => {
        if (!severities.includes(value)) issues.addIssue({ code: 'custom', path: ['in', index], message: `must be one of ${severities.join(', ')}` });
      });
    }
  })
  .transform((condition): SuppressionCondition =>
    condition.contains === undefined ? { field: condition.field, in: condition.in ?? [] } : { field: condition.field, contains: condition.contains },
  );

function bodySchema(now: Date) {
  return z
    .strictObject({
      alertType: z
        .string()
        .regex(/^(\*|[A-Za-z][A-Za-z0-9_.]{1,99})$/, { error: "must be '*' or an alert type such as K8S_PrivilegedContainer" }),
      reason: z.enum(Object.values(SuppressionReason) as [SuppressionReason, ...SuppressionReason[]]),
      comment: z.string().max(MAX_COMMENT_LENGTH, { error: `must be at most ${MAX_COMMENT_LENGTH} characters` }).optional(),
      state: z.enum(Object.values(SuppressionRuleState) as [SuppressionRuleState, ...SuppressionRuleState[]]),
      expirationDateUtc: z
        .iso.datetime({ offset: true, error: 'must be an RFC 3339 date and time, e.g. 2027-01-31T00:00:00Z' })
        .transform((value) => new Date(value).toISOString())
        .refine((value) => Date.parse(value) > now.getTime(), { error: 'must be in the future' })
        .nullish(),
      conditions: z
        .array(conditionSchema)
        .max(MAX_CONDITIONS, { error: `must have at most ${MAX_CONDITIONS} conditions` })
        .optional(),
    })
    .superRefine((body, issues) => {
      // A rule for every alert type with no condition would dismiss everything: refuse it.
      if (body.alertType === ALL_ALERT_TYPES && (body.conditions ?? []).length === 0) {
        issues.addIssue({ code: 'custom', path: ['conditions'], message: "must have at least one condition when alertType is '*'" });
      }
    });
}

/** Validates a PUT body at `now` (the expiry must be in the future); unknown fields are refused. */
export function parseSuppressionRuleBody(body: unknown, now: Date): ValidationResult<SuppressionRuleProperties> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: 'body', message: 'body must be a JSON object.' };
  }
  const parsed = bodySchema(now).safeParse(body, { error: defaultMessage });
  if (!parsed.success) return describeFirstIssue(parsed.error.issues);
  const { alertType, reason, comment, state, expirationDateUtc, conditions } = parsed.data;
  return {
    ok: true,
    value: {
      alertType,
      reason,
      ...(comment === undefined ? {} : { comment }),
      state,
      ...(expirationDateUtc === undefined || expirationDateUtc === null ? {} : { expirationDateUtc }),
      conditions: conditions ?? [],
    },
  };
}

/** Messages for issues whose schema gives none: "is required", "must be a string", "must be one of ...". */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}

function describeFirstIssue(issues: readonly z.core.$ZodIssue[]): { ok: false; field: string; message: string } {
  // Unknown fields first: they are the likeliest mistake (a typo or a field of another API).
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return { ok: false, field: 'body', message: 'body is invalid.' };
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...issue.path, issue.keys[0] ?? '']);
    return { ok: false, field, message: `${printable(field)} is not a known field.` };
  }
  const field = issue.path.length === 0 ? 'body' : fieldPath(issue.path);
  return { ok: false, field, message: `${field} ${issue.message}.` };
}

/** `['conditions', 1, 'field']` -> `conditions[1].field`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}
