import { printable } from '../printable';
import { z } from 'zod';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type AppliedExemption, type ClusterAssessmentResult } from './evaluateClusterChecks';
import { AssessmentStatusCode } from './assessment';

/**
 * Assessment exemptions, after Defender for Cloud's: one check (recommendation) exempted on one cluster or on every
 * cluster of the subscription, as a waiver (the risk is accepted) or mitigated (handled another way), with a reason
 * and an optional expiry. An exempted result keeps the status the check gave, names the exemption, and does not
 * count in the secure score. There is no `*` check name: an exemption of every check would hide the whole posture;
 * exempt checks one by one. Pure: the clock is passed in.
 */

export const ExemptionCategory = { Waiver: 'waiver', Mitigated: 'mitigated' } as const;
export type ExemptionCategory = (typeof ExemptionCategory)[keyof typeof ExemptionCategory];

export interface AssessmentExemption {
  /** The `{name}` of `PUT .../assessmentExemptions/{name}`. */
  name: string;
  /** Partition key; the scope lies within it. */
  subscriptionId: string;
  /** The exempted check (`api-server-access-restricted`). */
  checkName: string;
  /** A cluster's canonical resource id, or `/subscriptions/<id>` for every cluster of the subscription. */
  scope: string;
  category: ExemptionCategory;
  reason: string;
  /** RFC 3339 (normalized to UTC); past it, the exemption no longer applies. */
  expiresOnUtc?: string;
  /** The principal that made it (set by the edge, from the caller's identity). */
  createdBy: string;
  createdUtc: string;
}

export const EXEMPTION_NAME_PATTERN = /^[A-Za-z0-9._-]{2,50}$/;
export const CHECK_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_EXEMPTION_REASON_LENGTH = 1000;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** What the caller of `PUT .../assessmentExemptions/{name}` cannot choose: set by the route from the request. */
export interface ExemptionContext {
  name: string;
  subscriptionId: string;
  createdBy: string;
  /** RFC 3339. */
  now: string;
}

/** The scope of every cluster of a subscription. */
export function subscriptionScope(subscriptionId: string): string {
  return `/subscriptions/${subscriptionId.toLowerCase()}`;
}

function bodySchema(nowInMs: number) {
  return z.strictObject({
    checkName: z.string().regex(CHECK_NAME_PATTERN, { error: 'must be a check name such as api-server-access-restricted' }).max(100),
    scope: z.string().min(1, { error: 'must not be empty' }),
    category: z.enum([ExemptionCategory.Waiver, ExemptionCategory.Mitigated]),
    reason: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(MAX_EXEMPTION_REASON_LENGTH, { error: `must be at most ${MAX_EXEMPTION_REASON_LENGTH} characters` }),
    expiresOnUtc: z
      .iso.datetime({ offset: true, error: 'must be an RFC 3339 date and time, e.g. 2027-01-31T00:00:00Z' })
      .transform((value) => new Date(value).toISOString())
      .refine((value) => Date.parse(value) > nowInMs, { error: 'must be in the future' })
      .nullish(),
  });
}

/** Checks an exemption name (the `{name}` route parameter). */
export function parseExemptionName(value: string | undefined): ValidationResult<string> {
  if (value !== undefined && EXEMPTION_NAME_PATTERN.test(value)) return { ok: true, value };
  return { ok: false, field: 'name', message: "name must be 2 to 50 characters: letters, digits, '-', '_' or '.'." };
}

/**
 * Validates a PUT body (`checkName`, `scope`, `category`, `reason`, `expiresOnUtc?`); unknown fields are refused.
 * The scope is a cluster resource id in the subscription (any casing; stored canonical) or `/subscriptions/<id>`.
 * Whether `checkName` names a registered check is for the caller to say (it holds the catalogue).
 */
export function parseAssessmentExemptionBody(body: unknown, context: ExemptionContext): ValidationResult<AssessmentExemption> {
  const name = parseExemptionName(context.name);
  if (!name.ok) return name;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, field: 'body', message: 'body must be a JSON object.' };
  const nowInMs = Date.parse(context.now);
  const parsed = bodySchema(nowInMs).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    if (issue?.code === 'unrecognized_keys') return { ok: false, field: String(issue.keys[0]), message: `${printable(String(issue.keys[0]))} is not a known field.` };
    const field = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
    return { ok: false, field, message: `${field} ${issue?.message ?? 'is invalid'}.` };
  }
  const scope = canonicalScope(parsed.data.scope, context.subscriptionId);
  if (scope === undefined) {
    return { ok: false, field: 'scope', message: `scope must be a managed cluster's resource id in subscription ${context.subscriptionId}, or ${subscriptionScope(context.subscriptionId)}.` };
  }
  const { checkName, category, reason, expiresOnUtc } = parsed.data;
  return {
    ok: true,
    value: {
      name: context.name,
      subscriptionId: context.subscriptionId.toLowerCase(),
      checkName,
      scope,
      category,
      reason,
      ...(expiresOnUtc === undefined || expiresOnUtc === null ? {} : { expiresOnUtc }),
      createdBy: context.createdBy,
      createdUtc: Number.isNaN(nowInMs) ? context.now : new Date(nowInMs).toISOString(),
    },
  };
}

/** The canonical scope, or undefined when it is neither a cluster of the subscription nor the subscription. */
export function canonicalScope(scope: string, subscriptionId: string): string | undefined {
  const trimmed = scope.trim().replace(/(?<!\/)\/+$/, '');
  if (trimmed.toLowerCase() === subscriptionScope(subscriptionId)) return subscriptionScope(subscriptionId);
  const cluster = parseClusterResourceId(trimmed);
  if (cluster === undefined || cluster.subscriptionId !== subscriptionId.toLowerCase()) return undefined;
  if (!cluster.resourceId.includes('/Microsoft.ContainerService/managedClusters/')) return undefined;
  return cluster.resourceId;
}

/** Whether the exemption has expired at `now` (an unreadable expiry counts as expired: it applies nowhere). */
export function isExemptionExpired(exemption: Pick<AssessmentExemption, 'expiresOnUtc'>, now: string): boolean {
  if (exemption.expiresOnUtc === undefined) return false;
  const expires = Date.parse(exemption.expiresOnUtc);
  return Number.isNaN(expires) || expires <= Date.parse(now);
}

/** Whether the exemption covers this check on this cluster (scope: the cluster, or its subscription). */
export function exemptionCovers(exemption: AssessmentExemption, result: Pick<ClusterAssessmentResult, 'checkName' | 'clusterResourceId' | 'subscriptionId'>): boolean {
  if (exemption.checkName !== result.checkName) return false;
  const scope = exemption.scope.toLowerCase();
  return scope === result.clusterResourceId.toLowerCase() || (result.subscriptionId !== '' && scope === subscriptionScope(result.subscriptionId));
}

/**
 * Marks the Healthy and Unhealthy results an unexpired exemption covers (NotApplicable has nothing to exempt). The
 * status stays; `exemption` names the exemption (a cluster-scoped one before a subscription-wide one, then by
 * name). Results no exemption covers come back without `exemption`.
 */
export function applyExemptions(
  results: readonly ClusterAssessmentResult[],
  exemptions: readonly AssessmentExemption[],
  now: string,
): ClusterAssessmentResult[] {
  const active = exemptions
    .filter((exemption) => !isExemptionExpired(exemption, now))
    .sort((a, b) => Number(isSubscriptionWide(a)) - Number(isSubscriptionWide(b)) || compare(a.name, b.name));
  return results.map((result) => {
    const { exemption: _previous, ...rest } = result;
    if (result.status.code === AssessmentStatusCode.NotApplicable) return rest;
    const covering = active.find((exemption) => exemptionCovers(exemption, result));
    if (covering === undefined) return rest;
    const applied: AppliedExemption = { name: covering.name, category: covering.category };
    return { ...rest, exemption: applied };
  });
}

function isSubscriptionWide(exemption: AssessmentExemption): boolean {
  return !exemption.scope.includes('/providers/');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
