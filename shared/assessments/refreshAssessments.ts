import type { Database } from '@azure/cosmos';
import { type ClusterSource } from '../azure/clusterSource';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type ArmJson, type ClusterCheck, type ClusterFacts } from '../posture/clusterCheck';
import { clusterChecks } from '../posture/checks/cluster';
import { type Assessment, createAssessmentId, evaluateClusterChecks, nextAssessment } from '../posture/evaluateClusterChecks';
import { lastAuditEventHourByCluster } from '../store/assessmentRefreshInputs';
import { deleteAssessments, listAssessments, upsertAssessments } from '../store/assessmentStore';
import { mapWithConcurrency } from '../store/mapWithConcurrency';
import { getPlan } from '../store/planStore';

/**
 * The assessment refresh (the edge around the pure cluster checks): for each subscription whose plan is enabled, read
 * its clusters and the facts beside them, evaluate every check, and write only the assessments that changed
 * (`nextAssessment`): a refresh with the same results writes nothing. Assessments of clusters that are gone (and of
 * checks no longer in the catalogue) are deleted, but only for a subscription whose clusters could be listed: a
 * listing that failed deletes nothing. Subscriptions without the plan are not read at all.
 */

export interface RefreshAssessmentsOptions {
  subscriptionIds: readonly string[];
  clusterSource: ClusterSource;
  database: Database;
  /** RFC 3339: the clock is passed in. */
  now: string;
  /** Default: the whole catalogue. */
  checks?: readonly ClusterCheck[];
  /** The hub Argus reads audit records from (`config.auditStream.eventHubName`), for the coverage check. */
  argusAuditHub?: ClusterFacts['argusAuditHub'];
}

export interface SubscriptionRefresh {
  subscriptionId: string;
  clusters: number;
  written: number;
  deleted: number;
  unchanged: number;
  problems: string[];
}

export interface AssessmentRefreshResult {
  /** The subscriptions refreshed (plan enabled). */
  subscriptions: SubscriptionRefresh[];
  /** The subscriptions asked for whose plan is not enabled: not read. */
  skipped: string[];
}

const CLUSTER_CONCURRENCY = 8;
/** How far back the usage meter is read for the last audit event (the coverage check looks 24 hours back). */
const AUDIT_LOOKBACK_IN_MS = 25 * 3_600_000;

export async function refreshAssessments(options: RefreshAssessmentsOptions): Promise<AssessmentRefreshResult> {
  const { database, clusterSource } = options;
  const requested = [...new Set(options.subscriptionIds.map((id) => id.toLowerCase()))];
  const plans = await Promise.all(requested.map(async (subscriptionId) => ({ subscriptionId, enabled: (await getPlan(database, subscriptionId))?.enabled === true })));
  const enabled = plans.filter((plan) => plan.enabled).map((plan) => plan.subscriptionId);
  const skipped = plans.filter((plan) => !plan.enabled).map((plan) => plan.subscriptionId);
  if (enabled.length === 0) return { subscriptions: [], skipped };

  const listing = await clusterSource.listClusters(enabled);
  const clustersBySubscription = new Map<string, ArmJson[]>(enabled.map((id) => [id, []]));
  for (const cluster of listing.clusters) {
    const subscriptionId = parseClusterResourceId(typeof cluster['id'] === 'string' ? cluster['id'] : '')?.subscriptionId;
    if (subscriptionId !== undefined) clustersBySubscription.get(subscriptionId)?.push(cluster);
  }
  const subscriptions: SubscriptionRefresh[] = [];
  for (const subscriptionId of enabled) {
    const problems = listing.problems.filter((problem) => problem.subscriptionId.toLowerCase() === subscriptionId).map((problem) => `${problem.kind}: ${problem.detail}`);
    subscriptions.push(await refreshSubscription(options, subscriptionId, clustersBySubscription.get(subscriptionId) ?? [], problems));
  }
  return { subscriptions, skipped };
}

async function refreshSubscription(options: RefreshAssessmentsOptions, subscriptionId: string, clusters: readonly ArmJson[], problems: string[]): Promise<SubscriptionRefresh> {
  const { database, clusterSource, now } = options;
  const checks = options.checks ?? clusterChecks;
  const stored = new Map((await listAssessments(database, subscriptionId)).map((assessment) => [assessment.id, assessment]));
  const lastAuditHour = await lastAuditEventHourByCluster(database, subscriptionId, new Date(Date.parse(now) - AUDIT_LOOKBACK_IN_MS).toISOString());

  const evaluated = await mapWithConcurrency(clusters, CLUSTER_CONCURRENCY, async (cluster) => {
    const facts: ClusterFacts = { ...(await clusterSource.factsOf(cluster, now)), now };
    if (facts.argusAuditHub === undefined && options.argusAuditHub !== undefined) facts.argusAuditHub = options.argusAuditHub;
    const name = typeof cluster['name'] === 'string' ? cluster['name'].toLowerCase() : '';
    const lastAudit = lastAuditHour.get(name);
    if (facts.lastAuditEventUtc === undefined && lastAudit !== undefined) facts.lastAuditEventUtc = lastAudit;
    return evaluateClusterChecks(cluster, facts, checks);
  });

  const seen = new Set<string>();
  const changed: Assessment[] = [];
  let unchanged = 0;
  for (const result of evaluated.flat()) {
    if (result.subscriptionId !== subscriptionId) continue;
    const id = createAssessmentId(result.subscriptionId, result.clusterResourceId, result.checkName);
    seen.add(id);
    const next = nextAssessment(stored.get(id), result, now);
    if (next === undefined) unchanged++;
    else changed.push(next);
  }
  const gone = problems.length > 0 ? [] : [...stored.keys()].filter((id) => !seen.has(id));
  await upsertAssessments(database, changed);
  await deleteAssessments(database, subscriptionId, gone);
  return { subscriptionId, clusters: clusters.length, written: changed.length, deleted: gone.length, unchanged, problems };
}
