import { normalizeAuditEvent } from '../../../shared/kubernetes/normalizeAuditEvent';
import { SkipReason } from '../../../shared/kubernetes/skipReason';
import { auditEvent } from '../../../shared/detection/exampleEvents';

const base = (): Record<string, unknown> => auditEvent({ verb: 'GET', resource: 'pods', namespace: 'shop', name: 'web-1' });

describe('normalizeAuditEvent', () => {
  it('when a v1 event is normalized, then its fields are kept and the verb is lower-case', () => {
    const result = normalizeAuditEvent(base());
    if (!result.ok) throw new Error(result.detail);
    expect(result.event.verb).toBe('get');
    expect(result.event.objectRef).toEqual({ resource: 'pods', namespace: 'shop', name: 'web-1', apiVersion: 'v1' });
    expect(result.event.user.groups).toContain('system:authenticated');
    expect(result.event.annotations['authorization.k8s.io/decision']).toBe('allow');
  });

  it('when an old v1beta1 event has only `timestamp`, then it becomes `requestReceivedTimestamp`', () => {
    const { requestReceivedTimestamp: _dropped, ...rest } = base();
    const result = normalizeAuditEvent({ ...rest, apiVersion: 'audit.k8s.io/v1beta1', timestamp: '2019-03-01T10:00:00Z' });
    expect(result.ok && result.event.requestReceivedTimestamp).toBe('2019-03-01T10:00:00Z');
  });

  it('when an event has no apiVersion, then it is still accepted', () => {
    const { apiVersion: _a, kind: _k, ...rest } = base();
    expect(normalizeAuditEvent(rest).ok).toBe(true);
  });

  it('when optional lists are missing or malformed, then they default to empty instead of failing the event', () => {
    const result = normalizeAuditEvent({ ...base(), sourceIPs: 'x', annotations: 7, user: { username: 'u' } });
    if (!result.ok) throw new Error(result.detail);
    expect(result.event.sourceIPs).toEqual([]);
    expect(result.event.annotations).toEqual({});
    expect(result.event.user.groups).toEqual([]);
  });

  it('when a required field is missing or wrong, then the event is reported invalid naming the field', () => {
    const { stage: _s, ...noStage } = base();
    const missing = normalizeAuditEvent(noStage);
    expect(missing.ok === false && [missing.reason, missing.detail]).toEqual([SkipReason.invalidAuditEvent, expect.stringMatching(/^stage/) as unknown]);
    const badTime = normalizeAuditEvent({ ...base(), requestReceivedTimestamp: 'yesterday' });
    expect(badTime.ok === false && badTime.detail).toMatch(/^requestReceivedTimestamp/);
  });

  it('when the object is a core/v1 Event or another API version, then it is not an audit event', () => {
    expect(normalizeAuditEvent({ kind: 'Event', apiVersion: 'v1', reason: 'Scheduled' })).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
    expect(normalizeAuditEvent({ ...base(), apiVersion: 'audit.k8s.io/v2' })).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
    expect(normalizeAuditEvent([base()])).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
  });
});
