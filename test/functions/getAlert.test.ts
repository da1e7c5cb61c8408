import { getAlert } from '../../functions/getAlert';
import { type Alert } from '../../shared/alerts/alert';
import { upsertAlerts } from '../../shared/store/alertStore';
import { ALERT_SUBSCRIPTION, variedAlert } from '../support/alertFixtures';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';

const SUB = ALERT_SUBSCRIPTION;
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const { reader, admin, owner, stranger } = roleCast('b');

describe('GET /api/subscriptions/{subscriptionId}/alerts/{alertId}', () => {
  const harness = new ApiHarness();
  const alert = variedAlert(3);
  const otherAlert = variedAlert(4, OTHER_SUB);

  beforeAll(async () => {
    await harness.start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB, 'SecurityReader');
    await upsertAlerts(harness.database, [alert, otherAlert]);
  });
  afterAll(() => harness.stop());

  const get = (alertId: string, as: TestCaller | null = reader, subscriptionId = SUB, query?: Record<string, string>) =>
    harness.call(getAlert, 'GET', `/api/subscriptions/${subscriptionId}/alerts/${encodeURIComponent(alertId)}`, {
      params: { subscriptionId, alertId },
      as,
      ...(query === undefined ? {} : { query }),
    });

  it('when there is no token, then it is 401', async () => {
    expect((await get(alert.id, null)).status).toBe(401);
  });

  it.each([
    ['SecurityReader', reader],
    ['SecurityAdmin', admin],
    ['Owner', owner],
  ])('when the caller is %s, then it is 200 with the alert as stored and a quoted ETag', async (_role, caller) => {
    const response = await get(alert.id, caller);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual(alert);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', etag: expect.stringMatching(/^"[^"]+"$/) as string });
  });

  it('when the alert is read, then the body has no Cosmos system property', async () => {
    const body = (await get(alert.id)).jsonBody as Record<string, unknown>;
    for (const key of ['_rid', '_self', '_etag', '_attachments', '_ts']) expect(body).not.toHaveProperty(key);
  });

  it('when the ETag is read twice without a change, then it is the same', async () => {
    expect((await get(alert.id)).headers).toEqual((await get(alert.id)).headers);
  });

  it('when the caller has no role in the subscription, then it is 404, as if the alert did not exist', async () => {
    const response = await get(alert.id, stranger);
    expect(response.status).toBe(404);
    expect(response.jsonBody).toEqual({ error: { code: 'NotFound', message: expect.any(String) as string } });
  });

  it('when another subscription\'s alert is asked for in the caller\'s own subscription, then it is 404', async () => {
    expect((await get(otherAlert.id, reader)).status).toBe(404);
    expect((await get(otherAlert.id, stranger, OTHER_SUB)).status).toBe(200);
  });

  it('when the alert does not exist, then it is 404 NotFound', async () => {
    const response = await get('0'.repeat(32));
    expect(response.status).toBe(404);
    expect((response.jsonBody as { error: { code: string } }).error.code).toBe('NotFound');
  });

  it.each(['a/b', 'x'.repeat(129), "1' OR '1'='1", ''])('when the alert id is malformed (%j), then it is 400 naming alertId', async (alertId) => {
    const response = await get(alertId);
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: { code: string; message: string } }).error).toEqual({ code: 'InvalidParameter', message: expect.stringMatching(/^alertId /) as string });
  });

  it('when a query parameter is given, then it is 400 naming it', async () => {
    const response = await get(alert.id, reader, SUB, { expand: 'all' });
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: { message: string } }).error.message).toMatch(/^expand /);
  });

  it('when the subscription id is not a GUID, then it is 400', async () => {
    expect((await get(alert.id, reader, 'abc')).status).toBe(400);
  });

  it('when read, then the alert is the one asked for and not another', async () => {
    const other: Alert = variedAlert(5);
    await upsertAlerts(harness.database, [other]);
    expect(((await get(other.id)).jsonBody as Alert).id).toBe(other.id);
    expect(((await get(alert.id)).jsonBody as Alert).id).toBe(alert.id);
  });
});
