import { exportAssessments } from '../../functions/exportAssessments';
import { putAssessmentExemption } from '../../functions/putAssessmentExemption';
import { startAssessmentRefresh } from '../../functions/startAssessmentRefresh';
import { updatePlan } from '../../functions/updatePlan';
import { type ClusterSource } from '../../shared/azure/clusterSource';
import { encodeExportCursor } from '../../shared/export/pullExport';
import { type ArmJson } from '../../shared/posture/clusterCheck';
import { clusterChecks } from '../../shared/posture/checks/cluster';
import { exampleCluster, hardenedCluster, hardenedClusterFacts } from '../../shared/posture/exampleClusters';
import { type ExportedAssessment } from '../../shared/posture/export/exportedAssessment';
import { type OcsfComplianceFinding } from '../../shared/posture/export/assessmentOcsf';
import { resetServices, setAlertEventPublisherForTests, setClusterSourceForTests } from '../../shared/services';
import { listAssessments } from '../../shared/store/assessmentStore';
import { ApiHarness, expectInvalidParameter, roleCast } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * Assessment changes leave Argus like alerts: the pull feed `GET .../export/assessments` (json, ocsf, cef; the export
 * cursor), and the plan's switch-on assesses at once. The settle time is its minimum (1 s), waited out.
 */

const SUB = '7a7a7a7a-0000-4000-8000-000000000001';
const OTHER_SUB = '7a7a7a7a-0000-4000-8000-000000000002';
const cast = roleCast('7');
const SETTLE_IN_MS = 1000;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_IN_MS + 50));

const clusterId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`;
let clusters: ArmJson[] = [exampleCluster({}, { id: clusterId('aks-default'), name: 'aks-default' }), hardenedCluster({}, { id: clusterId('aks-hardened'), name: 'aks-hardened' })];
const FACTS_NOW = new Date().toISOString();
const source: ClusterSource = {
  listClusters: (subscriptionIds) => Promise.resolve({ clusters: clusters.filter((cluster) => subscriptionIds.some((id) => String(cluster['id']).includes(id))), problems: [] }),
  factsOf: (cluster, now) => Promise.resolve(cluster['name'] === 'aks-hardened' ? { ...hardenedClusterFacts(FACTS_NOW), now } : { now }),
};

interface FeedPage<T> {
  value: T[];
  cursor: string;
  hasMore: boolean;
}

describe('assessment changes in the export', () => {
  const harness = new ApiHarness();
  const alertEvents = new RecordingPublisher();
  let restoreSettings: () => void;

  beforeAll(async () => {
    await harness.start();
    restoreSettings = applyAppSettings({ EXPORT_SETTLE_SECONDS: String(SETTLE_IN_MS / 1000) });
    resetServices();
    setClusterSourceForTests(source);
    setAlertEventPublisherForTests(alertEvents);
    await harness.grantCast(cast, SUB, OTHER_SUB);
  });
  afterAll(async () => {
    setAlertEventPublisherForTests(undefined);
    restoreSettings();
    resetServices();
    await harness.stop();
  });

  const pull = (query: Record<string, string> = {}, as = cast.reader, sub = SUB) =>
    harness.call(exportAssessments, 'GET', `/api/subscriptions/${sub}/export/assessments`, { params: { subscriptionId: sub }, as, query });
  const pullAll = async <T>(query: Record<string, string> = {}): Promise<{ records: T[]; cursor: string }> => {
    const records: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const response = await pull({ ...query, ...(cursor === undefined ? {} : { cursor }) });
      expect(response.status).toBe(200);
      const page = response.jsonBody as FeedPage<T>;
      records.push(...page.value);
      cursor = page.cursor;
      if (!page.hasMore) return { records, cursor };
    }
  };
  const putPlan = (enabled: boolean) => harness.call(updatePlan, 'PUT', `/api/subscriptions/${SUB}/plan`, { params: { subscriptionId: SUB }, as: cast.owner, body: { enabled } });

  it('when the owner switches the plan on, then the clusters are assessed at once and the answer holds the run; switching on again runs nothing', async () => {
    const response = await putPlan(true);
    expect(response.status).toBe(200);
    const body = response.jsonBody as { enabled: boolean; assessmentRefresh: Record<string, unknown>; onboarding: { clusterConfigurationAccess: { azureCliCommands: string[] } } };
    expect(body.enabled).toBe(true);
    expect(body.assessmentRefresh).toMatchObject({ status: 'Succeeded', trigger: 'planEnabled', clusters: 2, written: 2 * clusterChecks.length, exported: 2 * clusterChecks.length });
    expect(String(body.assessmentRefresh['location'])).toContain(`/api/subscriptions/${SUB}/assessments/refresh/${String(body.assessmentRefresh['id'])}`);
    expect(body.onboarding.clusterConfigurationAccess.azureCliCommands[1]).toContain(`--role Reader --scope /subscriptions/${SUB}`);
    expect(await listAssessments(harness.database, SUB)).toHaveLength(2 * clusterChecks.length);
    expect(alertEvents.take()).toHaveLength(2 * clusterChecks.length);

    const again = await putPlan(true);
    expect(again.jsonBody).not.toHaveProperty('assessmentRefresh');
  });

  it('when the feed is pulled page by page, then every assessment comes once, as JSON with kind assessment at version 1, and the cursor continues where it stopped', async () => {
    await settle();
    const { records, cursor } = await pullAll<ExportedAssessment>({ top: '7' });
    expect(records).toHaveLength(2 * clusterChecks.length);
    expect(new Set(records.map((record) => record.id)).size).toBe(records.length);
    expect(records.every((record) => record.kind === 'assessment' && record.version === 1 && record.subscriptionId === SUB)).toBe(true);
    const stamps = records.map((record) => record.exportedChangeUtc);
    expect([...stamps].sort()).toEqual(stamps);

    const nothingNew = await pull({ cursor });
    expect((nothingNew.jsonBody as FeedPage<unknown>).value).toEqual([]);
  });

  it('when a cluster is fixed and refreshed, then the next pull brings exactly the changed assessment at version 2', async () => {
    const { cursor } = await pullAll<ExportedAssessment>();
    clusters = [exampleCluster({ networkProfile: { networkPolicy: 'cilium', networkPlugin: 'azure' } }, { id: clusterId('aks-default'), name: 'aks-default' }), clusters[1] as ArmJson];
    const refreshed = await harness.call(startAssessmentRefresh, 'POST', `/api/subscriptions/${SUB}/assessments/refresh`, { params: { subscriptionId: SUB }, as: cast.admin });
    expect(refreshed.jsonBody).toMatchObject({ exported: 1 });
    await settle();
    const page = (await pull({ cursor })).jsonBody as FeedPage<ExportedAssessment>;
    expect(page.value).toHaveLength(1);
    expect(page.value[0]).toMatchObject({ name: 'network-policy', version: 2, status: { code: 'Healthy' }, resourceDetails: { id: clusterId('aks-default') } });
    expect(page.value[0]?.statusHistory.map((change) => change.code)).toEqual(['Unhealthy', 'Healthy']);
  });

  it('when pulled as OCSF, then each record is a Compliance Finding (2003) with the check as control and Pass/Fail status', async () => {
    const response = await pull({ format: 'ocsf', top: '1000' });
    const body = response.jsonBody as FeedPage<OcsfComplianceFinding> & { ocsfSchemaVersion: string };
    expect(body.ocsfSchemaVersion).toBe('1.3.0');
    expect(body.value).toHaveLength(2 * clusterChecks.length);
    for (const finding of body.value) {
      expect(finding).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200300 + finding.activity_id, metadata: { version: '1.3.0' }, cloud: { provider: 'Azure', account: { uid: SUB } } });
      expect(finding.compliance.standards.length).toBeGreaterThan(0);
      expect(finding.finding_info.uid).toMatch(/^[0-9a-f]{32}$/);
    }
    const fixed = body.value.find((finding) => finding.compliance.control === 'network-policy' && finding.resources[0]?.name === 'aks-default');
    expect(fixed).toMatchObject({ activity_id: 2, compliance: { status: 'Pass', status_id: 1 }, status: 'Resolved' });
    const failing = body.value.find((finding) => finding.compliance.control === 'private-cluster' && finding.resources[0]?.name === 'aks-default');
    expect(failing).toMatchObject({ activity_id: 1, compliance: { status: 'Fail', status_id: 3 }, status: 'New' });
  });

  it('when pulled as CEF, then each line names assessment:<check>, the cursor is in the header, and an exemption in force shows on the record', async () => {
    const exempted = await harness.call(putAssessmentExemption, 'PUT', `/api/subscriptions/${SUB}/assessmentExemptions/private-by-design`, {
      params: { subscriptionId: SUB, name: 'private-by-design' },
      as: cast.admin,
      body: { checkName: 'private-cluster', scope: clusterId('aks-default'), category: 'mitigated', reason: 'The API server is only reachable through the firewall' },
    });
    expect(exempted.status).toBeLessThan(300);
    const response = await pull({ format: 'cef', top: '1000' });
    const lines = (response.body as string).trim().split('\n');
    expect(lines).toHaveLength(2 * clusterChecks.length);
    expect(lines.every((line) => /^CEF:0\|Argus\|Argus\|[^|]+\|assessment:[a-z0-9-]+\|/.test(line))).toBe(true);
    expect((response.headers as Record<string, string>)['x-argus-cursor']).toBeDefined();
    const privateLine = lines.find((line) => line.includes('|assessment:private-cluster|') && line.includes('aks-default'));
    expect(privateLine).toContain('cs5Label=exemption cs5=mitigated');
    expect(privateLine).toMatch(/\|0\|/);
    const json = (await pullAll<ExportedAssessment>()).records.find((record) => record.name === 'private-cluster' && record.resourceDetails.id.endsWith('/aks-default'));
    expect(json?.exemption).toMatchObject({ name: 'private-by-design', category: 'mitigated' });
  });

  it('when the caller has no role here, then it is 403; without a token 401; a forged cursor is 400 naming cursor', async () => {
    expect((await pull({}, cast.stranger)).status).toBe(403);
    expect((await harness.call(exportAssessments, 'GET', `/api/subscriptions/${SUB}/export/assessments`, { params: { subscriptionId: SUB }, as: null })).status).toBe(401);
    expectInvalidParameter(await pull({ cursor: 'not-a-cursor' }), 'cursor');
    expectInvalidParameter(await pull({ format: 'xml' }), 'format');
    // A cursor of the alert feed is a valid position here too: the contract is the same.
    expect((await pull({ cursor: encodeExportCursor({ lastModifiedUtc: '2026-01-01T00:00:00.000Z', id: 'x' }) })).status).toBe(200);
  });
});
