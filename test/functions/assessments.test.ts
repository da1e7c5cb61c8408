import { deleteAssessmentExemption } from '../../functions/deleteAssessmentExemption';
import { getAssessment } from '../../functions/getAssessment';
import { getAssessmentExemption } from '../../functions/getAssessmentExemption';
import { getAssessmentRefresh } from '../../functions/getAssessmentRefresh';
import { getSecureScore } from '../../functions/getSecureScore';
import { listAssessmentExemptions } from '../../functions/listAssessmentExemptions';
import { listAssessments } from '../../functions/listAssessments';
import { putAssessmentExemption } from '../../functions/putAssessmentExemption';
import { refreshAssessments as refreshTimer } from '../../functions/refreshAssessments';
import { startAssessmentRefresh } from '../../functions/startAssessmentRefresh';
import { type ClusterSource } from '../../shared/azure/clusterSource';
import { resetServices, setAlertEventPublisherForTests, setClusterSourceForTests } from '../../shared/services';
import { type ArmJson } from '../../shared/posture/clusterCheck';
import { clusterChecks } from '../../shared/posture/checks/cluster';
import { exampleCluster, hardenedCluster, hardenedClusterFacts } from '../../shared/posture/exampleClusters';
import { type Assessment } from '../../shared/posture/evaluateClusterChecks';
import { type SecureScore } from '../../shared/posture/secureScore';
import { listAssessments as readAssessments } from '../../shared/store/assessmentStore';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { ApiHarness, expectInvalidParameter, type Handler, roleCast } from '../support/apiHarness';
import { invocationContext } from '../support/httpRequests';
import { RecordingPublisher } from '../support/recordingPublisher';

const SUB = '5c4b3a29-1807-4f6e-8d5c-4b3a29180700';
const OTHER_SUB = '5c4b3a29-1807-4f6e-8d5c-4b3a29180799';
const OFF_SUB = '5c4b3a29-1807-4f6e-8d5c-4b3a291807ff';
const cast = roleCast('5');

const clusterId = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`;
function clusterOf(sub: string, name: string, hardened: boolean): ArmJson {
  const resource = { id: clusterId(sub, name), name };
  return hardened ? hardenedCluster({}, resource) : exampleCluster({}, resource);
}

const clusters = [clusterOf(SUB, 'aks-default', false), clusterOf(SUB, 'aks-hardened', true), clusterOf(OTHER_SUB, 'aks-other', false)];
// Facts fixed at load: the last audit event does not move between refreshes, so a second refresh sees the same results.
const FACTS_NOW = new Date().toISOString();
const source: ClusterSource = {
  listClusters: (subscriptionIds) => Promise.resolve({ clusters: clusters.filter((cluster) => subscriptionIds.some((id) => String(cluster['id']).includes(id))), problems: [] }),
  factsOf: (cluster, now) => Promise.resolve(cluster['name'] === 'aks-hardened' ? { ...hardenedClusterFacts(FACTS_NOW), now } : { now }),
};

describe('assessment routes', () => {
  let harness: ApiHarness;
  const alertEvents = new RecordingPublisher();
  const by = { principalId: 'test-setup', principalName: 'test setup' };

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    resetServices();
    setClusterSourceForTests(source);
    setAlertEventPublisherForTests(alertEvents);
    await harness.grantCast(cast, SUB, OTHER_SUB);
    await harness.grant(OFF_SUB, cast.admin, 'SecurityAdmin');
    for (const sub of [SUB, OTHER_SUB]) await upsertPlan(harness.database, changePlan(sub, undefined, { enabled: true, by, now: new Date() }));
  });
  afterAll(async () => {
    setClusterSourceForTests(undefined);
    setAlertEventPublisherForTests(undefined);
    resetServices();
    await harness.stop();
  });

  const path = (sub: string, rest = '') => `/api/subscriptions/${sub}/${rest}`;
  const refresh = (sub = SUB, as = cast.admin) => harness.call(startAssessmentRefresh, 'POST', path(sub, 'assessments/refresh'), { params: { subscriptionId: sub }, as });
  const list = (query?: Record<string, string>, as = cast.reader, sub = SUB) =>
    harness.call(listAssessments, 'GET', path(sub, 'assessments'), { params: { subscriptionId: sub }, as, ...(query ? { query } : {}) });
  const get = (name: string, cluster: string | undefined, as = cast.reader, sub = SUB) =>
    harness.call(getAssessment, 'GET', path(sub, `assessments/${name}`), { params: { subscriptionId: sub, name }, as, ...(cluster === undefined ? {} : { query: { cluster } }) });
  const score = (as = cast.reader, sub = SUB) => harness.call(getSecureScore, 'GET', path(sub, 'secureScore'), { params: { subscriptionId: sub }, as });
  const putExemption = (name: string, body: unknown, as = cast.admin, sub = SUB) =>
    harness.call(putAssessmentExemption, 'PUT', path(sub, `assessmentExemptions/${name}`), { params: { subscriptionId: sub, name }, body, as });
  const getExemption = (name: string, as = cast.reader, sub = SUB) =>
    harness.call(getAssessmentExemption, 'GET', path(sub, `assessmentExemptions/${name}`), { params: { subscriptionId: sub, name }, as });
  const listExemptions = (as = cast.reader, sub = SUB) => harness.call(listAssessmentExemptions, 'GET', path(sub, 'assessmentExemptions'), { params: { subscriptionId: sub }, as });
  const deleteExemption = (name: string, as = cast.admin, sub = SUB) =>
    harness.call(deleteAssessmentExemption, 'DELETE', path(sub, `assessmentExemptions/${name}`), { params: { subscriptionId: sub, name }, as });
  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;
  const valueOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { value: Assessment[]; nextLink?: string });

  describe('refresh', () => {
    it('when an admin refreshes, then it is 202 with a Location whose run says what was written, and the assessments are stored', async () => {
      const response = await refresh();
      expect(response.status).toBe(202);
      const location = String((response.headers as Record<string, string>).location);
      const refreshId = location.split('/').pop() ?? '';
      expect(location).toContain(`/api/subscriptions/${SUB}/assessments/refresh/`);
      const polled = await harness.call(getAssessmentRefresh, 'GET', new URL(location).pathname, { params: { subscriptionId: SUB, refreshId }, as: cast.reader });
      expect(polled.status).toBe(200);
      expect(polled.jsonBody).toMatchObject({ status: 'Succeeded', clusters: 2, written: 2 * clusterChecks.length, deleted: 0, problems: [] });
      expect(await readAssessments(harness.database, SUB)).toHaveLength(2 * clusterChecks.length);
      expect(polled.jsonBody).toMatchObject({ trigger: 'onDemand', exported: 2 * clusterChecks.length });
      const published = alertEvents.take().map((body) => JSON.parse(body) as { type: string; subscriptionId: string });
      expect(published).toHaveLength(2 * clusterChecks.length);
      expect(published.every((event) => event.type === 'assessmentChanged' && event.subscriptionId === SUB)).toBe(true);

      const again = await refresh();
      expect(again.jsonBody).toMatchObject({ status: 'Succeeded', written: 0, unchanged: 2 * clusterChecks.length, exported: 0 });
      expect(alertEvents.take()).toEqual([]);
    });

    it('when a reader refreshes, then it is 403; without a token 401; when the plan is off, then it is 409 PlanNotEnabled', async () => {
      expect((await refresh(SUB, cast.reader)).status).toBe(403);
      expect((await harness.call(startAssessmentRefresh, 'POST', path(SUB, 'assessments/refresh'), { params: { subscriptionId: SUB }, as: null })).status).toBe(401);
      const off = await refresh(OFF_SUB);
      expect(off.status).toBe(409);
      expect(errorOf(off).code).toBe('PlanNotEnabled');
    });

    it('when a refresh is polled from another subscription or does not exist, then it is 404', async () => {
      const response = await refresh();
      const refreshId = String((response.headers as Record<string, string>).location).split('/').pop() ?? '';
      expect((await harness.call(getAssessmentRefresh, 'GET', '/x', { params: { subscriptionId: SUB, refreshId }, as: cast.stranger })).status).toBe(404);
      const missing = 'f0000000-0000-4000-8000-00000000dead';
      expect((await harness.call(getAssessmentRefresh, 'GET', '/x', { params: { subscriptionId: SUB, refreshId: missing }, as: cast.reader })).status).toBe(404);
      expectInvalidParameter(await harness.call(getAssessmentRefresh, 'GET', '/x', { params: { subscriptionId: SUB, refreshId: 'nope' }, as: cast.reader }), 'refreshId');
    });

    it('when the timer runs, then every subscription with the plan on is refreshed and the other subscription gets its own assessments', async () => {
      await refreshTimer({ isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as never, invocationContext('refreshAssessments'));
      const other = await readAssessments(harness.database, OTHER_SUB);
      expect(other).toHaveLength(clusterChecks.length);
      expect(other.every((assessment) => assessment.subscriptionId === OTHER_SUB)).toBe(true);
      expect(await readAssessments(harness.database, OFF_SUB)).toEqual([]);
    });
  });

  describe('list and get', () => {
    beforeAll(async () => {
      await refresh();
    });

    it('when a reader lists, then every assessment of the subscription comes back and none of another subscription', async () => {
      const response = await list({ top: '500' });
      expect(response.status).toBe(200);
      const { value } = valueOf(response);
      expect(value).toHaveLength(2 * clusterChecks.length);
      expect(value.every((assessment) => assessment.subscriptionId === SUB)).toBe(true);
    });

    it('when filtered by cluster, status, severity and category, then only matching assessments come back', async () => {
      const hardened = valueOf(await list({ cluster: 'aks-hardened', top: '500' })).value;
      expect(hardened).toHaveLength(clusterChecks.length);
      expect(hardened.every((assessment) => assessment.status.code === 'Healthy')).toBe(true);
      const byId = valueOf(await list({ cluster: clusterId(SUB, 'aks-default').toUpperCase(), status: 'unhealthy', top: '500' })).value;
      expect(byId.length).toBeGreaterThan(0);
      expect(byId.every((assessment) => assessment.status.code === 'Unhealthy' && assessment.resourceDetails.id.endsWith('/aks-default'))).toBe(true);
      const high = valueOf(await list({ severity: 'High', category: 'networking', top: '500' })).value;
      expect(high.length).toBeGreaterThan(0);
      expect(high.every((assessment) => assessment.metadata.severity === 'High' && assessment.metadata.categories.includes('Networking'))).toBe(true);
    });

    it('when paged with top, then the pages follow nextLink and together hold every assessment once', async () => {
      const seen: string[] = [];
      let query: Record<string, string> | undefined = { top: '7' };
      while (query !== undefined) {
        const page = valueOf(await list(query));
        seen.push(...page.value.map((assessment) => assessment.id));
        query = page.nextLink === undefined ? undefined : Object.fromEntries(new URL(page.nextLink).searchParams);
      }
      expect(seen).toHaveLength(2 * clusterChecks.length);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('when a filter is wrong, then it is 400 naming the parameter', async () => {
      expectInvalidParameter(await list({ status: 'broken' }), 'status');
      expectInvalidParameter(await list({ severity: 'Critical' }), 'severity');
      expectInvalidParameter(await list({ category: 'Kitchen' }), 'category');
      expectInvalidParameter(await list({ cluster: '/not/a/cluster' }), 'cluster');
      expectInvalidParameter(await list({ top: '0' }), 'top');
      expectInvalidParameter(await list({ continuation: 'garbage' }), 'continuation');
      expectInvalidParameter(await list({ colour: 'red' }), 'colour');
    });

    it('when one assessment is read by check and cluster, then it is that one; a missing one is 404; the cluster is required', async () => {
      const response = await get('network-policy', 'aks-default');
      expect(response.status).toBe(200);
      expect(response.jsonBody).toMatchObject({ name: 'network-policy', status: { code: 'Unhealthy' }, resourceDetails: { id: clusterId(SUB, 'aks-default').toLowerCase().replace('resourcegroups', 'resourceGroups').replace('microsoft.containerservice/managedclusters', 'Microsoft.ContainerService/managedClusters') } });
      expect((await get('network-policy', 'aks-nowhere')).status).toBe(404);
      expectInvalidParameter(await get('network-policy', undefined), 'cluster');
      expectInvalidParameter(await get('Not_A_Check', 'aks-default'), 'name');
    });

    it('when a caller has no role here, then list is 403 and get is 404; without a token both are 401', async () => {
      expect((await list(undefined, cast.stranger)).status).toBe(403);
      expect((await get('network-policy', 'aks-default', cast.stranger)).status).toBe(404);
      expect((await harness.call(listAssessments, 'GET', '/x', { params: { subscriptionId: SUB }, as: null })).status).toBe(401);
      expect((await harness.call(getAssessment, 'GET', '/x', { params: { subscriptionId: SUB, name: 'network-policy' }, query: { cluster: 'aks-default' }, as: null })).status).toBe(401);
      expect((await score(cast.stranger)).status).toBe(403);
    });
  });

  describe('secure score and exemptions', () => {
    beforeAll(async () => {
      await refresh();
    });

    const scoreOf = async () => (await score()).jsonBody as SecureScore & { clusters: (SecureScore & { clusterResourceId: string })[] };

    it('when the score is read, then the hardened cluster scores 100, the default one less, and the subscription in between', async () => {
      const body = await scoreOf();
      const hardened = body.clusters.find((cluster) => cluster.clusterResourceId.endsWith('/aks-hardened'));
      const byDefault = body.clusters.find((cluster) => cluster.clusterResourceId.endsWith('/aks-default'));
      expect(hardened?.score).toBe(100);
      expect(byDefault?.score).toBeLessThan(100);
      expect(body.score).toBeGreaterThan(byDefault?.score ?? 100);
      expect(body.score).toBeLessThan(100);
      expect(body.healthy + body.unhealthy + body.notApplicable + body.exempted).toBe(2 * clusterChecks.length);
    });

    it('when an admin exempts an unhealthy check on the default cluster, then the list shows the exemption and the score rises; deleting it restores both', async () => {
      const before = await scoreOf();
      const scope = clusterId(SUB, 'aks-default');
      const created = await putExemption('np-mitigated', { checkName: 'network-policy', scope, category: 'mitigated', reason: 'Calico is enforced by the platform team.' });
      expect(created.status).toBe(201);
      expect(created.jsonBody).toMatchObject({ name: 'np-mitigated', checkName: 'network-policy', category: 'mitigated', createdBy: cast.admin.objectId });
      expect((await putExemption('np-mitigated', { checkName: 'network-policy', scope, category: 'waiver', reason: 'Accepted until the migration.' })).status).toBe(200);

      const exempted = valueOf(await list({ cluster: 'aks-default', top: '500' })).value.find((assessment) => assessment.name === 'network-policy');
      expect(exempted).toMatchObject({ status: { code: 'Unhealthy' }, exemption: { name: 'np-mitigated', category: 'waiver' } });
      expect((await get('network-policy', 'aks-default')).jsonBody).toMatchObject({ exemption: { name: 'np-mitigated' } });
      const after = await scoreOf();
      expect(after.exempted).toBe(before.exempted + 1);
      expect(after.score).toBeGreaterThan(before.score ?? 0);

      expect((await getExemption('np-mitigated')).jsonBody).toMatchObject({ name: 'np-mitigated', category: 'waiver' });
      expect((await listExemptions()).jsonBody).toMatchObject({ value: [expect.objectContaining({ name: 'np-mitigated' })] });
      expect((await deleteExemption('np-mitigated')).status).toBe(204);
      expect((await deleteExemption('np-mitigated')).status).toBe(404);
      expect((await getExemption('np-mitigated')).status).toBe(404);
      expect((await scoreOf()).score).toBe(before.score);
    });

    it('when an exemption body is wrong, then it is 400 naming the field', async () => {
      const scope = `/subscriptions/${SUB}`;
      const bad = async (body: unknown, field: string) => {
        const response = await putExemption('bad-one', body);
        expect(response.status).toBe(400);
        expect(errorOf(response).message).toMatch(new RegExp(`^${field}`));
      };
      await bad({ checkName: 'no-such-check', scope, category: 'waiver', reason: 'x' }, 'checkName');
      await bad({ checkName: 'network-policy', scope: clusterId(OTHER_SUB, 'aks-other'), category: 'waiver', reason: 'x' }, 'scope');
      await bad({ checkName: 'network-policy', scope, category: 'forever', reason: 'x' }, 'category');
      await bad({ checkName: 'network-policy', scope, category: 'waiver', reason: '' }, 'reason');
      await bad({ checkName: 'network-policy', scope, category: 'waiver', reason: 'x', expiresOnUtc: '2001-01-01T00:00:00Z' }, 'expiresOnUtc');
      await bad({ checkName: 'network-policy', scope, category: 'waiver', reason: 'x', colour: 'red' }, 'colour');
      expectInvalidParameter(await putExemption('x', { checkName: 'network-policy', scope, category: 'waiver', reason: 'x' }), 'name');
      expect((await getExemption('bad-one')).status).toBe(404);
    });

    it('when readers write or strangers touch exemptions, then it is 403 or 404, and nothing changes', async () => {
      const body = { checkName: 'network-policy', scope: `/subscriptions/${SUB}`, category: 'waiver', reason: 'x' };
      const routes: [Handler, string, string | undefined][] = [
        [putAssessmentExemption, 'PUT', 'kept-out'],
        [deleteAssessmentExemption, 'DELETE', 'kept-out'],
      ];
      for (const [handler, method, name] of routes) {
        expect((await harness.call(handler, method, '/x', { params: { subscriptionId: SUB, name: name ?? '' }, body, as: cast.reader })).status).toBe(403);
        expect((await harness.call(handler, method, '/x', { params: { subscriptionId: SUB, name: name ?? '' }, body, as: cast.stranger })).status).toBe(404);
        expect((await harness.call(handler, method, '/x', { params: { subscriptionId: SUB, name: name ?? '' }, body, as: null })).status).toBe(401);
      }
      expect((await listExemptions(cast.stranger)).status).toBe(403);
      expect((await getExemption('kept-out')).status).toBe(404);
    });
  });
});
