import { aggregateFindings } from '../../../shared/alerts/aggregateFindings';
import { auditEvent, container, podObject } from '../../../shared/detection/exampleEvents';
import { privilegedContainer } from '../../../shared/detection/rules/audit/privileged-container';
import { evaluate } from '../../support/ruleHarness';

const now = new Date('2026-11-02T12:00:00.000Z');
const HOUR = 60 * 60 * 1000;

function privilegedPod(auditID: string, time: string, user = 'dana@contoso.com') {
  return auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace: 'shop',
    auditID,
    time,
    user,
    requestObject: podObject({ containers: [container({ securityContext: { privileged: true } })] }),
  });
}

function alertsFor(events: Record<string, unknown>[], windowInMs = HOUR) {
  return aggregateFindings(evaluate([privilegedContainer], events).findings, { windowInMs, now });
}

describe('aggregateFindings', () => {
  it('when one request matches, then the alert has the Defender shape, the rule metadata and the cluster', () => {
    const [alert] = alertsFor([privilegedPod('a1', '2026-11-02T10:15:30.123456Z')]);
    expect(alert).toMatchObject({
      alertType: 'K8S_PrivilegedContainer',
      alertDisplayName: privilegedContainer.displayName,
      severity: 'Informational',
      intent: 'PrivilegeEscalation',
      status: 'Active',
      subscriptionId: '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4',
      compromisedEntity: 'aks-prod-01',
      startTimeUtc: '2026-11-02T10:15:30.123Z',
      endTimeUtc: '2026-11-02T10:15:30.123Z',
      timeGeneratedUtc: '2026-11-02T12:00:00.000Z',
      windowStartUtc: '2026-11-02T10:00:00.000Z',
      count: 1,
      evidenceAuditIds: ['a1'],
      isSimulated: false,
      productName: 'Argus',
      equivalents: privilegedContainer.equivalents,
    });
    expect(alert?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(alert?.systemAlertId).toBe(alert?.id);
    expect(alert?.entities[0]).toEqual({ type: 'K8s-cluster', name: 'aks-prod-01' });
    expect(alert?.entities).toContainEqual({ type: 'account', name: 'dana@contoso.com' });
    expect(alert?.resourceIdentifiers[0]?.azureResourceId).toContain('/managedClusters/aks-prod-01');
  });

  it('when the same behaviour repeats within the window, then it is one alert with a count, the widest times and each audit id once', () => {
    const alerts = alertsFor([
      privilegedPod('a2', '2026-11-02T10:40:00Z'),
      privilegedPod('a1', '2026-11-02T10:05:00Z'),
      privilegedPod('a1', '2026-11-02T10:05:00Z', 'dana@contoso.com'),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 2, startTimeUtc: '2026-11-02T10:05:00.000Z', endTimeUtc: '2026-11-02T10:40:00.000Z' });
    expect(alerts[0]?.evidenceAuditIds).toEqual(['a2', 'a1']);
  });

  it('when hits fall into different windows or have different dedup keys, then they are different alerts with different ids', () => {
    const alerts = alertsFor([
      privilegedPod('a1', '2026-11-02T10:59:59Z'),
      privilegedPod('a2', '2026-11-02T11:00:00Z'),
      privilegedPod('a3', '2026-11-02T10:30:00Z', 'eve@contoso.com'),
    ]);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(3);
  });

  it('when the same findings are aggregated again (a re-delivered batch), then the ids are the same', () => {
    const events = [privilegedPod('a1', '2026-11-02T10:15:00Z')];
    expect(alertsFor(events)[0]?.id).toBe(alertsFor(events)[0]?.id);
  });

  it('when there are more hits than the evidence bound, then the evidence list stops at the bound and the count goes on', () => {
    const events = Array.from({ length: 30 }, (_, i) => privilegedPod(`id-${i}`, '2026-11-02T10:15:00Z'));
    const [alert] = aggregateFindings(evaluate([privilegedContainer], events).findings, { windowInMs: HOUR, now, maxEvidence: 5 });
    expect(alert?.count).toBe(30);
    expect(alert?.evidenceAuditIds).toHaveLength(5);
  });
});
