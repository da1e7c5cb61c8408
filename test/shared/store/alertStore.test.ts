import { type Alert } from '../../../shared/alerts/alert';
import { getAlert, listActiveAlerts, queryAlerts, replaceAlert, upsertAlerts } from '../../../shared/store/alertStore';
import { ALERT_SUBSCRIPTION, newestFirst, variedAlerts } from '../../support/alertFixtures';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const OTHER_SUBSCRIPTION = '11111111-2222-4333-8444-555555555555';
const ORDER_SUBSCRIPTION = '22222222-2222-4333-8444-555555555555';
const MOVING_SUBSCRIPTION = '33333333-2222-4333-8444-555555555555';

describe('alertStore', () => {
  let cosmos: TestCosmos;
  const alerts = variedAlerts(30);

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    await upsertAlerts(cosmos.database, [...alerts, ...variedAlerts(5, OTHER_SUBSCRIPTION)]);
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the database is ensured, then the alerts container has the composite indexes of the list order', async () => {
    const { resource } = await cosmos.database.container('alerts').read();
    expect(resource?.indexingPolicy?.compositeIndexes).toEqual(
      expect.arrayContaining([
        [
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        [
          { path: '/status', order: 'ascending' },
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
        [
          { path: '/severity', order: 'ascending' },
          { path: '/timeGeneratedUtc', order: 'descending' },
          { path: '/id', order: 'descending' },
        ],
      ]),
    );
  });

  it('when an alert is read, then it is the stored document without Cosmos system properties, with its etag beside it', async () => {
    const alert = alerts[4] as Alert;
    const stored = await getAlert(cosmos.database, ALERT_SUBSCRIPTION, alert.id);
    expect(stored?.alert).toEqual(alert);
    expect(stored?.etag).toEqual(expect.any(String));
    expect(stored?.etag.length).toBeGreaterThan(0);
  });

  it('when an alert is read in another subscription, then it is not found', async () => {
    expect(await getAlert(cosmos.database, OTHER_SUBSCRIPTION, (alerts[4] as Alert).id)).toBeUndefined();
  });

  it('when pages are read one after another, then they follow the list order without loss or repetition, and the last has no next', async () => {
    const seen: string[] = [];
    let page = await queryAlerts(cosmos.database, ALERT_SUBSCRIPTION, {}, { top: 7 });
    seen.push(...page.alerts.map((a) => a.id));
    while (page.next !== undefined) {
      page = await queryAlerts(cosmos.database, ALERT_SUBSCRIPTION, {}, { top: 7, after: page.next });
      seen.push(...page.alerts.map((a) => a.id));
    }
    expect(seen).toEqual([...alerts].sort(newestFirst).map((a) => a.id));
    expect(page.alerts.length).toBe(2);
  });

  it('when an alert started earlier but was raised later, then it is listed first, by page and among the Active alerts', async () => {
    // The smaller id is the one raised later, so neither the start time nor the id puts it first.
    const [smallerId, largerId] = variedAlerts(2, ORDER_SUBSCRIPTION).sort((a, b) => (a.id < b.id ? -1 : 1)) as [Alert, Alert];
    const raisedLater: Alert = { ...smallerId, status: 'Active', startTimeUtc: '2026-11-02T08:00:00.000Z', timeGeneratedUtc: '2026-11-02T11:00:00.000Z' };
    const raisedEarlier: Alert = { ...largerId, status: 'Active', startTimeUtc: '2026-11-02T09:00:00.000Z', timeGeneratedUtc: '2026-11-02T10:00:00.000Z' };
    await upsertAlerts(cosmos.database, [raisedEarlier, raisedLater]);

    const first = await queryAlerts(cosmos.database, ORDER_SUBSCRIPTION, {}, { top: 1 });
    expect(first.next).toEqual({ timeGeneratedUtc: raisedLater.timeGeneratedUtc, id: raisedLater.id });
    const second = await queryAlerts(cosmos.database, ORDER_SUBSCRIPTION, {}, { top: 1, ...(first.next ? { after: first.next } : {}) });
    expect([...first.alerts, ...second.alerts].map((a) => a.id)).toEqual([raisedLater.id, raisedEarlier.id]);
    expect(second.next).toBeUndefined();

    const active: string[] = [];
    for await (const alert of listActiveAlerts(cosmos.database, ORDER_SUBSCRIPTION, { pageSize: 1 })) active.push(alert.id);
    expect(active).toEqual([raisedLater.id, raisedEarlier.id]);
  });

  it("when alerts' start times are moved earlier between page requests (a late event widened them), then paging neither loses nor repeats an alert", async () => {
    const moving = variedAlerts(12, MOVING_SUBSCRIPTION);
    const expected = [...moving].sort(newestFirst);
    await upsertAlerts(cosmos.database, moving);
    const first = await queryAlerts(cosmos.database, MOVING_SUBSCRIPTION, {}, { top: 4 });
    // The alerts of the first page and of the next page now start two hours earlier than every other alert.
    const widened = expected.slice(0, 8).map((a) => ({ ...a, startTimeUtc: new Date(Date.parse(a.startTimeUtc) - 2 * 3_600_000).toISOString() }));
    await upsertAlerts(cosmos.database, widened);
    const rest = await queryAlerts(cosmos.database, MOVING_SUBSCRIPTION, {}, { top: 100, ...(first.next ? { after: first.next } : {}) });
    expect([...first.alerts, ...rest.alerts].map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(rest.alerts.slice(0, 4).map((a) => a.startTimeUtc)).toEqual(widened.slice(4).map((a) => a.startTimeUtc));
  });

  it('when exactly a page remains, then there is no next page', async () => {
    const page = await queryAlerts(cosmos.database, ALERT_SUBSCRIPTION, {}, { top: 30 });
    expect(page.alerts).toHaveLength(30);
    expect(page.next).toBeUndefined();
  });

  it('when one status or one severity is asked for, then the ORDER BY that leads with it is served and keeps the order', async () => {
    for (const filters of [{ statuses: ['Active' as const] }, { severities: ['High' as const] }]) {
      const first = await queryAlerts(cosmos.database, ALERT_SUBSCRIPTION, filters, { top: 3 });
      const rest = await queryAlerts(cosmos.database, ALERT_SUBSCRIPTION, filters, { top: 100, ...(first.next ? { after: first.next } : {}) });
      const expected = alerts
        .filter((a) => ('statuses' in filters ? a.status === 'Active' : a.severity === 'High'))
        .sort(newestFirst)
        .map((a) => a.id);
      expect([...first.alerts, ...rest.alerts].map((a) => a.id)).toEqual(expected);
    }
  });

  it('when the Active alerts are listed in pages of 2, then they are every Active alert of the subscription, newest first, without system properties', async () => {
    const listed: Alert[] = [];
    for await (const alert of listActiveAlerts(cosmos.database, ALERT_SUBSCRIPTION, { pageSize: 2 })) listed.push(alert);
    const expected = alerts.filter((a) => a.status === 'Active').sort(newestFirst);
    expect(expected.length).toBeGreaterThan(2);
    expect(listed).toEqual(expected);
  });

  it('when the Active alerts of one type are listed, then only that type is listed', async () => {
    const listed: string[] = [];
    for await (const alert of listActiveAlerts(cosmos.database, ALERT_SUBSCRIPTION, { alertType: 'K8S_ExposedDashboard' })) listed.push(alert.id);
    const expected = alerts
      .filter((a) => a.status === 'Active' && a.alertType === 'K8S_ExposedDashboard')
      .sort(newestFirst)
      .map((a) => a.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(listed).toEqual(expected);
  });

  it('when the Active alerts of a subscription without alerts are listed, then none is listed', async () => {
    const listed: Alert[] = [];
    for await (const alert of listActiveAlerts(cosmos.database, '99999999-2222-4333-8444-555555555555')) listed.push(alert);
    expect(listed).toEqual([]);
  });

  it('when an alert is replaced at its current etag, then it is written and gets a new etag; at an old etag, then it is refused', async () => {
    const alert = alerts[5] as Alert;
    const before = await getAlert(cosmos.database, ALERT_SUBSCRIPTION, alert.id);
    const replaced = await replaceAlert(cosmos.database, { ...alert, status: 'Resolved' }, before?.etag ?? '');
    expect(replaced.kind).toBe('replaced');
    if (replaced.kind !== 'replaced') return;
    expect(replaced.stored.alert.status).toBe('Resolved');
    expect(replaced.stored.alert).not.toHaveProperty('_rid');
    expect(replaced.stored.etag).not.toBe(before?.etag);
    expect(await replaceAlert(cosmos.database, { ...alert, status: 'Dismissed' }, before?.etag ?? '')).toEqual({ kind: 'precondition-failed' });
    expect((await getAlert(cosmos.database, ALERT_SUBSCRIPTION, alert.id))?.alert.status).toBe('Resolved');
  });

  it('when a missing alert is replaced, then it is not found', async () => {
    const ghost = { ...(alerts[0] as Alert), id: 'f'.repeat(32), systemAlertId: 'f'.repeat(32) };
    expect(await replaceAlert(cosmos.database, ghost, '"whatever"')).toEqual({ kind: 'not-found' });
  });
});
