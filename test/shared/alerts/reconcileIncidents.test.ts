import { type CorrelatedIncident, type Incident } from '../../../shared/alerts/incident';
import { changeAlertStatus } from '../../../shared/alerts/changeAlertStatus';
import { correlateIncidents } from '../../../shared/alerts/correlateIncidents';
import { reconcileIncidents } from '../../../shared/alerts/reconcileIncidents';
import { alertsFrom, escalationStoryEvents, execInto, privilegedPod, selfEscalation } from '../../support/incidentFixtures';

const first = new Date('2026-11-02T10:10:00.000Z');
const second = new Date('2026-11-02T10:15:00.000Z');
const admin = { principalId: '0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b', principalName: 'Dana Admin' };

function storyIncident(): CorrelatedIncident {
  const [incident] = correlateIncidents(alertsFrom(escalationStoryEvents()));
  if (incident === undefined) throw new Error('the story formed no incident');
  return incident;
}

describe('reconcileIncidents', () => {
  it('when an incident is formed for the first time, then it is written Active, version 1, with the Defender incident fields', () => {
    const [written, ...others] = reconcileIncidents([], [storyIncident()], first);
    expect(others).toEqual([]);
    expect(written).toMatchObject({
      id: storyIncident().id,
      systemAlertId: storyIncident().id,
      isIncident: true,
      alertType: 'K8S_SecurityIncident',
      status: 'Active',
      statusHistory: [],
      correlationState: 'current',
      version: 1,
      timeGeneratedUtc: '2026-11-02T10:10:00.000Z',
      lastModifiedUtc: '2026-11-02T10:10:00.000Z',
      alertDisplayName: 'Security incident detected on cluster aks-prod-01',
    });
    expect(written?.description).toContain('account dana@contoso.com, pod shop/node-debugger');
  });

  it('when nothing changed since the stored incident, then nothing is written', () => {
    const stored = reconcileIncidents([], [storyIncident()], first);
    expect(reconcileIncidents(stored, [storyIncident()], second)).toEqual([]);
  });

  it('when an admin set a status and an alert joins, then the incident is rewritten with the new alert and keeps the status and history', () => {
    const [formed] = reconcileIncidents([], [storyIncident()], first) as [Incident];
    const triaged = changeAlertStatus(formed, { action: 'inProgress', ...admin, now: first }).alert;
    const joined = alertsFrom([...escalationStoryEvents(), execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', time: '2026-11-02T11:30:00.000Z', auditID: 'j4' })]);
    const [written, ...others] = reconcileIncidents([triaged], correlateIncidents(joined), second);
    expect(others).toEqual([]);
    expect(written).toMatchObject({ id: formed.id, status: 'InProgress', version: triaged.version + 1, timeGeneratedUtc: formed.timeGeneratedUtc, lastModifiedUtc: second.toISOString() });
    expect(written?.alertIds).toHaveLength(4);
    expect(written?.statusHistory).toEqual(triaged.statusHistory);
  });

  it('when two stored incidents merge, then the absorbed one is marked merged into the survivor and a new survivor inherits the latest triage', () => {
    const early = [
      selfEscalation({ user: 'dana@contoso.com', time: '2026-11-02T10:00:00.000Z', auditID: 'm1' }),
      privilegedPod({ user: 'dana@contoso.com', time: '2026-11-02T10:02:00.000Z', auditID: 'm2', pod: 'debug-a' }),
    ];
    const late = [
      selfEscalation({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', time: '2026-11-02T10:30:00.000Z', auditID: 'm3' }),
      privilegedPod({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', time: '2026-11-02T10:31:00.000Z', auditID: 'm4', pod: 'debug-b' }),
    ];
    const [earlyIncident, lateIncident] = reconcileIncidents([], correlateIncidents(alertsFrom([...early, ...late])), first) as [Incident, Incident];
    const lateTriaged = changeAlertStatus(lateIncident, { action: 'inProgress', ...admin, now: first }).alert;
    const bridge = execInto({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', pod: 'debug-a', time: '2026-11-02T10:40:00.000Z', auditID: 'm5' });
    const writes = reconcileIncidents([earlyIncident, lateTriaged], correlateIncidents(alertsFrom([...early, ...late, bridge])), second);
    expect(writes.map((incident) => [incident.id, incident.correlationState, incident.mergedIntoIncidentId, incident.status])).toEqual([
      [earlyIncident.id, 'current', undefined, 'Active'],
      [lateIncident.id, 'merged', earlyIncident.id, 'InProgress'],
    ]);
  });

  it('when an earlier alert changes the anchor, then the new incident inherits the triage of the one it replaces', () => {
    const story = escalationStoryEvents();
    const [formed] = reconcileIncidents([], correlateIncidents(alertsFrom(story.slice(1))), first) as [Incident];
    const resolved = changeAlertStatus(formed, { action: 'resolve', ...admin, now: first, comment: 'break-glass test' }).alert;
    const writes = reconcileIncidents([resolved], correlateIncidents(alertsFrom(story)), second);
    const [replacement, old] = writes;
    expect(replacement).toMatchObject({ status: 'Resolved', correlationState: 'current', version: 1 });
    expect(replacement?.statusHistory).toEqual(resolved.statusHistory);
    expect(old).toMatchObject({ id: formed.id, correlationState: 'merged', mergedIntoIncidentId: replacement?.id });
  });

  it('when the alerts no longer form an incident, then the stored one is dissolved, and formed again later it is current again', () => {
    const [formed] = reconcileIncidents([], [storyIncident()], first) as [Incident];
    const [dissolved] = reconcileIncidents([formed], [], second) as [Incident];
    expect(dissolved).toMatchObject({ correlationState: 'dissolved', version: 2 });
    expect(reconcileIncidents([dissolved], [], second)).toEqual([]);
    expect(reconcileIncidents([dissolved], [storyIncident()], second)[0]).toMatchObject({ correlationState: 'current', version: 3 });
  });
});
