import { createHash } from 'node:crypto';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import {
  type AssessmentMetadata,
  type AssessmentSeverity,
  type AssessmentStatus,
  AssessmentStatusCode,
  type CheckEquivalents,
} from './assessment';
import { type ArmJson, type ClusterCheck, type ClusterFacts, type CheckOutcome } from './clusterCheck';
import { clusterChecks } from './checks/cluster';
import { isManagedCluster } from './managedClusterFields';
import { type WorkloadSubAssessment } from './evaluateWorkloadAssessments';
import { type WorkloadControlEquivalents } from './workloadControl';

/**
 * Evaluates the cluster checks over one managed cluster, and folds a result into the stored assessment document.
 * Pure: the clock is `facts.now` / `now`.
 */

/** The exemption that covers a result (set by `applyExemptions`); the status stays what the check said. */
export interface AppliedExemption {
  name: string;
  category: string;
}

/** One check's verdict on one cluster. */
export interface ClusterAssessmentResult {
  checkName: string;
  /** Canonical (`/subscriptions/<lower>/resourceGroups/<lower>/providers/Microsoft.ContainerService/managedClusters/<lower>`), or the id as given when it does not parse. */
  clusterResourceId: string;
  /** Lower case; empty when the id does not name a subscription. */
  subscriptionId: string;
  displayName: string;
  status: AssessmentStatus;
  severity: AssessmentSeverity;
  metadata: AssessmentMetadata;
  additionalData: Record<string, string>;
  /** A cluster check's or a workload control's equivalents in other tools. */
  equivalents: CheckEquivalents | WorkloadControlEquivalents;
  exemption?: AppliedExemption;
  /** Workload assessments: the failing objects (bounded; see evaluateWorkloadAssessments). */
  subAssessments?: WorkloadSubAssessment[];
}

/** Causes the evaluation itself gives (checks give their own). */
export const EvaluationCause = {
  /** The resource is not a managed cluster. */
  NotAksCluster: 'notAksCluster',
  /** The check threw or returned something that is not an outcome: a bug, isolated. */
  CheckFailed: 'checkFailed',
} as const;

const validCodes = new Set<string>(Object.values(AssessmentStatusCode));

export function evaluateClusterChecks(cluster: ArmJson, facts: ClusterFacts, checks: readonly ClusterCheck[] = clusterChecks): ClusterAssessmentResult[] {
  const rawId = typeof cluster['id'] === 'string' ? cluster['id'] : '';
  const identity = parseClusterResourceId(rawId);
  const clusterResourceId = identity?.resourceId ?? rawId;
  const subscriptionId = identity?.subscriptionId ?? '';
  const managed = isManagedClusterSafe(cluster);
  return checks.map((check) => {
    const outcome: CheckOutcome = managed
      ? runCheck(check, cluster, facts)
      : { code: AssessmentStatusCode.NotApplicable, cause: EvaluationCause.NotAksCluster, description: 'The resource is not an AKS managed cluster.' };
    const status: AssessmentStatus = { code: outcome.code };
    if (outcome.cause !== undefined) status.cause = outcome.cause;
    if (outcome.description !== undefined) status.description = outcome.description;
    return {
      checkName: check.name,
      clusterResourceId,
      subscriptionId,
      displayName: check.displayName,
      status,
      severity: check.severity,
      metadata: metadataOf(check),
      additionalData: { ...(outcome.additionalData ?? {}) },
      equivalents: check.equivalents,
    };
  });
}

function isManagedClusterSafe(cluster: ArmJson): boolean {
  try {
    return typeof cluster === 'object' && cluster !== null && !Array.isArray(cluster) && isManagedCluster(cluster);
  } catch {
    return false;
  }
}

function runCheck(check: ClusterCheck, cluster: ArmJson, facts: ClusterFacts): CheckOutcome {
  try {
    const outcome: unknown = check.evaluate(cluster, facts);
    if (isOutcome(outcome)) return outcome;
    return failed('The check returned no valid outcome.');
  } catch (error) {
    return failed(`The check failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function failed(description: string): CheckOutcome {
  return { code: AssessmentStatusCode.NotApplicable, cause: EvaluationCause.CheckFailed, description };
}

function isOutcome(value: unknown): value is CheckOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = value as Record<string, unknown>;
  if (typeof outcome['code'] !== 'string' || !validCodes.has(outcome['code'])) return false;
  const data = outcome['additionalData'];
  if (data === undefined) return true;
  return typeof data === 'object' && data !== null && Object.values(data).every((entry) => typeof entry === 'string');
}

/** The assessment metadata of a check (its Defender-shaped recommendation fields). */
export function metadataOf(check: ClusterCheck): AssessmentMetadata {
  return {
    displayName: check.displayName,
    description: check.description,
    remediationDescription: check.remediationDescription,
    severity: check.severity,
    categories: check.categories,
    threats: check.threats,
    userImpact: check.userImpact,
    implementationEffort: check.implementationEffort,
  };
}

/** How many status changes an assessment keeps. */
export const ASSESSMENT_STATUS_HISTORY_LIMIT = 20;

export interface AssessmentStatusChange {
  code: AssessmentStatus['code'];
  cause?: string;
  timeUtc: string;
}

/** The stored assessment: Defender's `Microsoft.Security/assessments` shape, flattened, one per check and cluster. */
export interface Assessment {
  /** Deterministic (subscription, cluster, check): the same assessment always has the same document id. */
  id: string;
  /** The check name (Defender's assessment key). */
  name: string;
  /** Partition key. */
  subscriptionId: string;
  resourceDetails: { source: 'Azure'; id: string };
  displayName: string;
  status: AssessmentStatus;
  metadata: AssessmentMetadata;
  additionalData: Record<string, string>;
  equivalents: CheckEquivalents | WorkloadControlEquivalents;
  exemption?: AppliedExemption;
  /** Workload assessments only: the failing objects, each with the source that said so. */
  subAssessments?: WorkloadSubAssessment[];
  firstEvaluationDate: string;
  /** When the status code last changed (the first evaluation's time until then). */
  statusChangeDate: string;
  /** When this document was last written. */
  timeGenerated: string;
  /** Status changes, oldest first, at most ASSESSMENT_STATUS_HISTORY_LIMIT. */
  statusHistory: AssessmentStatusChange[];
  /**
   * Counts the exported changes (the first evaluation, then each status code change): the export's `(id, version)`
   * names one state, so a consumer that sees it twice can drop the repeat.
   */
  version: number;
  /**
   * When the last exported change was written (the incremental export's order; the refresh stamps it at write time
   * and again after a slow write, as alerts' `lastModifiedUtc`).
   */
  exportedChangeUtc: string;
}

/** A deterministic, opaque assessment id (32 hex characters). */
export function createAssessmentId(subscriptionId: string, clusterResourceId: string, checkName: string): string {
  return createHash('sha256').update([subscriptionId.toLowerCase(), clusterResourceId.toLowerCase(), checkName].join('\n')).digest('hex').slice(0, 32);
}

/**
 * The assessment to store for `result` at `now`, or undefined when the stored one already says the same (status,
 * additional data, exemption, metadata): a re-evaluation with the same result writes nothing. The first evaluation
 * date stays; the status change date and the history move only when the status code changes.
 */
export function nextAssessment(stored: Assessment | undefined, result: ClusterAssessmentResult, now: string): Assessment | undefined {
  const body = {
    id: createAssessmentId(result.subscriptionId, result.clusterResourceId, result.checkName),
    name: result.checkName,
    subscriptionId: result.subscriptionId,
    resourceDetails: { source: 'Azure' as const, id: result.clusterResourceId },
    displayName: result.displayName,
    status: result.status,
    metadata: result.metadata,
    additionalData: result.additionalData,
    equivalents: result.equivalents,
    ...(result.exemption === undefined ? {} : { exemption: result.exemption }),
    ...(result.subAssessments === undefined ? {} : { subAssessments: result.subAssessments }),
  };
  const change: AssessmentStatusChange = { code: result.status.code, timeUtc: now, ...(result.status.cause === undefined ? {} : { cause: result.status.cause }) };
  if (stored === undefined) {
    return { ...body, firstEvaluationDate: now, statusChangeDate: now, timeGenerated: now, statusHistory: [change], version: 1, exportedChangeUtc: now };
  }
  const codeChanged = stored.status.code !== result.status.code;
  if (!codeChanged && sameContent(stored, body)) return undefined;
  const statusHistory = codeChanged ? [...stored.statusHistory, change].slice(-ASSESSMENT_STATUS_HISTORY_LIMIT) : stored.statusHistory;
  // Documents written before versions existed lack both: their version counts from 0.
  const earlier: Partial<Pick<Assessment, 'version' | 'exportedChangeUtc'>> = stored;
  const version = earlier.version ?? 0;
  return {
    ...body,
    firstEvaluationDate: stored.firstEvaluationDate,
    statusChangeDate: codeChanged ? now : stored.statusChangeDate,
    timeGenerated: now,
    statusHistory,
    version: codeChanged ? version + 1 : version,
    exportedChangeUtc: codeChanged ? now : (earlier.exportedChangeUtc ?? stored.statusChangeDate),
  };
}

/** Whether `next` is a change the export carries (a new version), rather than a rewrite of details. */
export function isExportedChange(stored: Assessment | undefined, next: Assessment): boolean {
  return stored === undefined || next.version !== stored.version;
}

function sameContent(stored: Assessment, body: Omit<Assessment, 'firstEvaluationDate' | 'statusChangeDate' | 'timeGenerated' | 'statusHistory' | 'version' | 'exportedChangeUtc'>): boolean {
  const storedBody = {
    id: stored.id,
    name: stored.name,
    subscriptionId: stored.subscriptionId,
    resourceDetails: stored.resourceDetails,
    displayName: stored.displayName,
    status: stored.status,
    metadata: stored.metadata,
    additionalData: stored.additionalData,
    equivalents: stored.equivalents,
    ...(stored.exemption === undefined ? {} : { exemption: stored.exemption }),
    ...(stored.subAssessments === undefined ? {} : { subAssessments: stored.subAssessments }),
  };
  return canonicalJson(storedBody) === canonicalJson(body);
}

/** JSON with object keys sorted, so key order (a Cosmos round trip) does not count as a change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'object' && member !== null && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
