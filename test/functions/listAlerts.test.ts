import { listAlerts } from '../../functions/listAlerts';
import { type Alert } from '../../shared/alerts/alert';
import { upsertAlerts } from '../../shared/store/alertStore';
import { ALERT_SUBSCRIPTION, newestFirst, variedAlerts } from '../support/alertFixtures';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';

const SUB = ALERT_SUBSCRIPTION;
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const PATH = `/api/subscriptions/${SUB}/alerts`;
const { reader, admin, owner, stranger } = roleCast('a');

interface AlertList {
  value: Alert[];
  nextLink?: string;
}

describe('GET /api/subscriptions/{subscriptionId}/alerts', () => {
  const harness = new ApiHarness();
  const alerts = variedAlerts(500);
  const newest = [...alerts].sort(newestFirst);

  beforeAll(async () => {
    await harness.start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
    await upsertAlerts(harness.database, [...alerts, ...variedAlerts(20, OTHER_SUB)], 50);
  }, 60_000);
  afterAll(() => harness.stop());

  const list = (query: Record<string, string> = {}, as: TestCaller | null = reader, subscriptionId = SUB) =>
    harness.call(listAlerts, 'GET', `/api/subscriptions/${subscriptionId}/alerts`, { params: { subscriptionId }, query, as });

  /** Follows nextLink to the end; the ids in the order served. */
  async function listAll(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let pages = 0;
    let next: Record<string, string> | undefined = query;
    while (next !== undefined) {
      const response = await list(next);
      expect(response.status).toBe(200);
      const body = response.jsonBody as AlertList;
      ids.push(...body.value.map((a) => a.id));
      pages++;
      next = body.nextLink === undefined ? undefined : Object.fromEntries(new URL(body.nextLink).searchParams);
    }
    return { ids, pages };
  }

  const idsWhere = (keep: (alert: Alert) => boolean): string[] => newest.filter(keep).map((a) => a.id);

  it('when there is no token, then it is 401', async () => {
    expect((await list({}, null)).status).toBe(401);
  });

  it.each([
    ['SecurityReader', reader],
    ['SecurityAdmin', admin],
    ['Owner', owner],
  ])('when the caller is %s, then it is 200 with the newest 50 alerts first and a nextLink', async (_role, caller) => {
    const response = await list({}, caller);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    const body = response.jsonBody as AlertList;
    expect(body.value.map((a) => a.id)).toEqual(newest.slice(0, 50).map((a) => a.id));
    expect(body.nextLink).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:7071${PATH}\\?continuation=[A-Za-z0-9_-]+$`));
  });

  it('when the caller has no role in the subscription, then it is 403, even with a role elsewhere', async () => {
    const response = await list({}, stranger);
    expect(response.status).toBe(403);
    expect(response.jsonBody).toEqual({ error: { code: 'Forbidden', message: expect.any(String) as string } });
  });

  it('when a subscription has alerts of its own, then only those are listed, never another subscription\'s', async () => {
    const response = await list({ top: '200' }, stranger, OTHER_SUB);
    const body = response.jsonBody as AlertList;
    expect(body.value).toHaveLength(20);
    expect(body.value.every((a) => a.subscriptionId === OTHER_SUB)).toBe(true);
    expect(body.nextLink).toBeUndefined();
  });

  it('when listed, then no Cosmos system property is in the body', async () => {
    const body = (await list({ top: '5' })).jsonBody as AlertList;
    for (const alert of body.value) {
      for (const key of ['_rid', '_self', '_etag', '_attachments', '_ts']) expect(alert).not.toHaveProperty(key);
    }
    expect(body.value[0]).toEqual(newest[0]);
  });

  it('when 500 alerts are paged through by nextLink, then every alert comes exactly once, newest first, and the last page has no nextLink', async () => {
    const { ids, pages } = await listAll({ top: '37' });
    expect(ids).toEqual(newest.map((a) => a.id));
    expect(new Set(ids).size).toBe(500);
    expect(pages).toBe(Math.ceil(500 / 37));
  });

  it('when alerts change status between pages, then paging still neither loses nor repeats an alert', async () => {
    const first = (await list({ top: '50' })).jsonBody as AlertList;
    // Alerts on both sides of the page boundary are written again (new status, new etags).
    const changed = newest.slice(0, 80).map((a) => ({ ...a, status: 'Resolved' as const }));
    await upsertAlerts(harness.database, changed, 50);
    try {
      const rest = await listAll({ ...Object.fromEntries(new URL(first.nextLink ?? '').searchParams), top: '200' });
      expect([...first.value.map((a) => a.id), ...rest.ids]).toEqual(newest.map((a) => a.id));
    } finally {
      await upsertAlerts(harness.database, newest.slice(0, 80), 50);
    }
  });

  it('when alerts on both sides of the page boundary start earlier between pages (a late event widened them), then paging neither loses nor repeats an alert', async () => {
    const first = (await list({ top: '50' })).jsonBody as AlertList;
    const widened = newest.slice(0, 80).map((a) => ({ ...a, startTimeUtc: new Date(Date.parse(a.startTimeUtc) - 24 * 3_600_000).toISOString() }));
    await upsertAlerts(harness.database, widened, 50);
    try {
      const rest = await listAll({ ...Object.fromEntries(new URL(first.nextLink ?? '').searchParams), top: '200' });
      expect([...first.value.map((a) => a.id), ...rest.ids]).toEqual(newest.map((a) => a.id));
    } finally {
      await upsertAlerts(harness.database, newest.slice(0, 80), 50);
    }
  });

  it('when an alert started earlier than the one before it but was raised later, then it is listed first', async () => {
    const body = (await list({ top: '200' })).jsonBody as AlertList;
    const startedEarlierListedFirst = body.value.some((alert, index) => index > 0 && alert.startTimeUtc < (body.value[index - 1] as Alert).startTimeUtc);
    expect(startedEarlierListedFirst).toBe(true);
    const raised = body.value.map((a) => a.timeGeneratedUtc);
    expect([...raised].sort().reverse()).toEqual(raised);
  });

  it.each<[string, Record<string, string>, (a: Alert) => boolean]>([
    ['one status', { status: 'Dismissed' }, (a) => a.status === 'Dismissed'],
    ['several statuses, any case', { status: 'active,inprogress' }, (a) => a.status === 'Active' || a.status === 'InProgress'],
    ['one severity', { severity: 'High' }, (a) => a.severity === 'High'],
    ['several severities', { severity: 'Low,Informational' }, (a) => a.severity === 'Low' || a.severity === 'Informational'],
    ['an alert type', { alertType: 'K8S_ExposedDashboard' }, (a) => a.alertType === 'K8S_ExposedDashboard'],
    ['a cluster name in another case', { cluster: 'AKS-DEV-02' }, (a) => a.compromisedEntity === 'aks-dev-02'],
    [
      'a cluster resource id as AKS writes it',
      { cluster: `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01` },
      (a) => a.compromisedEntity === 'aks-prod-01',
    ],
    ['simulated alerts', { isSimulated: 'true' }, (a) => a.isSimulated],
    ['real alerts', { isSimulated: 'false' }, (a) => !a.isSimulated],
    [
      'a time range (overlap of the alert activity)',
      { from: '2026-11-02T08:00:00Z', to: '2026-11-02T09:00:00+00:00' },
      (a) => a.endTimeUtc >= '2026-11-02T08:00:00.000Z' && a.startTimeUtc <= '2026-11-02T09:00:00.000Z',
    ],
    ['a time range with an offset', { from: '2026-11-02T09:30:00+01:00' }, (a) => a.endTimeUtc >= '2026-11-02T08:30:00.000Z'],
    [
      'several filters at once',
      { status: 'Active', severity: 'High,Medium', cluster: 'aks-prod-01', to: '2026-11-02T09:00:00Z' },
      (a) => a.status === 'Active' && ['High', 'Medium'].includes(a.severity) && a.compromisedEntity === 'aks-prod-01' && a.startTimeUtc <= '2026-11-02T09:00:00.000Z',
    ],
  ])('when filtered by %s, then exactly the matching alerts are listed, newest first, across pages', async (_name, query, keep) => {
    const expected = idsWhere(keep);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(500);
    const { ids } = await listAll({ ...query, top: '100' });
    expect(ids).toEqual(expected);
  });

  it('when a filter matches nothing, then the list is empty without a nextLink', async () => {
    const response = await list({ cluster: 'no-such-cluster' });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ value: [] });
  });

  it('when a nextLink is followed, then it keeps the filters of the request', async () => {
    const body = (await list({ status: 'Resolved', top: '10' })).jsonBody as AlertList;
    const params = new URL(body.nextLink ?? '').searchParams;
    expect(params.get('status')).toBe('Resolved');
    expect(params.get('top')).toBe('10');
  });

  const badToken = (payload: unknown): string => Buffer.from(JSON.stringify(payload)).toString('base64url');

  it.each<[string, Record<string, string>]>([
    ['status', { status: 'Open' }],
    ['status', { status: 'Active,' }],
    ['status', { status: '' }],
    ['severity', { severity: 'Critical' }],
    ['alertType', { alertType: "x' OR 1=1 --" }],
    ['cluster', { cluster: '/subscriptions/nope/resourceGroups/rg' }],
    ['cluster', { cluster: 'bad name' }],
    ['from', { from: 'yesterday' }],
    ['from', { from: '2026-11-02T10:00:00' }],
    ['to', { to: '2026-13-02T10:00:00Z' }],
    ['from', { from: '2026-11-03T00:00:00Z', to: '2026-11-02T00:00:00Z' }],
    ['isSimulated', { isSimulated: 'yes' }],
    ['top', { top: '0' }],
    ['top', { top: '201' }],
    ['top', { top: '1.5' }],
    ['top', { top: 'ten' }],
    ['continuation', { continuation: 'not a token' }],
    ['continuation', { continuation: 'bm90IGpzb24' }],
    ['continuation', { continuation: badToken({ v: 1, s: '2026-11-02T10:00:00.000Z', i: 'abc' }) }],
    ['continuation', { continuation: badToken({ v: 2, s: '2026-11-02T10:00:00.000Z', i: 'abc' }) }],
    ['continuation', { continuation: badToken({ v: 3, g: '2026-11-02T10:00:00.000Z', i: 'abc' }) }],
    ['continuation', { continuation: badToken({ v: 2, g: 'DROP', i: 'abc' }) }],
    ['continuation', { continuation: badToken({ v: 2, g: '2026-11-02T10:00:00.000Z', i: 'abc', extra: 1 }) }],
    ['continuation', { continuation: badToken([1, 2]) }],
    ['sort', { sort: 'startTimeUtc' }],
    ['$top', { $top: '5' }],
  ])('when %s is invalid (%j), then it is 400 InvalidParameter naming it', async (name, query) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    const { error } = response.jsonBody as { error: { code: string; message: string } };
    expect(error.code).toBe('InvalidParameter');
    expect(error.message.startsWith(`${name} `)).toBe(true);
  });

  it('when a parameter is given twice, then it is 400 naming it', async () => {
    const response = await harness.call(listAlerts, 'GET', `${PATH}?status=Active&status=Dismissed`, { params: { subscriptionId: SUB }, as: reader });
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: { message: string } }).error.message).toBe('status must be given once.');
  });

  it('when the subscription id is not a GUID, then it is 400 naming subscriptionId', async () => {
    const response = await list({}, reader, 'not-a-guid');
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: { message: string } }).error.message).toMatch(/^subscriptionId /);
  });

  it('when a well-formed continuation points inside the list, then the page starts right after that alert', async () => {
    const after = newest[99] as Alert;
    const body = (await list({ top: '3', continuation: badToken({ v: 2, g: after.timeGeneratedUtc, i: after.id }) })).jsonBody as AlertList;
    expect(body.value.map((a) => a.id)).toEqual(newest.slice(100, 103).map((a) => a.id));
  });
});
