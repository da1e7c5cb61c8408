import { changeAlertStatus } from '../../functions/changeAlertStatus';
import { deleteCluster } from '../../functions/deleteCluster';
import { exportAlerts } from '../../functions/exportAlerts';
import { exportAssessments } from '../../functions/exportAssessments';
import { exportIncidents } from '../../functions/exportIncidents';
import { getExportSettings } from '../../functions/getExportSettings';
import { getPipelineHealth } from '../../functions/getPipelineHealth';
import { getSimulation } from '../../functions/getSimulation';
import { listExportDeadLetters } from '../../functions/listExportDeadLetters';
import { putExportSettings } from '../../functions/putExportSettings';
import { startSimulation } from '../../functions/startSimulation';
import { deleteRoleAssignment } from '../../functions/deleteRoleAssignment';
import { deleteSuppressionRule } from '../../functions/deleteSuppressionRule';
import { getAlert } from '../../functions/getAlert';
import { getCluster } from '../../functions/getCluster';
import { getPlan } from '../../functions/getPlan';
import { getRoleAssignment } from '../../functions/getRoleAssignment';
import { getSuppressionRule } from '../../functions/getSuppressionRule';
import { listAlerts } from '../../functions/listAlerts';
import { listClusters } from '../../functions/listClusters';
import { listRoleAssignments } from '../../functions/listRoleAssignments';
import { listSuppressionRules } from '../../functions/listSuppressionRules';
import { putCluster } from '../../functions/putCluster';
import { putRoleAssignment } from '../../functions/putRoleAssignment';
import { putSuppressionRule } from '../../functions/putSuppressionRule';
import { simulateSuppressionRule } from '../../functions/simulateSuppressionRule';
import { updatePlan } from '../../functions/updatePlan';
import { deleteAssessmentExemption } from '../../functions/deleteAssessmentExemption';
import { getAssessment } from '../../functions/getAssessment';
import { getAssessmentExemption } from '../../functions/getAssessmentExemption';
import { getAssessmentRefresh } from '../../functions/getAssessmentRefresh';
import { getSecureScore } from '../../functions/getSecureScore';
import { listAssessmentExemptions } from '../../functions/listAssessmentExemptions';
import { listAssessments } from '../../functions/listAssessments';
import { listWorkloadNamespaces } from '../../functions/listWorkloadNamespaces';
import { listWorkloads } from '../../functions/listWorkloads';
import { putAssessmentExemption } from '../../functions/putAssessmentExemption';
import { startAssessmentRefresh } from '../../functions/startAssessmentRefresh';
import { deleteThreatIntelSet } from '../../functions/deleteThreatIntelSet';
import { getThreatIntelSet } from '../../functions/getThreatIntelSet';
import { listThreatIntelSets } from '../../functions/listThreatIntelSets';
import { putThreatIntelSet } from '../../functions/putThreatIntelSet';
import { changeIncidentStatus } from '../../functions/changeIncidentStatus';
import { getIncident } from '../../functions/getIncident';
import { listIncidents } from '../../functions/listIncidents';
import { correlateIncidents } from '../../shared/alerts/correlateIncidents';
import { reconcileIncidents } from '../../shared/alerts/reconcileIncidents';
import { writeIncident } from '../../shared/store/incidentStore';
import { alertsFrom, escalationStoryEvents } from '../support/incidentFixtures';
import { getThreatIntelSet as readThreatIntelSet, upsertThreatIntelSet } from '../../shared/store/threatIntelSetStore';
import { getAssessmentExemption as readAssessmentExemption, upsertAssessmentExemption } from '../../shared/store/assessmentExemptionStore';
import { saveAssessmentRefreshRun } from '../../shared/store/assessmentRefreshStore';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { container, workloadEvent } from '../../shared/detection/exampleEvents';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { inventoryChangeOf } from '../../shared/posture/workloadInventory';
import { recordInventoryChanges } from '../../shared/store/workloadInventoryStore';
import { recordOf } from '../support/ruleHarness';
import { type SubscriptionRole } from '../../shared/auth/roles';
import { generateIngestionKey } from '../../shared/clusters/ingestionKey';
import { createIngestionKeyVerifier } from '../../shared/clusters/ingestionKeyVerifier';
import { getServices } from '../../shared/services';
import { defaultClusterIdentity } from '../../shared/clusters/clusterRegistration';
import { SimulationStatus } from '../../shared/simulation/simulationRun';
import { upsertAlerts } from '../../shared/store/alertStore';
import { createSimulationRun } from '../../shared/store/simulationStore';
import { getClusterRegistration as readClusterRegistration, issueClusterKey, saveClusterRegistration } from '../../shared/store/clusterStore';
import { getRoleAssignment as readRoleAssignment, upsertRoleAssignment } from '../../shared/store/roleAssignmentStore';
import { getSuppressionRule as readSuppressionRule, upsertSuppressionRule } from '../../shared/store/suppressionRuleStore';
import { ALERT_SUBSCRIPTION, templateAlert } from '../support/alertFixtures';
import { ApiHarness, type Handler, type TestCaller } from '../support/apiHarness';
import { suppressionRule } from '../support/suppressionRuleFixtures';

/*
 * Issue 5's authorization matrix: every `/subscriptions/{subscriptionId}/...` route x every kind of caller.
 * No token: 401. A role too low: 403. No role in the subscription: 403 for collections, 404 for single
 * resources. Operators (`Argus.Admin`) only on the role assignment routes. The expectations are computed
 * here from the issue's permission table, independently of shared/auth.
 */

const SUB = ALERT_SUBSCRIPTION.toLowerCase();
const OTHER_SUB = '7c2d9e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f';

type CallerName = 'no token' | 'no role' | 'SecurityReader' | 'SecurityAdmin' | 'Owner' | 'operator' | 'Owner of another subscription';

const CALLERS: Record<Exclude<CallerName, 'no token'>, TestCaller> = {
  'no role': { objectId: 'a0000000-0000-4000-8000-000000000001', name: 'Nora Norole' },
  SecurityReader: { objectId: 'a0000000-0000-4000-8000-000000000002', name: 'Riley Reader' },
  SecurityAdmin: { objectId: 'a0000000-0000-4000-8000-000000000003', name: 'Avery Admin' },
  Owner: { objectId: 'a0000000-0000-4000-8000-000000000004', name: 'Olive Owner' },
  operator: { objectId: 'a0000000-0000-4000-8000-000000000005', name: 'Opal Operator', appRoles: ['Argus.Admin'] },
  'Owner of another subscription': { objectId: 'a0000000-0000-4000-8000-000000000006', name: 'Otto Other' },
};
const CALLER_NAMES: CallerName[] = ['no token', 'no role', 'SecurityReader', 'SecurityAdmin', 'Owner', 'operator', 'Owner of another subscription'];
/** The caller's role in SUB (the subscription every row calls). */
const ROLE_IN_SUB: Partial<Record<CallerName, SubscriptionRole>> = { SecurityReader: 'SecurityReader', SecurityAdmin: 'SecurityAdmin', Owner: 'Owner' };
const RANK: Record<SubscriptionRole, number> = { SecurityReader: 1, SecurityAdmin: 2, Owner: 3 };

/** Another principal holding a role in SUB, whose assignment the role assignment rows read. */
const SUBJECT = { objectId: 'b0000000-0000-4000-8000-000000000001', name: 'Sid Subject' };
const RULE_NAME = 'matrix-rule';
const CLUSTER_NAME = 'matrix-cluster';
const ALERT = { ...templateAlert(), subscriptionId: SUB };
const MISSING_ALERT_ID = '0123456789abcdef0123456789abcdef';
/** An incident of SUB as the correlation timer writes it (its alerts are not stored here: listed as missing). */
const INCIDENT = reconcileIncidents([], correlateIncidents(alertsFrom(escalationStoryEvents())), new Date('2026-11-02T12:05:00Z'))[0];
const MISSING_INCIDENT_ID = 'fedcba9876543210fedcba9876543210';
const MISSING_PRINCIPAL = 'c0000000-0000-4000-8000-00000000dead';
const SIMULATION_ID = 'f0000000-0000-4000-8000-000000000001';
const MISSING_SIMULATION_ID = 'f0000000-0000-4000-8000-00000000dead';
const EXEMPTION_NAME = 'matrix-exemption';
const THREAT_INTEL_SET_NAME = 'matrix-intel-set';
const THREAT_INTEL_SET_BODY = { description: 'authorization matrix', ips: ['198.51.100.7'], cidrs: ['203.0.113.0/24'], domains: ['c2.example.net'] };
const REFRESH_ID = 'f1000000-0000-4000-8000-000000000001';
const MISSING_REFRESH_ID = 'f1000000-0000-4000-8000-00000000dead';
/** A cluster of SUB with one workload in the inventory, for the workload namespace route. */
const WORKLOAD_CLUSTER = parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/rg-matrix/providers/Microsoft.ContainerService/managedClusters/matrix-cluster`)?.resourceId ?? '';
const EXEMPTION_BODY = { checkName: 'network-policy', scope: `/subscriptions/${SUB}`, category: 'waiver', reason: 'authorization matrix' };

let harness: ApiHarness;

/** A GUID unique to one case, for the throwaway principal a case creates or deletes. */
let throwawayCounter = 0;
function throwawayPrincipal(): string {
  throwawayCounter++;
  return `d0000000-0000-4000-8000-${throwawayCounter.toString(16).padStart(12, '0')}`;
}
function throwawayRuleName(): string {
  throwawayCounter++;
  return `throwaway-${throwawayCounter}`;
}
function throwawayClusterName(): string {
  throwawayCounter++;
  return `throwaway-cluster-${throwawayCounter}`;
}

async function seedRule(subscriptionId: string, name: string): Promise<void> {
  const now = new Date().toISOString();
  const actor = { principalId: 'test-setup', principalName: 'test setup' };
  await upsertSuppressionRule(harness.database, {
    ...suppressionRule({ name }),
    id: name,
    subscriptionId,
    createdAtUtc: now,
    createdBy: actor,
    updatedAtUtc: now,
    updatedBy: actor,
  });
}

async function seedThreatIntelSet(subscriptionId: string, name: string): Promise<void> {
  const now = new Date().toISOString();
  const actor = { principalId: 'test-setup', principalName: 'test setup' };
  await upsertThreatIntelSet(harness.database, { ...THREAT_INTEL_SET_BODY, id: name, subscriptionId, name, createdAtUtc: now, createdBy: actor, updatedAtUtc: now, updatedBy: actor });
}

async function seedExemption(subscriptionId: string, name: string): Promise<void> {
  await upsertAssessmentExemption(harness.database, { ...EXEMPTION_BODY, category: 'waiver', name, subscriptionId, createdBy: 'test-setup', createdUtc: new Date().toISOString() });
}

async function seedCluster(subscriptionId: string, clusterName: string): Promise<void> {
  const key = generateIngestionKey(subscriptionId, clusterName);
  const registration = issueClusterKey(undefined, {
    key,
    keyVerifier: await createIngestionKeyVerifier(getServices().secrets, subscriptionId, clusterName, key.keyHash),
    identity: defaultClusterIdentity(subscriptionId, clusterName),
    previousKeyValidForMinutes: 0,
    by: { principalId: 'test-setup', principalName: 'test setup' },
    now: new Date(),
  });
  expect(await saveClusterRegistration(harness.database, registration)).toMatchObject({ kind: 'saved' });
}

async function seedAssignment(subscriptionId: string, principalId: string, role: SubscriptionRole): Promise<void> {
  const now = new Date().toISOString();
  await upsertRoleAssignment(harness.database, {
    id: principalId,
    subscriptionId,
    principalId,
    role,
    principalName: 'Throwaway',
    createdAtUtc: now,
    createdBy: { principalId: 'test-setup', principalName: 'test setup' },
    updatedAtUtc: now,
  });
}

interface CaseInput {
  /** Route parameters other than subscriptionId. */
  params: Record<string, string>;
  /** Query parameters the route needs. */
  query?: Record<string, string>;
  /** Checks, after a refusal, that the route changed nothing. */
  unchanged?: () => Promise<void>;
}

interface Row {
  /** The function name (= file name). */
  name: string;
  handler: Handler;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  route: string;
  /** The weakest role that may use the route (from the issue's permission table). */
  minimumRole: SubscriptionRole;
  target: 'collection' | 'single';
  /** Operators (`Argus.Admin`, no role) may use it in any subscription. */
  operator: boolean;
  /** The status of a permitted call. */
  success: number;
  /** Permitted callers whose call deliberately meets a non-auth outcome (e.g. 404 for a missing resource). */
  otherOutcome?: Partial<Record<CallerName, number>>;
  /** A variant of a route already listed (another situation of the same route). */
  variant?: string;
  input: (caller: TestCaller | null) => Promise<CaseInput> | CaseInput;
  body?: unknown;
}

const anyone: TestCaller = { objectId: 'e0000000-0000-4000-8000-000000000001', name: 'Anonymous' };

const TABLE: Row[] = [
  { name: 'listAlerts', handler: listAlerts, method: 'GET', route: 'subscriptions/{subscriptionId}/alerts', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getAlert', handler: getAlert, method: 'GET', route: 'subscriptions/{subscriptionId}/alerts/{alertId}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { alertId: ALERT.id } }) },
  {
    // Dismissing again is idempotent: every permitted case gets 200.
    name: 'changeAlertStatus', handler: changeAlertStatus, method: 'POST', route: 'subscriptions/{subscriptionId}/alerts/{alertId}/{action}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 200,
    body: { comment: 'authorization matrix' },
    input: () => ({ params: { alertId: ALERT.id, action: 'dismiss' } }),
  },
  { name: 'listIncidents', handler: listIncidents, method: 'GET', route: 'subscriptions/{subscriptionId}/incidents', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getIncident', handler: getIncident, method: 'GET', route: 'subscriptions/{subscriptionId}/incidents/{incidentId}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { incidentId: INCIDENT?.id ?? '' } }) },
  {
    // Dismissing again is idempotent: every permitted case gets 200.
    name: 'changeIncidentStatus', handler: changeIncidentStatus, method: 'POST', route: 'subscriptions/{subscriptionId}/incidents/{incidentId}/{action}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 200,
    body: { comment: 'authorization matrix' },
    input: () => ({ params: { incidentId: INCIDENT?.id ?? '', action: 'dismiss' } }),
  },
  { name: 'getPlan', handler: getPlan, method: 'GET', route: 'subscriptions/{subscriptionId}/plan', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'updatePlan', handler: updatePlan, method: 'PUT', route: 'subscriptions/{subscriptionId}/plan', minimumRole: 'Owner', target: 'collection', operator: false, success: 200, body: { enabled: true }, input: () => ({ params: {} }) },
  { name: 'listSuppressionRules', handler: listSuppressionRules, method: 'GET', route: 'subscriptions/{subscriptionId}/suppressionRules', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getSuppressionRule', handler: getSuppressionRule, method: 'GET', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { name: RULE_NAME } }) },
  {
    name: 'putSuppressionRule', handler: putSuppressionRule, method: 'PUT', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 201,
    body: { alertType: 'K8S_PrivilegedContainer', reason: 'ExpectedActivity', comment: 'matrix', state: 'Enabled', conditions: [{ field: 'namespace', in: ['monitoring'] }] },
    input: () => {
      const name = throwawayRuleName();
      return { params: { name }, unchanged: async () => expect(await readSuppressionRule(harness.database, SUB, name)).toBeUndefined() };
    },
  },
  {
    name: 'deleteSuppressionRule', handler: deleteSuppressionRule, method: 'DELETE', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 204,
    input: async () => {
      const name = throwawayRuleName();
      await seedRule(SUB, name);
      return { params: { name }, unchanged: async () => expect(await readSuppressionRule(harness.database, SUB, name)).toBeDefined() };
    },
  },
  { name: 'simulateSuppressionRule', handler: simulateSuppressionRule, method: 'POST', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}/simulate', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 200, input: () => ({ params: { name: RULE_NAME } }) },
  { name: 'listThreatIntelSets', handler: listThreatIntelSets, method: 'GET', route: 'subscriptions/{subscriptionId}/threatIntelSets', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getThreatIntelSet', handler: getThreatIntelSet, method: 'GET', route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { name: THREAT_INTEL_SET_NAME } }) },
  {
    name: 'putThreatIntelSet', handler: putThreatIntelSet, method: 'PUT', route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 201,
    body: THREAT_INTEL_SET_BODY,
    input: () => {
      const name = throwawayRuleName();
      return { params: { name }, unchanged: async () => expect(await readThreatIntelSet(harness.database, SUB, name)).toBeUndefined() };
    },
  },
  {
    name: 'deleteThreatIntelSet', handler: deleteThreatIntelSet, method: 'DELETE', route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 204,
    input: async () => {
      const name = throwawayRuleName();
      await seedThreatIntelSet(SUB, name);
      return { params: { name }, unchanged: async () => expect(await readThreatIntelSet(harness.database, SUB, name)).toBeDefined() };
    },
  },
  { name: 'listClusters', handler: listClusters, method: 'GET', route: 'subscriptions/{subscriptionId}/clusters', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getCluster', handler: getCluster, method: 'GET', route: 'subscriptions/{subscriptionId}/clusters/{clusterName}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { clusterName: CLUSTER_NAME } }) },
  {
    name: 'putCluster', handler: putCluster, method: 'PUT', route: 'subscriptions/{subscriptionId}/clusters/{clusterName}', minimumRole: 'Owner', target: 'single', operator: false, success: 201,
    input: () => {
      const clusterName = throwawayClusterName();
      return { params: { clusterName }, unchanged: async () => expect(await readClusterRegistration(harness.database, SUB, clusterName)).toBeUndefined() };
    },
  },
  {
    name: 'deleteCluster', handler: deleteCluster, method: 'DELETE', route: 'subscriptions/{subscriptionId}/clusters/{clusterName}', minimumRole: 'Owner', target: 'single', operator: false, success: 204,
    input: async () => {
      const clusterName = throwawayClusterName();
      await seedCluster(SUB, clusterName);
      return { params: { clusterName }, unchanged: async () => expect(await readClusterRegistration(harness.database, SUB, clusterName)).toBeDefined() };
    },
  },
  { name: 'exportAlerts', handler: exportAlerts, method: 'GET', route: 'subscriptions/{subscriptionId}/export/alerts', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'exportAssessments', handler: exportAssessments, method: 'GET', route: 'subscriptions/{subscriptionId}/export/assessments', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'exportIncidents', handler: exportIncidents, method: 'GET', route: 'subscriptions/{subscriptionId}/export/incidents', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getExportSettings', handler: getExportSettings, method: 'GET', route: 'subscriptions/{subscriptionId}/exportSettings', minimumRole: 'SecurityAdmin', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  {
    name: 'putExportSettings', handler: putExportSettings, method: 'PUT', route: 'subscriptions/{subscriptionId}/exportSettings', minimumRole: 'SecurityAdmin', target: 'collection', operator: false, success: 200,
    body: { targets: [] },
    input: () => ({ params: {} }),
  },
  { name: 'listExportDeadLetters', handler: listExportDeadLetters, method: 'GET', route: 'subscriptions/{subscriptionId}/exportSettings/deadLetters', minimumRole: 'SecurityAdmin', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  {
    // An empty alertTypes list is refused after authorization (400), so a permitted call sends nothing.
    name: 'startSimulation', handler: startSimulation, method: 'POST', route: 'subscriptions/{subscriptionId}/simulations', minimumRole: 'SecurityAdmin', target: 'collection', operator: false, success: 400,
    body: { alertTypes: [] },
    input: () => ({ params: {} }),
  },
  { name: 'getSimulation', handler: getSimulation, method: 'GET', route: 'subscriptions/{subscriptionId}/simulations/{simulationId}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { simulationId: SIMULATION_ID } }) },
  { name: 'getPipelineHealth', handler: getPipelineHealth, method: 'GET', route: 'subscriptions/{subscriptionId}/health', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'listRoleAssignments', handler: listRoleAssignments, method: 'GET', route: 'subscriptions/{subscriptionId}/roleAssignments', minimumRole: 'Owner', target: 'collection', operator: true, success: 200, input: () => ({ params: {} }) },
  {
    // Another principal's assignment: Owners and operators only (Reader and Admin get 403).
    name: 'getRoleAssignment', handler: getRoleAssignment, method: 'GET', route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}', minimumRole: 'Owner', target: 'single', operator: true, success: 200,
    input: () => ({ params: { principalId: SUBJECT.objectId } }),
  },
  {
    // The caller's own assignment: any role holder. The operator has none in SUB: 404 (not an auth outcome).
    name: 'getRoleAssignment', variant: 'own assignment', handler: getRoleAssignment, method: 'GET', route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}', minimumRole: 'SecurityReader', target: 'single', operator: true, success: 200,
    otherOutcome: { operator: 404 },
    input: (caller) => ({ params: { principalId: (caller ?? anyone).objectId } }),
  },
  {
    name: 'putRoleAssignment', handler: putRoleAssignment, method: 'PUT', route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}', minimumRole: 'Owner', target: 'single', operator: true, success: 201,
    body: { role: 'SecurityReader', principalName: 'Throwaway' },
    input: () => {
      const principalId = throwawayPrincipal();
      return { params: { principalId }, unchanged: async () => expect(await readRoleAssignment(harness.database, SUB, principalId)).toBeUndefined() };
    },
  },
  { name: 'listAssessments', handler: listAssessments, method: 'GET', route: 'subscriptions/{subscriptionId}/assessments', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  // The required `cluster` query parameter is missing here, which is refused after authorization (400).
  { name: 'getAssessment', handler: getAssessment, method: 'GET', route: 'subscriptions/{subscriptionId}/assessments/{name}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 400, input: () => ({ params: { name: 'network-policy' } }) },
  { name: 'listWorkloads', handler: listWorkloads, method: 'GET', route: 'subscriptions/{subscriptionId}/workloads', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'listWorkloadNamespaces', handler: listWorkloadNamespaces, method: 'GET', route: 'subscriptions/{subscriptionId}/workloadNamespaces', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {}, query: { cluster: WORKLOAD_CLUSTER } }) },
  { name: 'getSecureScore', handler: getSecureScore, method: 'GET', route: 'subscriptions/{subscriptionId}/secureScore', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  {
    // With the plan on; the default cluster source lists nothing here, so a permitted refresh writes no assessment.
    name: 'startAssessmentRefresh', handler: startAssessmentRefresh, method: 'POST', route: 'subscriptions/{subscriptionId}/assessments/refresh', minimumRole: 'SecurityAdmin', target: 'collection', operator: false, success: 202,
    input: async () => {
      await upsertPlan(harness.database, changePlan(SUB, undefined, { enabled: true, by: { principalId: 'test-setup', principalName: 'test setup' }, now: new Date() }));
      return { params: {} };
    },
  },
  { name: 'getAssessmentRefresh', handler: getAssessmentRefresh, method: 'GET', route: 'subscriptions/{subscriptionId}/assessments/refresh/{refreshId}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { refreshId: REFRESH_ID } }) },
  { name: 'listAssessmentExemptions', handler: listAssessmentExemptions, method: 'GET', route: 'subscriptions/{subscriptionId}/assessmentExemptions', minimumRole: 'SecurityReader', target: 'collection', operator: false, success: 200, input: () => ({ params: {} }) },
  { name: 'getAssessmentExemption', handler: getAssessmentExemption, method: 'GET', route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}', minimumRole: 'SecurityReader', target: 'single', operator: false, success: 200, input: () => ({ params: { name: EXEMPTION_NAME } }) },
  {
    name: 'putAssessmentExemption', handler: putAssessmentExemption, method: 'PUT', route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 201,
    body: EXEMPTION_BODY,
    input: () => {
      const name = throwawayRuleName();
      return { params: { name }, unchanged: async () => expect(await readAssessmentExemption(harness.database, SUB, name)).toBeUndefined() };
    },
  },
  {
    name: 'deleteAssessmentExemption', handler: deleteAssessmentExemption, method: 'DELETE', route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}', minimumRole: 'SecurityAdmin', target: 'single', operator: false, success: 204,
    input: async () => {
      const name = throwawayRuleName();
      await seedExemption(SUB, name);
      return { params: { name }, unchanged: async () => expect(await readAssessmentExemption(harness.database, SUB, name)).toBeDefined() };
    },
  },
  {
    name: 'deleteRoleAssignment', handler: deleteRoleAssignment, method: 'DELETE', route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}', minimumRole: 'Owner', target: 'single', operator: true, success: 204,
    input: async () => {
      const principalId = throwawayPrincipal();
      await seedAssignment(SUB, principalId, 'SecurityReader');
      return { params: { principalId }, unchanged: async () => expect(await readRoleAssignment(harness.database, SUB, principalId)).toBeDefined() };
    },
  },
];

/** What the issue says the caller gets from the row's route in SUB. */
function expectedStatus(row: Row, callerName: CallerName): number {
  if (callerName === 'no token') return 401;
  const permitted = row.otherOutcome?.[callerName] ?? row.success;
  if (callerName === 'operator' && row.operator) return permitted;
  const role = ROLE_IN_SUB[callerName];
  if (role === undefined) return row.target === 'collection' ? 403 : 404;
  return RANK[role] >= RANK[row.minimumRole] ? permitted : 403;
}

function pathOf(route: string, params: Record<string, string>): string {
  return `/api/${route.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(params[key] ?? ''))}`;
}

const rowLabel = (row: Row): string => `${row.method} ${row.route}${row.variant ? ` (${row.variant})` : ''}`;
const CASES = TABLE.flatMap((row) => CALLER_NAMES.map((callerName) => ({ row, callerName, label: rowLabel(row), expected: expectedStatus(row, callerName) })));
const ERROR_CODES: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' };

beforeAll(async () => {
  harness = await new ApiHarness().start();
  await harness.grant(SUB, CALLERS.SecurityReader, 'SecurityReader');
  await harness.grant(SUB, CALLERS.SecurityAdmin, 'SecurityAdmin');
  await harness.grant(SUB, CALLERS.Owner, 'Owner');
  await harness.grant(SUB, SUBJECT, 'SecurityReader');
  await harness.grant(OTHER_SUB, CALLERS['Owner of another subscription'], 'Owner');
  await upsertAlerts(harness.database, [ALERT]);
  await seedRule(SUB, RULE_NAME);
  await seedCluster(SUB, CLUSTER_NAME);
  await seedExemption(SUB, EXEMPTION_NAME);
  await seedThreatIntelSet(SUB, THREAT_INTEL_SET_NAME);
  if (INCIDENT === undefined) throw new Error('the escalation story formed no incident');
  expect(await writeIncident(harness.database, INCIDENT, undefined)).toMatchObject({ kind: 'written' });
  const workloadChange = inventoryChangeOf(recordOf(workloadEvent('pods', { containers: [container()] }, { name: 'matrix-pod', namespace: 'matrix' })).event, WORKLOAD_CLUSTER);
  if (workloadChange === undefined) throw new Error('expected an inventory change');
  await recordInventoryChanges(harness.database, [{ subscriptionId: SUB, change: workloadChange }], new Date());
  await saveAssessmentRefreshRun(harness.database, {
    id: REFRESH_ID,
    subscriptionId: SUB,
    status: 'Succeeded',
    trigger: 'onDemand',
    requestedBy: { principalId: 'test-setup', principalName: 'test setup' },
    requestedAtUtc: '2026-11-22T10:00:00.000Z',
    completedAtUtc: '2026-11-22T10:00:01.000Z',
  });
  await createSimulationRun(harness.database, {
    id: SIMULATION_ID,
    subscriptionId: SUB,
    trigger: 'onDemand',
    requestedBy: { principalId: 'test-setup', principalName: 'test setup' },
    requestedAtUtc: '2026-11-22T10:00:00.000Z',
    alertTypes: ['K8S_PrivilegedContainer'],
    eventCount: 1,
    sentAtUtc: '2026-11-22T10:00:00.000Z',
    deadlineUtc: '2026-11-22T10:15:00.000Z',
    status: SimulationStatus.succeeded,
    completedAtUtc: '2026-11-22T10:00:02.000Z',
    expected: [],
  });
});
afterAll(async () => {
  await harness.stop();
});

describe('authorization matrix of /subscriptions/{subscriptionId}/ routes', () => {
  it('when every function definition is loaded, then each subscription route is in the table with its own handler, and each table row is a registered route', () => {
    const registered = loadFunctionDefinitions()
      .filter((definition) => definition.kind === 'http')
      .flatMap((definition) => {
        const options = definition.options as { route: string; methods?: string[]; handler: unknown };
        return (options.methods ?? []).map((method) => ({ key: `${method.toUpperCase()} ${options.route}`, name: definition.name, handler: options.handler }));
      })
      .filter(({ key }) => / subscriptions\/\{subscriptionId\}\//.test(key));
    const listed = new Set(TABLE.map((row) => `${row.method} ${row.route}`));

    expect(registered.map(({ key }) => key).filter((key) => !listed.has(key))).toEqual([]);
    expect([...listed].filter((key) => !registered.some((r) => r.key === key))).toEqual([]);
    for (const row of TABLE) {
      const definition = registered.find((r) => r.key === `${row.method} ${row.route}`);
      expect({ route: rowLabel(row), name: definition?.name, sameHandler: definition?.handler === row.handler }).toEqual({ route: rowLabel(row), name: row.name, sameHandler: true });
    }
  });

  it.each(CASES)('when $callerName calls $label, then it is $expected', async ({ row, callerName, expected }) => {
    const caller = callerName === 'no token' ? null : CALLERS[callerName];
    const { params, query, unchanged } = await row.input(caller);
    const allParams = { subscriptionId: SUB, ...params };
    const response = await harness.call(row.handler, row.method, pathOf(row.route, allParams), {
      params: allParams,
      ...(query === undefined ? {} : { query }),
      as: caller,
      ...(row.body === undefined ? {} : { body: row.body }),
    });

    expect({ status: response.status }).toEqual({ status: expected });
    const refused = expected === 401 || expected === 403 || (expected === 404 && row.otherOutcome?.[callerName] !== 404);
    if (refused) {
      expect((response.jsonBody as { error?: { code?: string } } | undefined)?.error?.code).toBe(ERROR_CODES[expected]);
      if (unchanged) await unchanged();
    }
  });
});

describe('404 of another tenant\'s single resource', () => {
  // The same request for an existing resource of SUB and for one that exists nowhere, by callers without a role in SUB.
  const probes: { label: string; handler: Handler; method: string; route: string; existing: Record<string, string>; missing: Record<string, string>; body?: unknown }[] = [
    { label: 'GET alert', handler: getAlert, method: 'GET', route: 'subscriptions/{subscriptionId}/alerts/{alertId}', existing: { alertId: ALERT.id }, missing: { alertId: MISSING_ALERT_ID } },
    { label: 'POST alert dismiss', handler: changeAlertStatus, method: 'POST', route: 'subscriptions/{subscriptionId}/alerts/{alertId}/{action}', existing: { alertId: ALERT.id, action: 'dismiss' }, missing: { alertId: MISSING_ALERT_ID, action: 'dismiss' } },
    { label: 'GET incident', handler: getIncident, method: 'GET', route: 'subscriptions/{subscriptionId}/incidents/{incidentId}', existing: { incidentId: INCIDENT?.id ?? '' }, missing: { incidentId: MISSING_INCIDENT_ID } },
    { label: 'POST incident dismiss', handler: changeIncidentStatus, method: 'POST', route: 'subscriptions/{subscriptionId}/incidents/{incidentId}/{action}', existing: { incidentId: INCIDENT?.id ?? '', action: 'dismiss' }, missing: { incidentId: MISSING_INCIDENT_ID, action: 'dismiss' } },
    { label: 'GET suppression rule', handler: getSuppressionRule, method: 'GET', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}', existing: { name: RULE_NAME }, missing: { name: 'no-such-rule' } },
    { label: 'DELETE suppression rule', handler: deleteSuppressionRule, method: 'DELETE', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}', existing: { name: RULE_NAME }, missing: { name: 'no-such-rule' } },
    { label: 'POST suppression rule simulate', handler: simulateSuppressionRule, method: 'POST', route: 'subscriptions/{subscriptionId}/suppressionRules/{name}/simulate', existing: { name: RULE_NAME }, missing: { name: 'no-such-rule' } },
    { label: 'GET cluster', handler: getCluster, method: 'GET', route: 'subscriptions/{subscriptionId}/clusters/{clusterName}', existing: { clusterName: CLUSTER_NAME }, missing: { clusterName: 'no-such-cluster' } },
    { label: 'DELETE cluster', handler: deleteCluster, method: 'DELETE', route: 'subscriptions/{subscriptionId}/clusters/{clusterName}', existing: { clusterName: CLUSTER_NAME }, missing: { clusterName: 'no-such-cluster' } },
    { label: 'GET simulation', handler: getSimulation, method: 'GET', route: 'subscriptions/{subscriptionId}/simulations/{simulationId}', existing: { simulationId: SIMULATION_ID }, missing: { simulationId: MISSING_SIMULATION_ID } },
    { label: 'GET assessment exemption', handler: getAssessmentExemption, method: 'GET', route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}', existing: { name: EXEMPTION_NAME }, missing: { name: 'no-such-exemption' } },
    { label: 'DELETE assessment exemption', handler: deleteAssessmentExemption, method: 'DELETE', route: 'subscriptions/{subscriptionId}/assessmentExemptions/{name}', existing: { name: EXEMPTION_NAME }, missing: { name: 'no-such-exemption' } },
    { label: 'GET threat-intel set', handler: getThreatIntelSet, method: 'GET', route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}', existing: { name: THREAT_INTEL_SET_NAME }, missing: { name: 'no-such-set' } },
    { label: 'DELETE threat-intel set', handler: deleteThreatIntelSet, method: 'DELETE', route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}', existing: { name: THREAT_INTEL_SET_NAME }, missing: { name: 'no-such-set' } },
    { label: 'GET assessment refresh', handler: getAssessmentRefresh, method: 'GET', route: 'subscriptions/{subscriptionId}/assessments/refresh/{refreshId}', existing: { refreshId: REFRESH_ID }, missing: { refreshId: MISSING_REFRESH_ID } },
    { label: 'GET role assignment', handler: getRoleAssignment, method: 'GET', route: 'subscriptions/{subscriptionId}/roleAssignments/{principalId}', existing: { principalId: SUBJECT.objectId }, missing: { principalId: MISSING_PRINCIPAL } },
  ];
  const cases = probes.flatMap((probe) => (['Owner of another subscription', 'no role'] as const).map((callerName) => ({ ...probe, callerName })));

  it.each(cases)('when $callerName asks for $label of SUB, then the 404 is identical for an existing and a non-existent resource', async ({ handler, method, route, existing, missing, callerName }) => {
    const call = (params: Record<string, string>) => {
      const allParams = { subscriptionId: SUB, ...params };
      return harness.call(handler, method, pathOf(route, allParams), { params: allParams, as: CALLERS[callerName] });
    };
    const [forExisting, forMissing] = [await call(existing), await call(missing)];

    expect(forExisting.status).toBe(404);
    const seen = (response: typeof forExisting): unknown => ({ status: response.status, headers: response.headers as unknown, body: response.jsonBody as unknown });
    expect(seen(forExisting)).toEqual(seen(forMissing));
  });

  it('when the Owner of another subscription probes SUB, then the existing resources are untouched', async () => {
    expect(await readSuppressionRule(harness.database, SUB, RULE_NAME)).toBeDefined();
    expect(await readClusterRegistration(harness.database, SUB, CLUSTER_NAME)).toBeDefined();
    expect(await readAssessmentExemption(harness.database, SUB, EXEMPTION_NAME)).toBeDefined();
  });
});
