import { type Alert } from '../../../shared/alerts/alert';
import {
  correlateIncidents,
  correlationEntityOf,
  createIncidentId,
  escalatedSeverity,
  KILL_CHAIN_ORDER,
} from '../../../shared/alerts/correlateIncidents';
import { alertsFrom, escalationStoryEvents, execInto, privilegedPod, selfEscalation } from '../../support/incidentFixtures';

const HOUR = 60 * 60 * 1000;

function byRule(alerts: readonly Alert[], ruleId: string): Alert {
  const alert = alerts.find((candidate) => candidate.ruleId === ruleId);
  if (alert === undefined) throw new Error(`no ${ruleId} alert`);
  return alert;
}

describe('correlateIncidents', () => {
  it('when an RBAC escalation is followed by a privileged pod by the same account and an exec into that pod, then one incident holds the three alerts in kill-chain order', () => {
    const alerts = alertsFrom(escalationStoryEvents());
    expect(alerts).toHaveLength(3);
    const incidents = correlateIncidents([...alerts].reverse());
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident?.alertIds).toEqual([byRule(alerts, 'cluster-admin-binding').id, byRule(alerts, 'privileged-container').id, byRule(alerts, 'exec-into-pod').id]);
    expect(incident).toMatchObject({
      intents: ['Persistence', 'PrivilegeEscalation', 'Execution'],
      severity: 'Medium',
      startTimeUtc: '2026-11-02T10:00:05.000Z',
      endTimeUtc: '2026-11-02T10:05:12.000Z',
      compromisedEntity: 'aks-prod-01',
      subscriptionId: '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4',
      isSimulated: false,
      anchorAlertId: byRule(alerts, 'cluster-admin-binding').id,
      sharedEntities: [
        { type: 'account', name: 'dana@contoso.com' },
        { type: 'K8s-pod', namespace: 'shop', name: 'node-debugger' },
      ],
    });
    expect(incident?.techniques).toEqual([...new Set(alerts.flatMap((alert) => alert.techniques))].sort());
    expect(incident?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(incident?.correlationKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('when alerts share an account but have the same intent, then there is no incident', () => {
    const alerts = alertsFrom([
      privilegedPod({ time: '2026-11-02T10:03:41.000Z', auditID: 'a1', pod: 'debug-a' }),
      privilegedPod({ time: '2026-11-02T11:20:00.000Z', auditID: 'a2', pod: 'debug-b' }),
    ]);
    expect(alerts).toHaveLength(2);
    expect(correlateIncidents(alerts)).toEqual([]);
  });

  it('when alerts of different intents share no account, pod, host or address, then there is no incident', () => {
    const alerts = alertsFrom([
      selfEscalation({ user: 'dana@contoso.com', sourceIP: '203.0.113.24', time: '2026-11-02T10:00:05.000Z', auditID: 'b1' }),
      execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', pod: 'web-7d9f8c6b5-x2k4q', time: '2026-11-02T10:05:12.000Z', auditID: 'b2' }),
    ]);
    expect(alerts).toHaveLength(2);
    expect(correlateIncidents(alerts)).toEqual([]);
  });

  it('when the shared entity is seen more than the window apart, then there is no incident; within the window, there is', () => {
    const events = (execTime: string) => [
      privilegedPod({ time: '2026-11-02T10:03:41.000Z', auditID: 'c1' }),
      execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', time: execTime, auditID: 'c2' }),
    ];
    expect(correlateIncidents(alertsFrom(events('2026-11-03T10:03:42.000Z')))).toEqual([]);
    expect(correlateIncidents(alertsFrom(events('2026-11-03T10:03:40.000Z')))).toHaveLength(1);
    expect(correlateIncidents(alertsFrom(events('2026-11-02T12:03:41.000Z')), { windowInMs: HOUR })).toEqual([]);
  });

  it('when a fourth alert joins later, then the incident keeps its id and correlation key and lists the new alert', () => {
    const story = alertsFrom(escalationStoryEvents());
    const [before] = correlateIncidents(story);
    const later = alertsFrom([execInto({ user: 'ops@contoso.com', sourceIP: '192.0.2.80', time: '2026-11-02T14:40:00.000Z', auditID: 'd4' })]);
    const [after, ...others] = correlateIncidents([...later, ...story]);
    expect(others).toEqual([]);
    expect(after?.id).toBe(before?.id);
    expect(after?.correlationKey).toBe(before?.correlationKey);
    expect(after?.alertIds).toEqual([...(before?.alertIds ?? []), later[0]?.id]);
    expect(after?.endTimeUtc).toBe('2026-11-02T14:40:00.000Z');
  });

  it('when an alert connects two incidents, then the merged incident keeps the id of the one that started first', () => {
    const first = alertsFrom([
      selfEscalation({ user: 'dana@contoso.com', time: '2026-11-02T10:00:00.000Z', auditID: 'e1' }),
      privilegedPod({ user: 'dana@contoso.com', time: '2026-11-02T10:02:00.000Z', auditID: 'e2', pod: 'debug-a' }),
    ]);
    const second = alertsFrom([
      selfEscalation({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', time: '2026-11-02T10:30:00.000Z', auditID: 'e3' }),
      privilegedPod({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', time: '2026-11-02T10:31:00.000Z', auditID: 'e4', pod: 'debug-b' }),
    ]);
    const separate = correlateIncidents([...first, ...second]);
    expect(separate).toHaveLength(2);
    const bridge = alertsFrom([execInto({ user: 'eve@contoso.com', sourceIP: '198.51.100.99', pod: 'debug-a', time: '2026-11-02T10:40:00.000Z', auditID: 'e5' })]);
    const merged = correlateIncidents([...first, ...second, ...bridge]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.id).toBe(separate[0]?.id);
    expect(merged[0]?.alertIds).toHaveLength(5);
  });

  it('when an alert is dismissed, then it neither starts nor joins an incident', () => {
    const alerts = alertsFrom(escalationStoryEvents());
    const dismissed = (ruleId: string) => alerts.map((alert) => (alert.ruleId === ruleId ? { ...alert, status: 'Dismissed' as const } : alert));
    expect(correlateIncidents(dismissed('privileged-container'))).toEqual([]);
    const [withoutExec] = correlateIncidents(dismissed('exec-into-pod'));
    expect(withoutExec?.alertIds).toEqual([byRule(alerts, 'cluster-admin-binding').id, byRule(alerts, 'privileged-container').id]);
  });

  it('when simulated and live alerts share entities, then they never correlate with each other, and simulated ones form their own incident', () => {
    const live = alertsFrom(escalationStoryEvents().slice(1, 2));
    const simulated = alertsFrom(escalationStoryEvents().slice(2), { isSimulated: true });
    expect(correlateIncidents([...live, ...simulated.map((alert) => ({ ...alert, isSimulated: false }))])).toHaveLength(1);
    expect(correlateIncidents([...live, ...simulated])).toEqual([]);
    const [incident] = correlateIncidents(alertsFrom(escalationStoryEvents(), { isSimulated: true }));
    expect(incident?.isSimulated).toBe(true);
    expect(incident?.id).not.toBe(correlateIncidents(alertsFrom(escalationStoryEvents()))[0]?.id);
  });

  it('when the highest alert is Informational, Low, Medium or High, then the incident is one step above, capped at High', () => {
    expect(['Informational', 'Low', 'Medium', 'High'].map((severity) => escalatedSeverity(severity as Alert['severity']))).toEqual(['Low', 'Medium', 'High', 'High']);
    const alerts = alertsFrom(escalationStoryEvents()).map((alert) => (alert.ruleId === 'exec-into-pod' ? { ...alert, severity: 'High' as const } : alert));
    expect(correlateIncidents(alerts)[0]?.severity).toBe('High');
  });

  it('when alerts arrive in any order, then the incidents are the same', () => {
    const alerts = alertsFrom(escalationStoryEvents());
    const orders = [alerts, [...alerts].reverse(), [alerts[1], alerts[0], alerts[2]] as Alert[]];
    const results = orders.map((order) => correlateIncidents(order));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('when the incident id is computed, then it depends on the subscription, the cluster (not its case), simulation and the anchor alert', () => {
    const id = createIncidentId('s', '/subscriptions/s/x/AKS', false, 'a');
    expect(createIncidentId('s', '/subscriptions/s/x/aks', false, 'a')).toBe(id);
    expect(new Set([id, createIncidentId('t', '/subscriptions/s/x/aks', false, 'a'), createIncidentId('s', '/subscriptions/s/x/aks', true, 'a'), createIncidentId('s', '/subscriptions/s/x/aks', false, 'b')]).size).toBe(4);
  });
});

describe('correlationEntityOf', () => {
  it.each([
    [{ type: 'account', name: ' Dana@Contoso.com ' }, 'account|dana@contoso.com'],
    [{ type: 'K8s-serviceaccount', name: 'ci', namespace: 'shop' }, 'account|system:serviceaccount:shop:ci'],
    [{ type: 'K8s-pod', name: 'web-1', namespace: 'shop' }, 'pod|shop/web-1'],
    [{ type: 'host', name: 'AKS-NODEPOOL1-12345678-VMSS000000' }, 'host|aks-nodepool1-12345678-vmss000000'],
    [{ type: 'K8s-resource', kind: 'nodes', name: 'aks-nodepool1-12345678-vmss000000' }, 'host|aks-nodepool1-12345678-vmss000000'],
    [{ type: 'ip', address: '::ffff:203.0.113.24' }, 'ip|203.0.113.24'],
    [{ type: 'ip', address: '2001:DB8::1' }, 'ip|2001:db8::1'],
  ] as const)('when the entity is %j, then it connects under %s', (entity, key) => {
    expect(correlationEntityOf(entity)?.key).toBe(key);
  });

  it.each([
    [{ type: 'K8s-cluster', name: 'aks-prod-01' }],
    [{ type: 'K8s-namespace', name: 'shop' }],
    [{ type: 'container-image', imageId: 'docker.io/library/nginx:1.27' }],
    [{ type: 'account', name: 'system:anonymous' }],
    [{ type: 'K8s-pod', name: 'web-1' }],
    [{ type: 'K8s-resource', kind: 'secrets', name: 'db' }],
    [{ type: 'ip', address: '127.0.0.1' }],
    [{ type: 'ip', address: '169.254.169.254' }],
    [{ type: 'ip', address: '::1' }],
    [{ type: 'ip', address: 'fe80::1' }],
  ] as const)('when the entity is %j, then it connects nothing', (entity) => {
    expect(correlationEntityOf(entity)).toBeUndefined();
  });

  it('when intents are ordered, then the kill chain follows Defender: PreAttack first, Persistence before PrivilegeEscalation, Execution before Impact', () => {
    expect(KILL_CHAIN_ORDER.indexOf('PreAttack')).toBe(0);
    expect(KILL_CHAIN_ORDER.indexOf('Persistence')).toBeLessThan(KILL_CHAIN_ORDER.indexOf('PrivilegeEscalation'));
    expect(KILL_CHAIN_ORDER.indexOf('Execution')).toBeLessThan(KILL_CHAIN_ORDER.indexOf('Impact'));
  });
});
