import { type AuditEvent } from '../../../shared/kubernetes/auditEvent';
import { normalizeAuditEvent, type NormalizeResult } from '../../../shared/kubernetes/normalizeAuditEvent';
import { RepairReason, UNKNOWN_USERNAME } from '../../../shared/kubernetes/repairReason';
import { SkipReason } from '../../../shared/kubernetes/skipReason';
import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { isSystemRequest } from '../../../shared/detection/predicates/identities';

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
    const { verb: _v, ...noVerb } = base();
    const missing = normalizeAuditEvent(noVerb);
    expect(missing.ok === false && [missing.reason, missing.detail]).toEqual([SkipReason.invalidAuditEvent, expect.stringMatching(/^verb/) as unknown]);
    const badTime = normalizeAuditEvent({ ...base(), requestReceivedTimestamp: 'yesterday' });
    expect(badTime.ok === false && badTime.detail).toMatch(/^requestReceivedTimestamp/);
    const { requestReceivedTimestamp: _t, stageTimestamp: _st, ...noTime } = base();
    expect(normalizeAuditEvent(noTime)).toMatchObject({ ok: false, reason: SkipReason.invalidAuditEvent, detail: expect.stringMatching(/^requestReceivedTimestamp/) as unknown });
  });

  it('when the object is a core/v1 Event or another API version, then it is not an audit event', () => {
    expect(normalizeAuditEvent({ kind: 'Event', apiVersion: 'v1', reason: 'Scheduled' })).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
    expect(normalizeAuditEvent({ ...base(), apiVersion: 'audit.k8s.io/v2' })).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
    expect(normalizeAuditEvent([base()])).toMatchObject({ ok: false, reason: SkipReason.notAnAuditEvent });
  });
});

/** The normalized event, failing the test with the skip detail when there is none. */
function accepted(result: NormalizeResult): { event: AuditEvent; repairs: readonly RepairReason[] } {
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result;
}

function omit(event: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  const copy = { ...event };
  for (const field of fields) delete copy[field];
  return copy;
}

describe('normalizeAuditEvent, for events a log pipeline trimmed', () => {
  it('when a complete event is normalized, then nothing is repaired', () => {
    expect(accepted(normalizeAuditEvent(base())).repairs).toEqual([]);
  });

  it('when an event has neither kind nor apiVersion nor auditID but the audit fields, then it is an audit event with both repairs named', () => {
    const result = accepted(normalizeAuditEvent(omit(base(), 'kind', 'apiVersion', 'auditID')));
    expect(result.repairs).toEqual([RepairReason.missingKindAndApiVersion, RepairReason.derivedAuditId]);
    expect(result.event.objectRef?.name).toBe('web-1');
  });

  it('when only kind and apiVersion are missing, then the fast path counts that one repair', () => {
    expect(accepted(normalizeAuditEvent(omit(base(), 'kind', 'apiVersion'))).repairs).toEqual([RepairReason.missingKindAndApiVersion]);
  });

  it('when an object lacks the audit fields, then it is still not an audit event', () => {
    const notAudit = { reason: SkipReason.notAnAuditEvent, ok: false };
    // a verb alone, or a verb and a target without anyone asking
    expect(normalizeAuditEvent({ verb: 'get', message: 'GET /healthz' })).toMatchObject(notAudit);
    expect(normalizeAuditEvent({ verb: 'get', requestURI: '/healthz' })).toMatchObject(notAudit);
    // who asked, but no verb: an access log line, not an audit event
    expect(normalizeAuditEvent({ requestURI: '/api/v1/pods', user: { username: 'dana' }, sourceIPs: ['203.0.113.24'] })).toMatchObject(notAudit);
    // a pipeline's own record
    expect(normalizeAuditEvent({ '@timestamp': '2026-11-02T10:15:30Z', message: 'hello', _id: 'x' })).toMatchObject(notAudit);
  });

  it('when the same content without auditID is normalized twice, then it gets the same UUID-shaped id, whatever the key order', () => {
    const event = omit(base(), 'auditID');
    const reordered = Object.fromEntries(Object.entries(event).reverse());
    const first = accepted(normalizeAuditEvent(event)).event.auditID;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(accepted(normalizeAuditEvent(event)).event.auditID).toBe(first);
    expect(accepted(normalizeAuditEvent(reordered)).event.auditID).toBe(first);
  });

  it('when content without auditID differs in a request field, then the derived ids differ', () => {
    const event = omit(base(), 'auditID');
    const id = (changed: Record<string, unknown>): string => accepted(normalizeAuditEvent({ ...event, ...changed })).event.auditID;
    const original = id({});
    expect(id({ requestReceivedTimestamp: '2026-11-02T10:15:31.123456Z' })).not.toBe(original);
    expect(id({ user: { username: 'erin@contoso.com', groups: [] } })).not.toBe(original);
    expect(id({ objectRef: { resource: 'pods', namespace: 'shop', name: 'web-2', apiVersion: 'v1' } })).not.toBe(original);
    expect(id({ stage: 'ResponseStarted' })).not.toBe(original);
    // the body is not part of the identity: the same request logged at another level is the same request
    expect(id({ level: 'RequestResponse', responseObject: { kind: 'Pod' } })).toBe(original);
  });

  it('when the stage is missing or not a stage of the audit API, then it is ResponseComplete, counted', () => {
    for (const event of [omit(base(), 'stage'), { ...base(), stage: 'Done' }, { ...base(), stage: 7 }]) {
      const result = accepted(normalizeAuditEvent(event));
      expect([result.event.stage, result.repairs]).toEqual(['ResponseComplete', [RepairReason.defaultedStage]]);
    }
  });

  it('when the user is missing, then it is an unknown person that no system list matches', () => {
    const result = accepted(normalizeAuditEvent(omit(base(), 'user')));
    expect(result.event.user).toEqual({ username: UNKNOWN_USERNAME, groups: [] });
    expect(result.repairs).toEqual([RepairReason.unknownUser]);
    expect(isSystemRequest(result.event, createDetectionContext())).toBe(false);
  });

  it('when the user has groups but no username, then the groups are kept under the unknown username', () => {
    const result = accepted(normalizeAuditEvent({ ...base(), user: { groups: ['system:authenticated'] } }));
    expect(result.event.user).toEqual({ username: UNKNOWN_USERNAME, groups: ['system:authenticated'] });
  });

  it('when times are written YYYY-MM-DD HH:MM:SS[.ffffff], then both become RFC 3339 in UTC, counted once', () => {
    const result = accepted(
      normalizeAuditEvent({ ...base(), requestReceivedTimestamp: '2026-11-02 10:15:30.123456', stageTimestamp: '2026-11-02 10:15:31' }),
    );
    expect([result.event.requestReceivedTimestamp, result.event.stageTimestamp]).toEqual(['2026-11-02T10:15:30.123456Z', '2026-11-02T10:15:31Z']);
    expect(result.repairs).toEqual([RepairReason.convertedTime]);
  });

  it('when a space-separated time names its zone, then the zone is kept', () => {
    const result = accepted(normalizeAuditEvent({ ...base(), requestReceivedTimestamp: '2026-11-02 12:15:30.5 +0200' }));
    expect(result.event.requestReceivedTimestamp).toBe('2026-11-02T12:15:30.5+02:00');
  });

  it('when times are epoch milliseconds, as a number or a numeric string, then they become RFC 3339', () => {
    const ms = Date.parse('2026-11-02T10:15:30.123Z');
    const result = accepted(normalizeAuditEvent({ ...base(), requestReceivedTimestamp: ms, stageTimestamp: String(ms + 2) }));
    expect([result.event.requestReceivedTimestamp, result.event.stageTimestamp]).toEqual(['2026-11-02T10:15:30.123Z', '2026-11-02T10:15:30.125Z']);
    expect(result.repairs).toEqual([RepairReason.convertedTime]);
  });

  it('when only the stage time is in another format, then the fast path still converts it', () => {
    const result = accepted(normalizeAuditEvent({ ...base(), stageTimestamp: '2026-11-02 10:15:30.223456' }));
    expect([result.event.stageTimestamp, result.repairs]).toEqual(['2026-11-02T10:15:30.223456Z', [RepairReason.convertedTime]]);
  });

  it('when a time is epoch seconds or words, then it is not guessed at: the event is invalid', () => {
    for (const time of [1793614530, '1793614530', 'last Tuesday', '2026-13-45 99:99:99']) {
      expect(normalizeAuditEvent({ ...base(), requestReceivedTimestamp: time })).toMatchObject({ ok: false, reason: SkipReason.invalidAuditEvent });
    }
  });

  it('when no event time is left but @timestamp, then @timestamp is the time; when the event has its time, @timestamp is ignored', () => {
    const trimmed = { ...omit(base(), 'requestReceivedTimestamp', 'stageTimestamp'), '@timestamp': '2026-11-02T10:15:31.002Z' };
    const result = accepted(normalizeAuditEvent(trimmed));
    expect([result.event.requestReceivedTimestamp, result.repairs]).toEqual(['2026-11-02T10:15:31.002Z', [RepairReason.timeFromOtherField]]);
    const complete = accepted(normalizeAuditEvent({ ...base(), '@timestamp': '2027-01-01T00:00:00Z' }));
    expect([complete.event.requestReceivedTimestamp, complete.repairs]).toEqual(['2026-11-02T10:15:30.123456Z', []]);
  });

  it('when only the stage time is left, then it stands in for the request time', () => {
    const result = accepted(normalizeAuditEvent(omit(base(), 'requestReceivedTimestamp')));
    expect([result.event.requestReceivedTimestamp, result.repairs]).toEqual(['2026-11-02T10:15:30.123456Z', [RepairReason.timeFromOtherField]]);
  });

  it('when vendor fields come with the event, then the normalized event has none of them', () => {
    const vendor = { p_log_type: 'Amazon.EKS.Audit', p_row_id: 'r1', p_event_time: '2026-11-02 10:15:30.123456', _id: 'x', '@timestamp': '2026-11-02T10:15:31Z' };
    const fromComplete = accepted(normalizeAuditEvent({ ...base(), ...vendor })).event;
    const fromTrimmed = accepted(normalizeAuditEvent({ ...omit(base(), 'kind', 'apiVersion', 'stage'), ...vendor })).event;
    for (const event of [fromComplete, fromTrimmed]) {
      expect(Object.keys(event).filter((key) => key.startsWith('p_') || key.startsWith('_') || key.startsWith('@'))).toEqual([]);
    }
  });

  it('when the input object is repaired, then the input itself is left as it came', () => {
    const event = omit(base(), 'auditID', 'stage', 'user');
    const before = JSON.stringify(event);
    accepted(normalizeAuditEvent(event));
    expect(JSON.stringify(event)).toBe(before);
  });
});

