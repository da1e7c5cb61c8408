import { type Alert } from '../../../shared/alerts/alert';
import { ALERT_CHANGED_EVENT_TYPE, alertChangedEventOf, publishAlertChanges, readAlertChangedEvent } from '../../../shared/messaging/alertChangedEvents';
import { ALERT_SUBSCRIPTION, variedAlert } from '../../support/alertFixtures';
import { RecordingPublisher } from '../../support/recordingPublisher';

const OTHER_SUB = '11111111-2222-4333-8444-555555555555';

/** An alert as the pipeline writes it, with the bookkeeping the export leaves out. */
function ingestedAlert(index = 0, subscriptionId = ALERT_SUBSCRIPTION): Alert {
  return { ...variedAlert(index, subscriptionId), version: 3, lastModifiedUtc: '2026-11-02T12:34:56.789Z', ingestedThrough: { 'hub/0': 41 } };
}

describe('alertChangedEventOf', () => {
  it('when an alert is made an event, then it names the alert, its version and change time, and carries the alert without ingestedThrough', () => {
    const alert = ingestedAlert();
    const event = alertChangedEventOf(alert);
    expect(event).toMatchObject({ type: ALERT_CHANGED_EVENT_TYPE, subscriptionId: ALERT_SUBSCRIPTION, alertId: alert.id, version: 3, lastModifiedUtc: alert.lastModifiedUtc });
    expect(event.alert).not.toHaveProperty('ingestedThrough');
    const { ingestedThrough: _ingestedThrough, ...exported } = alert;
    expect(event.alert).toEqual(exported);
    expect(alert.ingestedThrough).toEqual({ 'hub/0': 41 });
  });
});

describe('readAlertChangedEvent', () => {
  const event = alertChangedEventOf(ingestedAlert());
  const text = JSON.stringify(event);

  it.each([
    ['a string', text],
    ['a Buffer', Buffer.from(text, 'utf8')],
    ['a Uint8Array', new Uint8Array(Buffer.from(text, 'utf8'))],
    ['parsed JSON', JSON.parse(text) as unknown],
  ])('when the body is %s, then the event reads back as it was published', (_kind, body) => {
    expect(readAlertChangedEvent(body)).toEqual({ ok: true, event });
  });

  it('when the body is not JSON, then it is refused as such', () => {
    expect(readAlertChangedEvent('{"type":"alertChanged",')).toEqual({ ok: false, problem: 'the event is not JSON' });
    expect(readAlertChangedEvent(Buffer.from('not json'))).toEqual({ ok: false, problem: 'the event is not JSON' });
  });

  it.each([
    ['another type', { ...event, type: 'alertDeleted' }, 'type'],
    ['no alert id', { ...event, alertId: undefined }, 'alertId'],
    ['a version of 0', { ...event, version: 0 }, 'version'],
    ['a fractional version', { ...event, version: 1.5 }, 'version'],
    ['no alert', { ...event, alert: undefined }, 'alert'],
  ])('when the event has %s, then it is refused naming the field', (_case, body, field) => {
    const reading = readAlertChangedEvent(JSON.stringify(body));
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.problem).toMatch(new RegExp(`^not an alertChanged event: .*\\b${field}\\b`));
  });

  it.each([null, 42, 'true', [event]])('when the body is %p, then it is refused', (body) => {
    expect(readAlertChangedEvent(body).ok).toBe(false);
  });

  it("when the alert's id is not the event's alertId, then it is refused", () => {
    const reading = readAlertChangedEvent({ ...event, alertId: variedAlert(1).id });
    expect(reading).toEqual({ ok: false, problem: expect.stringContaining('does not match') as string });
  });

  it("when the alert's subscription is not the event's subscription, then it is refused", () => {
    const reading = readAlertChangedEvent({ ...event, subscriptionId: OTHER_SUB });
    expect(reading).toEqual({ ok: false, problem: expect.stringContaining('does not match') as string });
  });
});

describe('publishAlertChanges', () => {
  it('when alerts of two subscriptions are published, then each subscription gets one publish of its events, keyed by its subscription id', async () => {
    const publisher = new RecordingPublisher();
    const calls: { bodies: readonly string[]; partitionKey: string | undefined }[] = [];
    const publish = publisher.publish.bind(publisher);
    publisher.publish = (bodies, options = {}) => {
      calls.push({ bodies, partitionKey: options.partitionKey });
      return publish(bodies, options);
    };
    const a1 = ingestedAlert(0);
    const b1 = ingestedAlert(1, OTHER_SUB);
    const a2 = { ...ingestedAlert(2), version: 7 };

    await publishAlertChanges(publisher, [a1, b1, a2]);

    expect(calls.map((call) => call.partitionKey).sort()).toEqual([ALERT_SUBSCRIPTION, OTHER_SUB].sort());
    const ofSub = calls.find((call) => call.partitionKey === ALERT_SUBSCRIPTION);
    expect(ofSub?.bodies.map((body) => JSON.parse(body) as unknown)).toEqual([alertChangedEventOf(a1), alertChangedEventOf(a2)]);
    const ofOther = calls.find((call) => call.partitionKey === OTHER_SUB);
    expect(ofOther?.bodies.map((body) => JSON.parse(body) as unknown)).toEqual([alertChangedEventOf(b1)]);
    for (const [index, body] of publisher.bodies.entries()) {
      const reading = readAlertChangedEvent(body);
      expect(reading.ok && reading.event.subscriptionId).toBe(publisher.partitionKeys[index]);
    }
  });

  it('when there are no alerts, then nothing is published', async () => {
    const publisher = new RecordingPublisher();
    await publishAlertChanges(publisher, []);
    expect(publisher.bodies).toEqual([]);
  });

  it('when the publisher fails, then the failure reaches the caller', async () => {
    const publisher = new RecordingPublisher();
    publisher.failWith = new Error('hub unreachable');
    await expect(publishAlertChanges(publisher, [ingestedAlert()])).rejects.toThrow('hub unreachable');
  });
});
