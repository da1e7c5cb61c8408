import { getPlan } from '../../functions/getPlan';
import { updatePlan } from '../../functions/updatePlan';
import { getPlan as readPlan } from '../../shared/store/planStore';
import { ApiHarness, type TestCaller, expectInvalidParameter } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const owner: TestCaller = { objectId: '11111111-1111-4111-8111-111111111111', name: 'Olivia Owner' };
const admin: TestCaller = { objectId: '22222222-2222-4222-8222-222222222222', name: 'Adam Admin' };
const reader: TestCaller = { objectId: '33333333-3333-4333-8333-333333333333', name: 'Rita Reader' };
const stranger: TestCaller = { objectId: '44444444-4444-4444-8444-444444444444', name: 'Sam Stranger' };
const operator: TestCaller = { objectId: '55555555-5555-4555-8555-555555555555', name: 'Opal Operator', appRoles: ['Argus.Admin'] };

const harness = new ApiHarness();
const path = (sub: string): string => `/api/subscriptions/${sub}/plan`;

const get = (as: TestCaller | null, sub = SUB, query?: Record<string, string>) =>
  harness.call(getPlan, 'GET', path(sub), { params: { subscriptionId: sub }, as, ...(query ? { query } : {}) });
const put = (as: TestCaller | null, body: unknown, sub = SUB) => harness.call(updatePlan, 'PUT', path(sub), { params: { subscriptionId: sub }, as, body });

beforeAll(async () => {
  await harness.start();
  await harness.grant(SUB, owner, 'Owner');
  await harness.grant(SUB, admin, 'SecurityAdmin');
  await harness.grant(SUB, reader, 'SecurityReader');
  await harness.grant(OTHER_SUB, stranger, 'Owner');
});
afterAll(async () => {
  await harness.stop();
});
beforeEach(async () => {
  await harness.database.container('plans').delete().catch(() => undefined);
  await harness.database.containers.createIfNotExists({ id: 'plans', partitionKey: { paths: ['/subscriptionId'] } });
});

describe('GET /api/subscriptions/{subscriptionId}/plan', () => {
  it('when there is no token, then it is 401', async () => {
    expect((await get(null)).status).toBe(401);
  });

  it('when the plan was never set, then it reads disabled, with the onboarding instructions for the default hub', async () => {
    const response = await get(reader);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    const body = response.jsonBody as Record<string, unknown>;
    expect(body).toMatchObject({ subscriptionId: SUB, enabled: false });
    expect(body).not.toHaveProperty('enabledAtUtc');
    expect(body['onboarding']).toMatchObject({
      eventHubName: 'insights-logs-kube-audit',
      diagnosticCategories: [
        { category: 'kube-audit-admin', recommended: true },
        { category: 'kube-audit', recommended: false },
      ],
      azureCliCommand: expect.stringContaining('az monitor diagnostic-settings create') as string,
    });
    expect(body['onboarding']).not.toHaveProperty('eventHubNamespace');
    expect((body['onboarding'] as { azureCliCommand: string }).azureCliCommand).toContain('--event-hub insights-logs-kube-audit');
  });

  it.each([
    ['Owner', owner],
    ['SecurityAdmin', admin],
    ['SecurityReader', reader],
  ])('when a %s reads the plan, then it is 200', async (_role, caller) => {
    expect((await get(caller)).status).toBe(200);
  });

  it('when the caller has no role in the subscription (another tenant\'s Owner), then it is 403', async () => {
    const response = await get(stranger);
    expect(response.status).toBe(403);
    expect(response.jsonBody).toMatchObject({ error: { code: 'Forbidden' } });
  });

  it('when an operator without a role reads the plan, then it is 403 (operators manage role assignments only)', async () => {
    expect((await get(operator)).status).toBe(403);
  });

  it('when the hub name and namespace are configured, then the onboarding names them', async () => {
    const restore = applyAppSettings({ AUDIT_EVENTHUB_NAME: 'argus-audit', EVENTHUB__fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net' });
    try {
      const { onboarding } = (await get(reader)).jsonBody as { onboarding: { eventHubName: string; eventHubNamespace: string; azureCliCommand: string } };
      expect(onboarding.eventHubName).toBe('argus-audit');
      expect(onboarding.eventHubNamespace).toBe('argus-hub.servicebus.windows.net');
      expect(onboarding.azureCliCommand).toContain('--event-hub argus-audit');
      expect(onboarding.azureCliCommand).toContain('Event Hubs namespace argus-hub>');
    } finally {
      restore();
    }
  });

  it('when the subscription id is not a GUID, then it is 400 naming subscriptionId', async () => {
    const response = await get(owner, 'contoso');
    expectInvalidParameter(response, 'subscriptionId');
  });

  it('when an unknown query parameter is given, then it is 400 naming it', async () => {
    const response = await get(owner, SUB, { expand: 'all' });
    expectInvalidParameter(response, 'expand');
  });
});

describe('PUT /api/subscriptions/{subscriptionId}/plan', () => {
  it('when there is no token, then it is 401', async () => {
    expect((await put(null, { enabled: true })).status).toBe(401);
  });

  it('when the Owner enables the plan, then it is 200 with enabledAtUtc and who, stored without system properties', async () => {
    const before = new Date().toISOString();
    const response = await put(owner, { enabled: true });
    expect(response.status).toBe(200);
    const body = response.jsonBody as Record<string, unknown>;
    expect(body).toMatchObject({
      subscriptionId: SUB,
      enabled: true,
      updatedBy: { principalId: owner.objectId, principalName: 'Olivia Owner' },
      onboarding: { eventHubName: 'insights-logs-kube-audit' },
    });
    expect(body['enabledAtUtc'] as string >= before).toBe(true);
    expect(body).not.toHaveProperty('disabledAtUtc');
    for (const name of ['_rid', '_self', '_etag', '_attachments', '_ts', 'id']) expect(body).not.toHaveProperty(name);
    expect(await readPlan(harness.database, SUB)).toMatchObject({ enabled: true, enabledAtUtc: body['enabledAtUtc'] });
    expect((await get(reader)).jsonBody).toMatchObject({ enabled: true, enabledAtUtc: body['enabledAtUtc'] });
  });

  it('when the plan is enabled again while on, then enabledAtUtc is kept (alerting does not restart)', async () => {
    const first = (await put(owner, { enabled: true })).jsonBody as { enabledAtUtc: string; updatedAtUtc: string };
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = (await put(owner, { enabled: true })).jsonBody as { enabledAtUtc: string; updatedAtUtc: string };
    expect(second.enabledAtUtc).toBe(first.enabledAtUtc);
  });

  it('when the plan is disabled and re-enabled, then disabledAtUtc is stamped and re-enabling sets a new enabledAtUtc', async () => {
    const enabled = (await put(owner, { enabled: true })).jsonBody as { enabledAtUtc: string };
    await new Promise((resolve) => setTimeout(resolve, 5));
    const disabled = (await put(owner, { enabled: false })).jsonBody as { enabled: boolean; enabledAtUtc: string; disabledAtUtc: string };
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledAtUtc > enabled.enabledAtUtc).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = (await put(owner, { enabled: true })).jsonBody as { enabled: boolean; enabledAtUtc: string; disabledAtUtc: string };
    expect(again.enabled).toBe(true);
    expect(again.enabledAtUtc > disabled.disabledAtUtc).toBe(true);
    expect(again.disabledAtUtc).toBe(disabled.disabledAtUtc);
  });

  it.each([
    ['SecurityAdmin', admin],
    ['SecurityReader', reader],
  ])('when a %s changes the plan, then it is 403 naming Owner and nothing is stored', async (_role, caller) => {
    const response = await put(caller, { enabled: true });
    expect(response.status).toBe(403);
    expect(response.jsonBody).toMatchObject({ error: { message: expect.stringContaining('Owner') as string } });
    expect(await readPlan(harness.database, SUB)).toBeUndefined();
  });

  it('when the caller has no role in the subscription, then it is 403 and nothing is stored', async () => {
    expect((await put(stranger, { enabled: true })).status).toBe(403);
    expect(await readPlan(harness.database, SUB)).toBeUndefined();
  });

  it('when an operator without a role changes the plan, then it is 403', async () => {
    expect((await put(operator, { enabled: true })).status).toBe(403);
  });

  it('when another subscription\'s Owner enables their plan, then this subscription\'s plan is unchanged', async () => {
    expect((await put(stranger, { enabled: true }, OTHER_SUB)).status).toBe(200);
    expect((await get(reader)).jsonBody).toMatchObject({ enabled: false });
  });

  it.each([
    ['enabled is missing', {}, /^enabled is required/],
    ['enabled is a string', { enabled: 'true' }, /^enabled must be true or false/],
    ['an unknown field is sent', { enabled: true, tier: 'Premium' }, /^tier is not a known field/],
    ['the body is not an object', 'true', /^body must be a JSON object/],
    ['the body is not JSON', '{enabled:', /^body must be a JSON object/],
  ])('when %s, then it is 400 InvalidRequestBody naming the field and nothing is stored', async (_case, body, message) => {
    const response = await put(owner, body);
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: { code: 'InvalidRequestBody', message: expect.stringMatching(message) as string } });
    expect(await readPlan(harness.database, SUB)).toBeUndefined();
  });
});
