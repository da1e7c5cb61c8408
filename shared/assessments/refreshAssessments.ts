import type { Database } from '@azure/cosmos';
import { type ClusterSource, type SubscriptionProblem, SubscriptionProblemKind } from '../azure/clusterSource';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { publishAssessmentChanges } from '../messaging/assessmentChangedEvents';
import { type EventPublisher } from '../messaging/eventPublisher';
import { type ArmJson, type ClusterCheck, type ClusterFacts } from '../posture/clusterCheck';
import { clusterChecks } from '../posture/checks/cluster';
import { type Assessment, type ClusterAssessmentResult, createAssessmentId, evaluateClusterChecks, isExportedChange, nextAssessment } from '../posture/evaluateClusterChecks';
import { noReadAccessResults } from '../posture/noReadAccess';
import { type PolicyStateSource } from '../azure/policyStateSource';
import { AssessmentCategory } from '../posture/assessment';
import { workloadControls as allWorkloadControls } from '../posture/checks/workload';
import { type ClusterWorkloads, evaluateWorkloadAssessments } from '../posture/evaluateWorkloadAssessments';
import { isAddonEnabled } from '../posture/managedClusterFields';
import { policyStateResultsOf } from '../posture/policyStateResults';
import { type WorkloadControl } from '../posture/workloadControl';
import { type InventoryDocument } from '../posture/workloadInventory';
import { DEFAULT_WORKLOAD_SETTINGS, type WorkloadSettings } from '../posture/workloadSettings';
import { listSubscriptionWorkloads } from '../store/workloadInventoryStore';
import { listAssessmentExemptions } from '../store/assessmentExemptionStore';
import { lastAuditEventHourByCluster } from '../store/assessmentRefreshInputs';
import { deleteAssessments, listAssessments, upsertAssessments } from '../store/assessmentStore';
import { mapWithConcurrency } from '../store/mapWithConcurrency';
import { getPlan } from '../store/planStore';
import { exemptAssessments } from './exemptAssessments';

/**
 * The assessment refresh (the edge around the pure cluster checks): for each subscription whose plan is enabled, read
 * its clusters and the facts beside them, evaluate every check, and write only the assessments that changed
 * (`nextAssessment`): a refresh with the same results writes nothing. Assessments of clusters that are gone (and of
 * checks no longer in the catalogue) are deleted, but only for a subscription whose clusters could be listed: a
 * listing that failed deletes nothing. Subscriptions without the plan are not read at all.
 *
 * A subscription Argus may not read (403) is not a silent gap: its assessments become NotApplicable with cause
 * `noReadAccess` (one per check on the subscription itself when it has none yet), which the list, the score and the
 * export show; throttling and outages keep the last results. Status changes are exported: each is stamped when it is
 * written (`exportedChangeUtc`, stamped again after a write slower than `restampAfterInMs`, so the pull export never
 * reads past it) and published to the alert-events hub for the push targets.
 *
 * Workload assessments come from the workload inventory (the audit stream), not from ARM: one per workload control and
 * cluster the inventory has (any cluster, AKS or not), plus Azure Policy's component states for the AKS clusters that run
 * its add-on. A refused or failed ARM listing does not touch them.
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
  /** Where status changes are published for the push export (the alert-events hub); none: not pushed. */
  publisher?: EventPublisher;
  /** The write-time clock of exported changes (RFC 3339); default the system clock. */
  stamp?: () => string;
  /** A change whose write took longer than this from its stamp is stamped again (the export's settle time). */
  restampAfterInMs?: number;
  /** Default: every workload control. */
  workloadControls?: readonly WorkloadControl[];
  /** Default: DEFAULT_WORKLOAD_SETTINGS. */
  workloadSettings?: WorkloadSettings;
  /** Where the Azure Policy add-on's component states are read (clusters with the add-on); none: not read. */
  policyStateSource?: PolicyStateSource;
}

export interface SubscriptionRefresh {
  subscriptionId: string;
  clusters: number;
  written: number;
  deleted: number;
  unchanged: number;
  /** Status changes (first evaluations included): in the pull export, and pushed when a publisher is given. */
  exported: number;
  problems: string[];
}

export interface AssessmentRefreshResult {
  /** The subscriptions refreshed (plan enabled). */
  subscriptions: SubscriptionRefresh[];
  /** The subscriptions asked for whose plan is not enabled: not read. */
  skipped: string[];
}

const CLUSTER_CONCURRENCY = 8;
const WRITE_CONCURRENCY = 16;
/** The export's default settle time (EXPORT_SETTLE_SECONDS). */
const DEFAULT_RESTAMP_AFTER_IN_MS = 10_000;
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
    const problems = listing.problems.filter((problem) => problem.subscriptionId.toLowerCase() === subscriptionId);
    subscriptions.push(await refreshSubscription(options, subscriptionId, clustersBySubscription.get(subscriptionId) ?? [], problems));
  }
  return { subscriptions, skipped };
}

async function refreshSubscription(
  options: RefreshAssessmentsOptions,
  subscriptionId: string,
  clusters: readonly ArmJson[],
  listingProblems: readonly SubscriptionProblem[],
): Promise<SubscriptionRefresh> {
  const { database, now } = options;
  const checks = options.checks ?? clusterChecks;
  const stored = new Map((await listAssessments(database, subscriptionId)).map((assessment) => [assessment.id, assessment]));
  const problems = listingProblems.map((problem) => `${problem.kind}: ${problem.detail}`);
  const refused = listingProblems.find((problem) => problem.kind === SubscriptionProblemKind.NoReadAccess);
  const storedClusterAssessments = [...stored.values()].filter((assessment) => !assessment.metadata.categories.includes(AssessmentCategory.Workload));
  const results = [
    ...(refused !== undefined ? noReadAccessResults(subscriptionId, storedClusterAssessments, checks, refused.detail) : await evaluateClusters(options, subscriptionId, clusters, checks)),
    ...(await evaluateWorkloads(options, subscriptionId, clusters, problems)),
  ];

  const seen = new Set<string>();
  const changed: Assessment[] = [];
  let unchanged = 0;
  for (const result of results) {
    if (result.subscriptionId !== subscriptionId) continue;
    const id = createAssessmentId(result.subscriptionId, result.clusterResourceId, result.checkName);
    seen.add(id);
    const next = nextAssessment(stored.get(id), result, now);
    if (next === undefined) unchanged++;
    else changed.push(next);
  }
  // A refused listing replaces the results it has (and deletes the subscription-level ones once clusters are readable).
  const gone = problems.length > 0 && refused === undefined ? [] : [...stored.keys()].filter((id) => !seen.has(id));
  const exportedChanges = changed.filter((next) => isExportedChange(stored.get(next.id), next));
  const exported = new Set(exportedChanges.map((next) => next.id));
  await upsertAssessments(
    database,
    changed.filter((next) => !exported.has(next.id)),
  );
  const writes: (Assessment | undefined)[] = [];
  try {
    await writeExportedChanges(options, exportedChanges, writes);
  } catch (error) {
    // What was written before the fault is pushed now: the next refresh finds it stored, unchanged, and exports nothing of it.
    await publishWritten(options, subscriptionId, writes.filter((next) => next !== undefined), problems);
    throw error;
  }
  const written = writes.filter((next) => next !== undefined);
  await deleteAssessments(database, subscriptionId, gone);
  await publishWritten(options, subscriptionId, written, problems);
  return { subscriptionId, clusters: clusters.length, written: changed.length, deleted: gone.length, unchanged, exported: written.length, problems };
}

/** Pushes written status changes (with the exemptions in force); a failure is a problem of the refresh (the pull export has them). */
async function publishWritten(options: RefreshAssessmentsOptions, subscriptionId: string, written: readonly Assessment[], problems: string[]): Promise<void> {
  if (options.publisher === undefined || written.length === 0) return;
  try {
    const exemptions = await listAssessmentExemptions(options.database, subscriptionId);
    await publishAssessmentChanges(options.publisher, exemptAssessments(written, exemptions, options.now));
  } catch (error) {
    problems.push(`pushFailed: ${written.length} status changes were not published for the push export (the pull export has them): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Writes exported changes stamped at write time, and again when a write outlasted the settle time, each into `written` at
 * its index once stored (so that, when one fails, the caller still knows which were).
 */
async function writeExportedChanges(options: RefreshAssessmentsOptions, changes: readonly Assessment[], written: (Assessment | undefined)[]): Promise<void> {
  const stamp = options.stamp ?? (() => new Date().toISOString());
  const restampAfterInMs = options.restampAfterInMs ?? DEFAULT_RESTAMP_AFTER_IN_MS;
  await mapWithConcurrency(changes, WRITE_CONCURRENCY, async (change, index) => {
    let next: Assessment = { ...change, exportedChangeUtc: stamp() };
    await upsertAssessments(options.database, [next]);
    written[index] = next;
    if (Date.parse(stamp()) - Date.parse(next.exportedChangeUtc) > restampAfterInMs) {
      next = { ...next, exportedChangeUtc: stamp() };
      await upsertAssessments(options.database, [next]);
      written[index] = next;
    }
  });
}

/** The workload assessments of every cluster in the subscription's inventory (and of AKS clusters Azure Policy reports on). */
async function evaluateWorkloads(options: RefreshAssessmentsOptions, subscriptionId: string, clusters: readonly ArmJson[], problems: string[]): Promise<ClusterAssessmentResult[]> {
  const controls = options.workloadControls ?? allWorkloadControls;
  if (controls.length === 0) return [];
  const byCluster = new Map<string, { clusterResourceId: string; workloads: InventoryDocument[] }>();
  for (const workload of await listSubscriptionWorkloads(options.database, subscriptionId)) {
    const key = workload.cluster.toLowerCase();
    const entry = byCluster.get(key) ?? { clusterResourceId: workload.cluster, workloads: [] };
    entry.workloads.push(workload);
    byCluster.set(key, entry);
  }
  const withPolicy = options.policyStateSource === undefined ? [] : clusters.filter((cluster) => isAddonEnabled(cluster, 'azurepolicy') && typeof cluster['id'] === 'string');
  const policyByCluster = new Map<string, ClusterWorkloads['azurePolicy']>();
  await mapWithConcurrency(withPolicy, CLUSTER_CONCURRENCY, async (cluster) => {
    const id = String(cluster['id']);
    const listing = await (options.policyStateSource as PolicyStateSource).listComponentPolicyStates(id);
    if (!listing.ok) {
      problems.push(`azurePolicy ${listing.problem.kind}: ${id.split('/').at(-1) ?? id}: ${listing.problem.detail}`);
      return;
    }
    const results = policyStateResultsOf(listing.states, controls).results;
    policyByCluster.set(id.toLowerCase(), results);
    // A cluster Argus has no workloads of is assessed on Azure Policy's word alone, when it has any.
    if (!byCluster.has(id.toLowerCase()) && results.length > 0) byCluster.set(id.toLowerCase(), { clusterResourceId: id, workloads: [] });
  });
  const settings = options.workloadSettings ?? DEFAULT_WORKLOAD_SETTINGS;
  return [...byCluster].flatMap(([key, entry]) => {
    const azurePolicy = policyByCluster.get(key);
    return evaluateWorkloadAssessments(subscriptionId, { ...entry, ...(azurePolicy === undefined ? {} : { azurePolicy }) }, settings, controls);
  });
}

async function evaluateClusters(options: RefreshAssessmentsOptions, subscriptionId: string, clusters: readonly ArmJson[], checks: readonly ClusterCheck[]): Promise<ClusterAssessmentResult[]> {
  const { database, clusterSource, now } = options;
  const lastAuditHour = await lastAuditEventHourByCluster(database, subscriptionId, new Date(Date.parse(now) - AUDIT_LOOKBACK_IN_MS).toISOString());
  const evaluated = await mapWithConcurrency(clusters, CLUSTER_CONCURRENCY, async (cluster) => {
    const facts: ClusterFacts = { ...(await clusterSource.factsOf(cluster, now)), now };
    if (facts.argusAuditHub === undefined && options.argusAuditHub !== undefined) facts.argusAuditHub = options.argusAuditHub;
    const name = typeof cluster['name'] === 'string' ? cluster['name'].toLowerCase() : '';
    const lastAudit = lastAuditHour.get(name);
    if (facts.lastAuditEventUtc === undefined && lastAudit !== undefined) facts.lastAuditEventUtc = lastAudit;
    return evaluateClusterChecks(cluster, facts, checks);
  });
  return evaluated.flat();
}
