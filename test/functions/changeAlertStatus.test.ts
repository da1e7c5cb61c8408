import type { HttpResponseInit } from '@azure/functions';
import { changeAlertStatus } from '../../functions/changeAlertStatus';
import { getAlert } from '../../functions/getAlert';
import { type Alert } from '../../shared/alerts/alert';
import { getAlert as readStoredAlert, upsertAlerts } from '../../shared/store/alertStore';
import { ALERT_SUBSCRIPTION, variedAlert } from '../support/alertFixtures';
import { type AlertChangedEvent } from '../../shared/messaging/alertChangedEvents';
import { setAlertEventPublisherForTests } from '../../shared/services';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';
import { RecordingPublisher } from '../support/recordingPublisher';

const SUB = ALERT_SUBSCRIPTION;
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const { reader, admin, owner, stranger } = roleCast('c');

type ErrorBody = { error: { code: string; message: string } };

/** The ETag header of a handler's response (handlers answer with plain header objects). */
const etagHeader = (response: HttpResponseInit): string | undefined => (response.headers as Record<string, string> | undefined)?.etag;

describe('POST /api/subscriptions/{subscriptionId}/alerts/{alertId}/{action}', () => {
  const harness = new ApiHarness();
  let nextIndex = 0;

  beforeAll(async () => {
    await harness.start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
  });
  afterAll(() => harness.stop());

  /** A fresh Active alert in the store for each test. */
  async function seedActiveAlert(subscriptionId = SUB): Promise<Alert> {
    const alert = { ...variedAlert(nextIndex++ * 8, subscriptionId), status: 'Active' as const, statusHistory: [] };
    await upsertAlerts(harness.database, [alert]);
    return alert;
  }

  interface PostOptions {
    as?: TestCaller | null;
    body?: unknown;
    headers?: Record<string, string>;
    subscriptionId?: string;
    query?: Record<string, string>;
  }
  const post = (alertId: string, action: string, options: PostOptions = {}) => {
    const subscriptionId = options.subscriptionId ?? SUB;
    return harness.call(changeAlertStatus, 'POST', `/api/subscriptions/${subscriptionId}/alerts/${alertId}/${action}`, {
      params: { subscriptionId, alertId, action },
      as: options.as === undefined ? admin : options.as,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.query === undefined ? {} : { query: options.query }),
    });
  };
  const etagOf = async (alertId: string): Promise<string> =>
    etagHeader(await harness.call(getAlert, 'GET', `/api/subscriptions/${SUB}/alerts/${alertId}`, { params: { subscriptionId: SUB, alertId }, as: reader })) ?? '';

  it('when there is no token, then it is 401 and nothing changes', async () => {
    const alert = await seedActiveAlert();
    expect((await post(alert.id, 'dismiss', { as: null })).status).toBe(401);
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.status).toBe('Active');
  });

  it('when the caller is a SecurityReader, then it is 403 and nothing changes', async () => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, 'dismiss', { as: reader });
    expect(response.status).toBe(403);
    expect((response.jsonBody as ErrorBody).error.code).toBe('Forbidden');
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.status).toBe('Active');
  });

  it('when the caller has no role in the subscription, then it is 404 and nothing changes', async () => {
    const alert = await seedActiveAlert();
    expect((await post(alert.id, 'dismiss', { as: stranger })).status).toBe(404);
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.statusHistory).toEqual([]);
  });

  it("when another subscription's alert is changed through the caller's own subscription, then it is 404 and it is untouched", async () => {
    const foreign = await seedActiveAlert(OTHER_SUB);
    expect((await post(foreign.id, 'dismiss', { as: admin })).status).toBe(404);
    expect((await readStoredAlert(harness.database, OTHER_SUB, foreign.id))?.alert.status).toBe('Active');
  });

  it.each([
    ['SecurityAdmin', admin],
    ['Owner', owner],
  ])('when a %s dismisses with a comment, then it is 200 with the alert Dismissed, a history entry of who, when and why, and a new ETag', async (_role, caller) => {
    const alert = await seedActiveAlert();
    const before = await etagOf(alert.id);
    const started = new Date().toISOString();
    const response = await post(alert.id, 'dismiss', { as: caller, body: { comment: 'Known test cluster' } });
    expect(response.status).toBe(200);
    const body = response.jsonBody as Alert;
    expect(body.status).toBe('Dismissed');
    expect(body.statusHistory).toEqual([
      { status: 'Dismissed', principalId: caller.objectId, principalName: caller.name, timeUtc: expect.any(String) as string, comment: 'Known test cluster' },
    ]);
    expect(body.statusHistory[0]!.timeUtc >= started && body.statusHistory[0]!.timeUtc <= new Date().toISOString()).toBe(true);
    expect(body).not.toHaveProperty('_etag');
    const etag = etagHeader(response);
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(etag).not.toBe(before);
    expect(await etagOf(alert.id)).toBe(etag);
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert).toEqual(body);
  });

  it.each([
    ['resolve', 'Resolved'],
    ['inProgress', 'InProgress'],
    ['dismiss', 'Dismissed'],
  ])('when the action is %s, then the status becomes %s, and activate brings it back to Active', async (action, status) => {
    const alert = await seedActiveAlert();
    expect(((await post(alert.id, action)).jsonBody as Alert).status).toBe(status);
    const reactivated = (await post(alert.id, 'activate')).jsonBody as Alert;
    expect(reactivated.status).toBe('Active');
    expect(reactivated.statusHistory.map((h) => h.status)).toEqual([status, 'Active']);
  });

  it('when the same action is repeated, then it is 200 with no second history entry and no write (same ETag)', async () => {
    const alert = await seedActiveAlert();
    const first = await post(alert.id, 'resolve', { body: { comment: 'patched' } });
    const second = await post(alert.id, 'resolve', { body: { comment: 'patched again' } });
    expect(second.status).toBe(200);
    expect((second.jsonBody as Alert).statusHistory).toHaveLength(1);
    expect(etagHeader(second)).toBe(etagHeader(first));
    expect(await etagOf(alert.id)).toBe(etagHeader(first));
  });

  it('when activating an alert that is already Active, then nothing is written', async () => {
    const alert = await seedActiveAlert();
    const before = await etagOf(alert.id);
    const response = await post(alert.id, 'activate');
    expect(response.status).toBe(200);
    expect((response.jsonBody as Alert).statusHistory).toEqual([]);
    expect(await etagOf(alert.id)).toBe(before);
  });

  it('when If-Match has the current ETag (or *), then the change is made', async () => {
    const alert = await seedActiveAlert();
    const etag = await etagOf(alert.id);
    const response = await post(alert.id, 'inProgress', { headers: { 'if-match': etag } });
    expect(response.status).toBe(200);
    expect((response.jsonBody as Alert).status).toBe('InProgress');
    expect((await post(alert.id, 'resolve', { headers: { 'if-match': '*' } })).status).toBe(200);
  });

  it('when If-Match has a stale ETag, then it is 412 with the current ETag and nothing changes, even for a repeat of the current status', async () => {
    const alert = await seedActiveAlert();
    const stale = await etagOf(alert.id);
    const changed = await post(alert.id, 'dismiss');
    const current = etagHeader(changed);
    for (const action of ['resolve', 'dismiss']) {
      const response = await post(alert.id, action, { headers: { 'if-match': stale } });
      expect(response.status).toBe(412);
      expect((response.jsonBody as ErrorBody).error.code).toBe('PreconditionFailed');
      expect(response.headers).toMatchObject({ etag: current });
    }
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.statusHistory).toHaveLength(1);
  });

  it('when a weak or unknown entity tag is sent in If-Match, then it is 412', async () => {
    const alert = await seedActiveAlert();
    const etag = await etagOf(alert.id);
    expect((await post(alert.id, 'dismiss', { headers: { 'if-match': `W/${etag}` } })).status).toBe(412);
    expect((await post(alert.id, 'dismiss', { headers: { 'if-match': '"nope"' } })).status).toBe(412);
  });

  it('when two admins change the status at the same time without If-Match, then both changes are kept in the history (no lost update)', async () => {
    const alert = await seedActiveAlert();
    const responses = await Promise.all([post(alert.id, 'dismiss', { as: admin }), post(alert.id, 'inProgress', { as: owner })]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const stored = await readStoredAlert(harness.database, SUB, alert.id);
    expect(stored?.alert.statusHistory.map((h) => h.status).sort()).toEqual(['Dismissed', 'InProgress']);
    expect(stored?.alert.status).toBe(stored?.alert.statusHistory.at(-1)?.status);
  });

  it('when the comment is exactly 1000 characters, then it is kept; at 1001, then it is 400 naming comment', async () => {
    const alert = await seedActiveAlert();
    const tooLong = await post(alert.id, 'dismiss', { body: { comment: 'x'.repeat(1001) } });
    expect(tooLong.status).toBe(400);
    expect((tooLong.jsonBody as ErrorBody).error).toEqual({ code: 'InvalidRequestBody', message: 'comment must be at most 1000 characters.' });
    const ok = await post(alert.id, 'dismiss', { body: { comment: 'x'.repeat(1000) } });
    expect(ok.status).toBe(200);
    expect((ok.jsonBody as Alert).statusHistory[0]?.comment).toHaveLength(1000);
  });

  it('when the body is empty or an empty object, then the change is made without a comment', async () => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, 'dismiss', { body: '' });
    expect(response.status).toBe(200);
    expect((response.jsonBody as Alert).statusHistory[0]).not.toHaveProperty('comment');
    expect((await post(alert.id, 'resolve', { body: {} })).status).toBe(200);
  });

  it.each<[string, unknown, string]>([
    ['an unknown field', { comment: 'ok', reason: 'x' }, 'reason '],
    ['a comment that is not a string', { comment: 42 }, 'comment '],
    ['a comment that is null', { comment: null }, 'comment '],
    ['not JSON', '{comment:', 'body '],
    ['a JSON array', '["comment"]', 'body '],
    ['a JSON string', '"comment"', 'body '],
  ])('when the body has %s, then it is 400 InvalidRequestBody naming the field and nothing changes', async (_case, body, field) => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, 'dismiss', { body });
    expect(response.status).toBe(400);
    const { error } = response.jsonBody as ErrorBody;
    expect(error.code).toBe('InvalidRequestBody');
    expect(error.message.startsWith(field)).toBe(true);
    expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.status).toBe('Active');
  });

  it.each(['close', 'Dismiss', 'toString', 'delete'])('when the action is unknown (%s), then it is 404 naming the actions there are', async (action) => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, action);
    expect(response.status).toBe(404);
    expect((response.jsonBody as ErrorBody).error.message).toContain('dismiss, resolve, activate, inProgress');
  });

  it('when the alert does not exist, then it is 404', async () => {
    expect((await post('f'.repeat(32), 'dismiss')).status).toBe(404);
  });

  it('when the alert id is malformed, then it is 400 naming alertId', async () => {
    const response = await post('bad id!', 'dismiss');
    expect(response.status).toBe(400);
    expect((response.jsonBody as ErrorBody).error.message).toMatch(/^alertId /);
  });

  it('when a query parameter is given, then it is 400 naming it', async () => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, 'dismiss', { query: { force: 'true' } });
    expect(response.status).toBe(400);
    expect((response.jsonBody as ErrorBody).error.message).toMatch(/^force /);
  });

  it('when the status changes, then the log names the alert, the subscription and the principal but not the comment', async () => {
    const alert = await seedActiveAlert();
    const response = await post(alert.id, 'dismiss', { body: { comment: 'secret-ish remark' } });
    const logs = response.context.logs.map((l) => l.message).join('\n');
    expect(logs).toContain(alert.id);
    expect(logs).toContain(admin.objectId);
    expect(logs).not.toContain('secret-ish remark');
  });

  describe('the push export', () => {
    const alertEvents = new RecordingPublisher();
    beforeAll(() => setAlertEventPublisherForTests(alertEvents));
    afterAll(() => setAlertEventPublisherForTests(undefined));

    it('when an admin changes a status, then the alert’s new state is published to the alert-events hub with its next version', async () => {
      const alert = await seedActiveAlert();
      alertEvents.take();
      const response = await post(alert.id, 'resolve', { as: admin });
      expect(response.status).toBe(200);
      expect(alertEvents.partitionKeys).toEqual([SUB]);
      const [event, ...more] = alertEvents.takeParsed<AlertChangedEvent>();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ type: 'alertChanged', alertId: alert.id, subscriptionId: SUB, version: alert.version + 1, alert: { status: 'Resolved' } });
    });

    it('when the status is already the requested one, then nothing is published', async () => {
      const alert = await seedActiveAlert();
      alertEvents.take();
      expect((await post(alert.id, 'activate', { as: admin })).status).toBe(200);
      expect(alertEvents.take()).toEqual([]);
    });

    it('when the alert-events hub cannot be reached, then the change still stands (the pull export has it) and the failure is logged', async () => {
      const alert = await seedActiveAlert();
      alertEvents.failWith = new Error('hub unreachable');
      try {
        const response = await post(alert.id, 'dismiss', { as: admin });
        expect(response.status).toBe(200);
        expect((await readStoredAlert(harness.database, SUB, alert.id))?.alert.status).toBe('Dismissed');
        expect(response.context.logs.some((line) => line.level === 'error' && line.message.includes('publishing the status change'))).toBe(true);
      } finally {
        alertEvents.failWith = undefined;
      }
    });
  });
});
