import type { HttpResponseInit } from '@azure/functions';
import { changeIncidentStatus } from '../../functions/changeIncidentStatus';
import { getIncident, type IncidentWithAlerts } from '../../functions/getIncident';
import { listIncidents } from '../../functions/listIncidents';
import { aggregateFindings } from '../../shared/alerts/aggregateFindings';
import { type Alert } from '../../shared/alerts/alert';
import { type Incident } from '../../shared/alerts/incident';
import { refreshIncidents } from '../../shared/alerts/refreshIncidents';
import { evaluateRules } from '../../shared/detection/evaluateRules';
import { clusterAdminBinding } from '../../shared/detection/rules/audit/cluster-admin-binding';
import { execIntoPod } from '../../shared/detection/rules/audit/exec-into-pod';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { normalizeAuditEvent } from '../../shared/kubernetes/normalizeAuditEvent';
import { upsertAlerts } from '../../shared/store/alertStore';
import * as incidentStore from '../../shared/store/incidentStore';
import { ALERT_SUBSCRIPTION } from '../support/alertFixtures';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';
import { alertsFrom, escalationStoryEvents, execInto, privilegedPod, selfEscalation } from '../support/incidentFixtures';

const SUB = ALERT_SUBSCRIPTION;
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const { reader, admin, owner, stranger } = roleCast('6');
const STAGE_CLUSTER = parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/rg-stage/providers/Microsoft.ContainerService/managedClusters/aks-stage-02`) as ClusterIdentity;
const MISSING_INCIDENT_ID = '0123456789abcdef0123456789abcdef';

interface IncidentList {
  value: Incident[];
  nextLink?: string;
}
type ErrorBody = { error: { code: string; message: string } };

const etagHeader = (response: HttpResponseInit): string | undefined => (response.headers as Record<string, string> | undefined)?.etag;

/** The escalation story by another account, pod and addresses: an incident of its own on the same cluster. */
function storyOf(user: string, operator: string, pod: string, addresses: [string, string, string], auditPrefix: string): Record<string, unknown>[] {
  return [
    selfEscalation({ user, sourceIP: addresses[0], time: '2026-11-02T10:20:05.000Z', auditID: `${auditPrefix}-0001` }),
    privilegedPod({ user, pod, sourceIP: addresses[1], time: '2026-11-02T10:22:41.000Z', auditID: `${auditPrefix}-0002` }),
    execInto({ user: operator, pod, sourceIP: addresses[2], time: '2026-11-02T10:24:12.000Z', auditID: `${auditPrefix}-0003` }),
  ];
}

/** Alerts as the pipeline builds them from raw audit events of another cluster than the rule harness's. */
function alertsOn(cluster: ClusterIdentity, events: readonly Record<string, unknown>[]): Alert[] {
  const records = events.map((raw, index) => {
    const normalized = normalizeAuditEvent(raw);
    if (!normalized.ok) throw new Error(`not a valid audit event: ${normalized.detail}`);
    return { event: normalized.event, cluster, source: { index } };
  });
  const { findings } = evaluateRules(records, { rules: [clusterAdminBinding, privilegedContainer, execIntoPod] });
  return aggregateFindings(findings, { windowInMs: 60 * 60 * 1000, now: new Date('2026-11-02T12:00:00Z') });
}

describe('incidents routes', () => {
  const harness = new ApiHarness();
  const prodStory = alertsFrom(escalationStoryEvents());
  const minerStory = alertsFrom(storyOf('lee@fabrikam.com', 'ci-deployer@fabrikam.com', 'miner', ['198.51.100.40', '198.51.100.41', '198.51.100.42'], '2b7f0c11-5e3a-4c2d-8f10-00000000'));
  const stageStory = alertsOn(STAGE_CLUSTER, escalationStoryEvents());
  const dissolvedStory = alertsFrom(storyOf('kim@contoso.com', 'kim@contoso.com', 'backdoor', ['192.0.2.60', '192.0.2.61', '192.0.2.62'], '3c8a1d22-6f4b-4d3e-9021-00000000'));
  /** The current incidents, in the list's order (most recently formed first, then id descending). */
  let current: Incident[] = [];
  let incidentOf: (alerts: readonly Alert[]) => Incident;

  beforeAll(async () => {
    await harness.start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
    await upsertAlerts(harness.database, [...prodStory, ...minerStory, ...stageStory, ...dissolvedStory]);
    await refreshIncidents({ database: harness.database, subscriptionId: SUB, now: new Date('2026-11-02T12:05:00Z') });
    // Two of the last story's three alerts dismissed: one intent left, so its incident dissolves.
    const dismissed = dissolvedStory.filter((alert) => alert.intent !== 'Execution').map((alert) => ({ ...alert, status: 'Dismissed' as const }));
    await upsertAlerts(harness.database, dismissed);
    await refreshIncidents({ database: harness.database, subscriptionId: SUB, now: new Date('2026-11-02T12:10:00Z') });

    const all = (await incidentStore.queryIncidents(harness.database, SUB, { includeSuperseded: true }, { top: 100 })).incidents;
    current = all.filter((incident) => incident.correlationState === 'current');
    incidentOf = (alerts) => {
      const found = all.find((incident) => alerts.some((alert) => incident.alertIds.includes(alert.id)));
      if (found === undefined) throw new Error('no incident holds these alerts');
      return found;
    };
    expect(all).toHaveLength(4);
    expect(incidentOf(dissolvedStory).correlationState).toBe('dissolved');
  }, 60_000);
  afterAll(() => harness.stop());

  const list = (query: Record<string, string> = {}, as: TestCaller | null = reader, subscriptionId = SUB) =>
    harness.call(listIncidents, 'GET', `/api/subscriptions/${subscriptionId}/incidents`, { params: { subscriptionId }, query, as });
  const get = (incidentId: string, as: TestCaller | null = reader, query?: Record<string, string>) =>
    harness.call(getIncident, 'GET', `/api/subscriptions/${SUB}/incidents/${incidentId}`, { params: { subscriptionId: SUB, incidentId }, as, ...(query ? { query } : {}) });
  const post = (incidentId: string, action: string, options: { as?: TestCaller; body?: unknown; headers?: Record<string, string> } = {}) =>
    harness.call(changeIncidentStatus, 'POST', `/api/subscriptions/${SUB}/incidents/${incidentId}/${action}`, {
      params: { subscriptionId: SUB, incidentId, action },
      as: options.as ?? admin,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
  const ids = (response: HttpResponseInit): string[] => (response.jsonBody as IncidentList).value.map((incident) => incident.id);

  describe('GET /api/subscriptions/{subscriptionId}/incidents', () => {
    it('when a SecurityReader lists, then it is 200 with the current incidents only, most recently formed first', async () => {
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
      const body = response.jsonBody as IncidentList;
      expect(body.nextLink).toBeUndefined();
      expect(body.value.map((i) => i.id).sort()).toEqual([incidentOf(prodStory).id, incidentOf(minerStory).id, incidentOf(stageStory).id].sort());
      expect(body.value).toEqual(current);
      expect(body.value.every((i) => i.isIncident && i.alertIds.length === 3)).toBe(true);
      expect(body.value.map((i) => i.id)).not.toContain(incidentOf(dissolvedStory).id);
    });

    it('when the caller has no token or no role in the subscription, then it is 401 or 403', async () => {
      expect((await list({}, null)).status).toBe(401);
      const refused = await list({}, stranger);
      expect(refused.status).toBe(403);
      expect((refused.jsonBody as ErrorBody).error.code).toBe('Forbidden');
    });

    it('when another subscription has no incidents, then its list is empty', async () => {
      const response = await list({}, stranger, OTHER_SUB);
      expect(response.status).toBe(200);
      expect(response.jsonBody).toEqual({ value: [] });
    });

    it('when top is 1, then the nextLinks walk every current incident once, in order', async () => {
      const seen: string[] = [];
      let query: Record<string, string> | undefined = { top: '1' };
      while (query !== undefined) {
        const response = await list(query);
        expect(response.status).toBe(200);
        const body = response.jsonBody as IncidentList;
        expect(body.value).toHaveLength(1);
        seen.push(...body.value.map((i) => i.id));
        query = body.nextLink === undefined ? undefined : Object.fromEntries(new URL(body.nextLink).searchParams);
        if (query !== undefined) expect(query['top']).toBe('1');
      }
      expect(seen).toEqual(current.map((i) => i.id));
    });

    it('when filtered by cluster name (any case) or resource id, then only that cluster\'s incidents are listed', async () => {
      const prod = [incidentOf(prodStory).id, incidentOf(minerStory).id].sort();
      expect(ids(await list({ cluster: 'AKS-PROD-01' })).sort()).toEqual(prod);
      expect(ids(await list({ cluster: 'aks-stage-02' }))).toEqual([incidentOf(stageStory).id]);
      expect(ids(await list({ cluster: STAGE_CLUSTER.resourceId.toUpperCase() }))).toEqual([incidentOf(stageStory).id]);
      expect(ids(await list({ cluster: 'aks-dev-03' }))).toEqual([]);
    });

    it.each([
      [{ status: 'Open' }, 'status'],
      [{ top: '0' }, 'top'],
      [{ top: '201' }, 'top'],
      [{ cluster: '/subscriptions/x/resourceGroups/y' }, 'cluster'],
      [{ continuation: 'bm90LWEtdG9rZW4' }, 'continuation'],
      [{ severity: 'High' }, 'severity'],
    ])('when the query is %j, then it is 400 naming %s', async (query, name) => {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect((response.jsonBody as ErrorBody).error.message).toContain(name);
    });
  });

  describe('GET /api/subscriptions/{subscriptionId}/incidents/{incidentId}', () => {
    it('when a SecurityReader gets an incident, then it is 200 with its alerts in kill-chain order and an ETag', async () => {
      const incident = incidentOf(prodStory);
      const response = await get(incident.id);
      expect(response.status).toBe(200);
      expect(etagHeader(response)).toMatch(/^"[^"]+"$/);
      const body = response.jsonBody as IncidentWithAlerts;
      expect(body).toMatchObject({ ...incident, missingAlertIds: [] });
      expect(body.alerts.map((alert) => alert.id)).toEqual(incident.alertIds);
      expect(body.alerts.map((alert) => alert.intent)).toEqual(['Persistence', 'PrivilegeEscalation', 'Execution']);
    });

    it('when a dissolved incident is asked for by id, then it is still shown, with its state', async () => {
      const response = await get(incidentOf(dissolvedStory).id);
      expect(response.status).toBe(200);
      expect((response.jsonBody as IncidentWithAlerts).correlationState).toBe('dissolved');
    });

    it('when one of its alerts is no longer stored, then it is listed as missing and the others are shown', async () => {
      const incident = incidentOf(minerStory);
      const [gone, ...kept] = incident.alertIds;
      await harness.database.container('alerts').item(gone ?? '', SUB).delete();
      const response = await get(incident.id);
      expect(response.status).toBe(200);
      const body = response.jsonBody as IncidentWithAlerts;
      expect(body.missingAlertIds).toEqual([gone]);
      expect(body.alerts.map((alert) => alert.id)).toEqual(kept);
    });

    it('when the incident does not exist, or the caller has no role, then it is 404', async () => {
      expect((await get(MISSING_INCIDENT_ID)).status).toBe(404);
      const refused = await get(incidentOf(prodStory).id, stranger);
      expect(refused.status).toBe(404);
      expect((refused.jsonBody as ErrorBody).error.code).toBe('NotFound');
    });

    it('when the id is not an incident id or a query parameter is sent, then it is 400 naming it', async () => {
      const badId = await get('not-an-incident');
      expect(badId.status).toBe(400);
      expect((badId.jsonBody as ErrorBody).error.message).toContain('incidentId');
      const badQuery = await get(incidentOf(prodStory).id, reader, { expand: 'alerts' });
      expect(badQuery.status).toBe(400);
      expect((badQuery.jsonBody as ErrorBody).error.message).toContain('expand');
    });
  });

  describe('POST /api/subscriptions/{subscriptionId}/incidents/{incidentId}/{action}', () => {
    it('when a SecurityReader changes the status, then it is 403 and nothing changes', async () => {
      const incident = incidentOf(prodStory);
      const response = await post(incident.id, 'dismiss', { as: reader });
      expect(response.status).toBe(403);
      expect((await incidentStore.getIncident(harness.database, SUB, incident.id))?.incident.status).toBe('Active');
    });

    it('when a SecurityAdmin moves it to InProgress with a comment, then the history records it, the status filter finds it, and a repeat writes nothing', async () => {
      const incident = incidentOf(prodStory);
      const response = await post(incident.id, 'inProgress', { body: { comment: 'Investigating the cluster-admin binding' } });
      expect(response.status).toBe(200);
      const body = response.jsonBody as Incident;
      expect(body).toMatchObject({ id: incident.id, status: 'InProgress', version: incident.version + 1 });
      expect(body.statusHistory).toEqual([
        { status: 'InProgress', principalId: admin.objectId, principalName: admin.name, timeUtc: expect.any(String) as string, comment: 'Investigating the cluster-admin binding' },
      ]);
      expect((await incidentStore.getIncident(harness.database, SUB, incident.id))?.incident).toEqual(body);
      expect(ids(await list({ status: 'inprogress' }))).toEqual([incident.id]);
      expect(ids(await list({ status: 'Active' }))).not.toContain(incident.id);

      const repeat = await post(incident.id, 'inProgress', { as: owner });
      expect(repeat.status).toBe(200);
      expect((repeat.jsonBody as Incident).statusHistory).toHaveLength(1);
      expect(etagHeader(repeat)).toBe(etagHeader(response));
    });

    it('when If-Match is stale, then it is 412 with the current ETag', async () => {
      const incident = incidentOf(stageStory);
      const before = etagHeader(await get(incident.id)) ?? '';
      expect((await post(incident.id, 'resolve', { headers: { 'if-match': before } })).status).toBe(200);
      const stale = await post(incident.id, 'dismiss', { headers: { 'if-match': before } });
      expect(stale.status).toBe(412);
      expect(etagHeader(stale)).toBe(etagHeader(await get(incident.id)));
      expect((await incidentStore.getIncident(harness.database, SUB, incident.id))?.incident.status).toBe('Resolved');
    });

    it('when the incident is written by someone else at every try, then it is retried once, then 409', async () => {
      const incident = incidentOf(minerStory);
      const write = jest.spyOn(incidentStore, 'writeIncident').mockResolvedValue({ kind: 'conflict' });
      try {
        const response = await post(incident.id, 'dismiss');
        expect(response.status).toBe(409);
        expect((response.jsonBody as ErrorBody).error.code).toBe('Conflict');
        expect(write).toHaveBeenCalledTimes(2);
      } finally {
        write.mockRestore();
      }
      expect((await incidentStore.getIncident(harness.database, SUB, incident.id))?.incident.status).toBe('Active');
    });

    it('when the action, the incident or the caller\'s role is unknown, then it is 404; a bad id or body is 400 naming it', async () => {
      const incident = incidentOf(minerStory);
      expect((await post(incident.id, 'close')).status).toBe(404);
      expect((await post(MISSING_INCIDENT_ID, 'dismiss')).status).toBe(404);
      expect((await post(incident.id, 'dismiss', { as: stranger })).status).toBe(404);
      const badId = await post('XYZ', 'dismiss');
      expect(badId.status).toBe(400);
      expect((badId.jsonBody as ErrorBody).error.message).toContain('incidentId');
      const badBody = await post(incident.id, 'dismiss', { body: { comment: 'x'.repeat(1001) } });
      expect(badBody.status).toBe(400);
      expect((badBody.jsonBody as ErrorBody).error.message).toContain('comment');
      expect((await incidentStore.getIncident(harness.database, SUB, incident.id))?.incident.status).toBe('Active');
    });
  });
});
