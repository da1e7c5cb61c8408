import { changeIncidentStatus } from '../../functions/changeIncidentStatus';
import { exportIncidents } from '../../functions/exportIncidents';
import { type ExportedIncident } from '../../shared/alerts/export/exportedIncident';
import { type OcsfIncidentFinding } from '../../shared/alerts/export/incidentOcsf';
import { refreshIncidents } from '../../shared/alerts/refreshIncidents';
import { type IncidentChangedEvent } from '../../shared/messaging/incidentChangedEvents';
import { resetServices, setAlertEventPublisherForTests } from '../../shared/services';
import { upsertAlerts } from '../../shared/store/alertStore';
import { ALERT_SUBSCRIPTION } from '../support/alertFixtures';
import { ApiHarness, expectInvalidParameter, roleCast } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';
import { alertsFrom, escalationStoryEvents, execInto } from '../support/incidentFixtures';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * Incidents leave Argus like alerts and assessments: the pull feed `GET .../export/incidents` (json, ocsf, cef; the
 * export cursor) and `incidentChanged` events on the alert-events hub. The settle time is its minimum (1 s), waited out.
 */

const SUB = ALERT_SUBSCRIPTION;
const OTHER_SUB = '2c2c2c2c-0000-4000-8000-000000000002';
const cast = roleCast('2');
const SETTLE_IN_MS = 1000;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_IN_MS + 50));

interface FeedPage<T> {
  value: T[];
  cursor: string;
  hasMore: boolean;
}

describe('incidents in the export', () => {
  const harness = new ApiHarness();
  const alertEvents = new RecordingPublisher();
  const story = alertsFrom(escalationStoryEvents());
  let restoreSettings: () => void;

  beforeAll(async () => {
    await harness.start();
    restoreSettings = applyAppSettings({ EXPORT_SETTLE_SECONDS: String(SETTLE_IN_MS / 1000) });
    resetServices();
    setAlertEventPublisherForTests(alertEvents);
    await harness.grantCast(cast, SUB, OTHER_SUB);
    await upsertAlerts(harness.database, story);
  }, 60_000);
  afterAll(async () => {
    setAlertEventPublisherForTests(undefined);
    restoreSettings();
    resetServices();
    await harness.stop();
  });

  const pull = (query: Record<string, string> = {}, as = cast.reader, sub = SUB) =>
    harness.call(exportIncidents, 'GET', `/api/subscriptions/${sub}/export/incidents`, { params: { subscriptionId: sub }, as, query });
  const pullJson = async <T>(query: Record<string, string> = {}): Promise<FeedPage<T>> => {
    const response = await pull(query);
    expect(response.status).toBe(200);
    return response.jsonBody as FeedPage<T>;
  };
  const refresh = (now: string) => refreshIncidents({ database: harness.database, subscriptionId: SUB, now: new Date(now), publisher: alertEvents });
  const published = (): IncidentChangedEvent[] => alertEvents.take().map((body) => JSON.parse(body) as IncidentChangedEvent);

  it('when correlation forms an incident, then it is published as incidentChanged and the feed serves it once settled, as JSON with kind incident at version 1', async () => {
    expect(await refresh('2026-11-02T12:05:00Z')).toMatchObject({ incidents: 1, written: 1 });
    expect(alertEvents.partitionKeys).toEqual([SUB]);
    const [event, ...others] = published();
    expect(others).toEqual([]);
    expect(event).toMatchObject({ type: 'incidentChanged', subscriptionId: SUB, version: 1, incident: { version: 1 } });
    expect([...(event?.incident.alertIds ?? [])].sort()).toEqual(story.map((alert) => alert.id).sort());
    expect(event?.incidentId).toBe(event?.incident.id);

    // Stamped when written (the caller's clock is in November 2026), not yet settled.
    expect(Date.now() - Date.parse(event?.exportedChangeUtc ?? '')).toBeLessThan(SETTLE_IN_MS);
    expect((await pullJson<ExportedIncident>()).value).toEqual([]);
    await settle();
    const page = await pullJson<ExportedIncident>();
    expect(page.value).toHaveLength(1);
    expect(page.value[0]).toMatchObject({ kind: 'incident', id: event?.incidentId, version: 1, isIncident: true, status: 'Active', exportedChangeUtc: event?.exportedChangeUtc });
    expect(page.hasMore).toBe(false);
    expect((await pullJson<ExportedIncident>({ cursor: page.cursor })).value).toEqual([]);
  });

  it('when nothing changed, then a run writes, publishes and exports nothing', async () => {
    const { cursor } = await pullJson<ExportedIncident>();
    expect(await refresh('2026-11-02T12:10:00Z')).toMatchObject({ written: 0 });
    expect(published()).toEqual([]);
    await settle();
    expect((await pullJson<ExportedIncident>({ cursor })).value).toEqual([]);
  });

  it('when an admin changes the status and an alert joins, then each change is published and the feed from the old cursor brings the incident at its latest version', async () => {
    const { cursor, value } = await pullJson<ExportedIncident>();
    const incidentId = value[0]?.id ?? '';
    const posted = await harness.call(changeIncidentStatus, 'POST', `/api/subscriptions/${SUB}/incidents/${incidentId}/inProgress`, {
      params: { subscriptionId: SUB, incidentId, action: 'inProgress' },
      as: cast.admin,
      body: { comment: 'Looking into the binding' },
    });
    expect(posted.status).toBe(200);
    expect(published().map((event) => [event.type, event.incidentId, event.version, event.incident.status])).toEqual([['incidentChanged', incidentId, 2, 'InProgress']]);

    await upsertAlerts(harness.database, alertsFrom([execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', time: '2026-11-02T11:30:00.000Z', auditID: 'f3a1c2d4-0000-4000-8000-000000000901' })]));
    expect(await refresh('2026-11-02T12:15:00Z')).toMatchObject({ written: 1 });
    expect(published().map((event) => [event.incidentId, event.version, event.incident.alertIds.length, event.incident.status])).toEqual([[incidentId, 3, 4, 'InProgress']]);

    await settle();
    const page = await pullJson<ExportedIncident>({ cursor });
    expect(page.value.map((incident) => [incident.id, incident.version, incident.status, incident.alertIds.length])).toEqual([[incidentId, 3, 'InProgress', 4]]);
  });

  it('when pulled as OCSF, then the record is an Incident Finding (2005) naming the correlated alerts, with status, verdict and the admin as assignee', async () => {
    const body = (await pull({ format: 'ocsf' })).jsonBody as FeedPage<OcsfIncidentFinding> & { ocsfSchemaVersion: string };
    expect(body.ocsfSchemaVersion).toBe('1.3.0');
    const [finding] = body.value;
    expect(finding).toMatchObject({
      class_uid: 2005,
      category_uid: 2,
      activity_id: 2,
      type_uid: 200502,
      status_id: 2,
      status: 'In Progress',
      verdict_id: 4,
      severity: 'Medium',
      severity_id: 3,
      priority_id: 2,
      assignee: { uid: cast.admin.objectId },
      assignee_group: { name: 'SecurityAdmin' },
      comment: 'Looking into the binding',
      metadata: { version: '1.3.0', profiles: ['cloud'] },
    });
    expect(finding?.metadata.uid).toMatch(/^[0-9a-f]{32}:3$/);
    expect(finding?.finding_info_list).toHaveLength(4);
    expect(finding?.finding_info_list.every((info) => info.uid.length > 0 && info.title.length > 0 && info.types[0]?.startsWith('K8S_'))).toBe(true);
    // Kill-chain order, as the incident lists its alerts: the binding (Persistence) first.
    expect(finding?.finding_info_list.map((info) => info.attacks?.[0]?.tactic?.name)).toEqual(['Persistence', 'Privilege Escalation', 'Execution', 'Execution']);
    expect(finding?.finding_info_list.map((info) => info.uid)).toEqual(finding?.unmapped['alertIds']);
  });

  it('when pulled as CEF, then the line names incident:K8S_SecurityIncident with the incident severity mapped as for alerts (Medium 5), the cursor in the header', async () => {
    const response = await pull({ format: 'cef' });
    const lines = (response.body as string).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^CEF:0\|Argus\|Argus\|[^|]+\|incident:K8S_SecurityIncident\|Security incident detected on cluster aks-prod-01\|5\|/);
    expect(lines[0]).toContain('cs5Label=status cs5=InProgress');
    expect(lines[0]).toContain('cn1Label=incidentVersion cn1=3');
    expect(lines[0]).toMatch(/flexString2Label=correlationKey flexString2=\S+/);
    expect((response.headers as Record<string, string>)['x-argus-cursor']).toBeDefined();
  });

  it('when the caller has no role here, then it is 403; without a token 401; a forged cursor or unknown format is 400 naming the field', async () => {
    expect((await pull({}, cast.stranger)).status).toBe(403);
    expect((await harness.call(exportIncidents, 'GET', `/api/subscriptions/${SUB}/export/incidents`, { params: { subscriptionId: SUB }, as: null })).status).toBe(401);
    expectInvalidParameter(await pull({ cursor: 'not-a-cursor' }), 'cursor');
    expectInvalidParameter(await pull({ format: 'xml' }), 'format');
    expect(((await pull({}, cast.stranger, OTHER_SUB)).jsonBody as FeedPage<unknown>).value).toEqual([]);
  });
});
