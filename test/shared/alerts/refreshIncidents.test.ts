import { changeAlertStatus } from '../../../shared/alerts/changeAlertStatus';
import { refreshIncidents } from '../../../shared/alerts/refreshIncidents';
import { upsertAlerts } from '../../../shared/store/alertStore';
import { getIncident, queryIncidents, writeIncident } from '../../../shared/store/incidentStore';
import { ALERT_SUBSCRIPTION } from '../../support/alertFixtures';
import { alertsFrom, escalationStoryEvents, execInto } from '../../support/incidentFixtures';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const admin = { principalId: '0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b', principalName: 'Dana Admin' };

describe('refreshIncidents', () => {
  let cosmos: TestCosmos;
  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the story alerts are stored, then one incident is written; a second run writes nothing; a joining alert rewrites it keeping the admin status', async () => {
    const story = alertsFrom(escalationStoryEvents());
    await upsertAlerts(cosmos.database, story);
    const first = await refreshIncidents({ database: cosmos.database, subscriptionId: ALERT_SUBSCRIPTION, now: new Date('2026-11-02T12:05:00Z') });
    expect(first).toMatchObject({ alerts: 3, incidents: 1, written: 1, conflicts: 0, truncated: false });
    const { incidents } = await queryIncidents(cosmos.database, ALERT_SUBSCRIPTION, {}, { top: 10 });
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident?.alertIds).toHaveLength(3);

    expect(await refreshIncidents({ database: cosmos.database, subscriptionId: ALERT_SUBSCRIPTION, now: new Date('2026-11-02T12:10:00Z') })).toMatchObject({ written: 0 });

    const stored = await getIncident(cosmos.database, ALERT_SUBSCRIPTION, incident?.id ?? '');
    if (stored === undefined) throw new Error('incident not stored');
    const triaged = changeAlertStatus(stored.incident, { action: 'inProgress', ...admin, now: new Date('2026-11-02T12:11:00Z') });
    expect((await writeIncident(cosmos.database, triaged.alert, stored.etag)).kind).toBe('written');

    await upsertAlerts(cosmos.database, alertsFrom([execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', time: '2026-11-02T11:30:00.000Z', auditID: 'r4' })]));
    const third = await refreshIncidents({ database: cosmos.database, subscriptionId: ALERT_SUBSCRIPTION, now: new Date('2026-11-02T12:15:00Z') });
    expect(third).toMatchObject({ alerts: 4, incidents: 1, written: 1 });
    const after = await getIncident(cosmos.database, ALERT_SUBSCRIPTION, incident?.id ?? '');
    expect(after?.incident).toMatchObject({ status: 'InProgress', version: 3, lastModifiedUtc: '2026-11-02T12:15:00.000Z' });
    expect(after?.incident.alertIds).toHaveLength(4);
    expect(after?.incident.statusHistory).toHaveLength(1);
  });

  it('when the alerts are older than the lookback, then no incident is formed', async () => {
    const subscriptionId = ALERT_SUBSCRIPTION;
    const result = await refreshIncidents({ database: cosmos.database, subscriptionId, now: new Date('2026-12-02T12:00:00Z') });
    expect(result).toMatchObject({ alerts: 0, incidents: 0, written: 0 });
  });
});
