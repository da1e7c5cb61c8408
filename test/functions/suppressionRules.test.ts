import { deleteSuppressionRule } from '../../functions/deleteSuppressionRule';
import { getSuppressionRule } from '../../functions/getSuppressionRule';
import { listSuppressionRules } from '../../functions/listSuppressionRules';
import { putSuppressionRule } from '../../functions/putSuppressionRule';
import { simulateSuppressionRule } from '../../functions/simulateSuppressionRule';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { nodeAlert } from '../support/alertFixtures';
import { ApiHarness, type Handler, type TestCaller } from '../support/apiHarness';
import { execAlert, privilegedPodAlert } from '../support/suppressionRuleFixtures';

// The fixtures' alerts belong to the test cluster's subscription.
const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const OTHER_SUB = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const BULK_SUB = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const reader: TestCaller = { objectId: '11111111-1111-4111-8111-111111111111', name: 'Riley Reader' };
const admin: TestCaller = { objectId: '22222222-2222-4222-8222-222222222222', name: 'Avery Admin' };
const owner: TestCaller = { objectId: '33333333-3333-4333-8333-333333333333', name: 'Olive Owner' };
const stranger: TestCaller = { objectId: '44444444-4444-4444-8444-444444444444', name: 'Sam Stranger' };
const otherOwner: TestCaller = { objectId: '55555555-5555-4555-8555-555555555555', name: 'Otto Other' };

const collectionPath = (sub: string) => `/api/subscriptions/${sub}/suppressionRules`;
const rulePath = (sub: string, name: string) => `${collectionPath(sub)}/${name}`;

function ruleBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    alertType: 'K8S_PrivilegedContainer',
    reason: 'ExpectedActivity',
    comment: 'The node exporter runs privileged by design.',
    state: 'Enabled',
    conditions: [{ field: 'namespace', in: ['monitoring'] }],
    ...fields,
  };
}

describe('suppression rule routes', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grant(SUB, reader, 'SecurityReader');
    await harness.grant(SUB, admin, 'SecurityAdmin');
    await harness.grant(SUB, owner, 'Owner');
    await harness.grant(BULK_SUB, admin, 'SecurityAdmin');
    await harness.grant(OTHER_SUB, otherOwner, 'Owner');
  });
  afterAll(async () => {
    await harness.stop();
  });

  const put = (sub: string, name: string, body: unknown, as: TestCaller | null = admin, query?: Record<string, string>) =>
    harness.call(putSuppressionRule, 'PUT', rulePath(sub, name), { params: { subscriptionId: sub, name }, body, as, ...(query ? { query } : {}) });
  const get = (sub: string, name: string, as: TestCaller | null = reader) =>
    harness.call(getSuppressionRule, 'GET', rulePath(sub, name), { params: { subscriptionId: sub, name }, as });
  const list = (sub: string, as: TestCaller | null = reader, query?: Record<string, string>) =>
    harness.call(listSuppressionRules, 'GET', collectionPath(sub), { params: { subscriptionId: sub }, as, ...(query ? { query } : {}) });
  const remove = (sub: string, name: string, as: TestCaller | null = admin) =>
    harness.call(deleteSuppressionRule, 'DELETE', rulePath(sub, name), { params: { subscriptionId: sub, name }, as });
  const simulate = (sub: string, name: string, as: TestCaller | null = admin) =>
    harness.call(simulateSuppressionRule, 'POST', `${rulePath(sub, name)}/simulate`, { params: { subscriptionId: sub, name }, as });

  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;

  describe('authentication and roles', () => {
    beforeAll(async () => {
      expect((await put(SUB, 'matrix-rule', ruleBody(), owner)).status).toBe(201);
      expect((await put(OTHER_SUB, 'other-tenant-rule', ruleBody(), otherOwner)).status).toBe(201);
    });

    const routes: [string, Handler, string, Record<string, string>][] = [
      ['listSuppressionRules', listSuppressionRules, 'GET', { subscriptionId: SUB }],
      ['getSuppressionRule', getSuppressionRule, 'GET', { subscriptionId: SUB, name: 'matrix-rule' }],
      ['putSuppressionRule', putSuppressionRule, 'PUT', { subscriptionId: SUB, name: 'matrix-rule' }],
      ['deleteSuppressionRule', deleteSuppressionRule, 'DELETE', { subscriptionId: SUB, name: 'matrix-rule' }],
      ['simulateSuppressionRule', simulateSuppressionRule, 'POST', { subscriptionId: SUB, name: 'matrix-rule' }],
    ];

    it.each(routes)('when %s is called without a token, then it is 401', async (_name, handler, method, params) => {
      const response = await harness.call(handler, method, '/api/subscriptions/x', { params, ...(method === 'GET' ? {} : { body: ruleBody() }), as: null });
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('Unauthorized');
    });

    it.each([
      ['a SecurityReader', reader, 200],
      ['a SecurityAdmin', admin, 200],
      ['an Owner', owner, 200],
      ['a caller without a role', stranger, 403],
    ] as const)('when %s lists the rules, then it is %d', async (_who, caller, status) => {
      expect((await list(SUB, caller)).status).toBe(status);
    });

    it.each([
      ['a SecurityReader', reader, 200],
      ['a SecurityAdmin', admin, 200],
      ['an Owner', owner, 200],
      ['a caller without a role', stranger, 404],
    ] as const)('when %s reads a rule, then it is %d', async (_who, caller, status) => {
      expect((await get(SUB, 'matrix-rule', caller)).status).toBe(status);
    });

    it.each([
      ['a SecurityReader', reader, 403],
      ['a caller without a role', stranger, 404],
    ] as const)('when %s tries to write, delete or simulate a rule, then it is %d and nothing changes', async (_who, caller, status) => {
      const before: unknown = (await get(SUB, 'matrix-rule', owner)).jsonBody;
      expect((await put(SUB, 'matrix-rule', ruleBody({ state: 'Disabled' }), caller)).status).toBe(status);
      expect((await put(SUB, 'new-by-reader', ruleBody(), caller)).status).toBe(status);
      expect((await remove(SUB, 'matrix-rule', caller)).status).toBe(status);
      expect((await simulate(SUB, 'matrix-rule', caller)).status).toBe(status);
      expect((await get(SUB, 'matrix-rule', owner)).jsonBody).toEqual(before);
      expect((await get(SUB, 'new-by-reader', owner)).status).toBe(404);
    });

    it.each([
      ['a SecurityAdmin', admin],
      ['an Owner', owner],
    ] as const)('when %s writes, simulates and deletes a rule, then each succeeds', async (_who, caller) => {
      const name = `managed-by-${caller.name.split(' ')[0] ?? 'x'}`;
      expect((await put(SUB, name, ruleBody(), caller)).status).toBe(201);
      expect((await put(SUB, name, ruleBody({ state: 'Disabled' }), caller)).status).toBe(200);
      expect((await simulate(SUB, name, caller)).status).toBe(200);
      expect((await remove(SUB, name, caller)).status).toBe(204);
    });

    it('when a caller lists another subscription\'s rules, then it is 403', async () => {
      const response = await list(OTHER_SUB, admin);
      expect(response.status).toBe(403);
      expect(JSON.stringify(response.jsonBody)).not.toContain('other-tenant-rule');
    });

    it('when a caller reads, writes, deletes or simulates another subscription\'s rule, then it is 404 and the rule is untouched', async () => {
      for (const response of [
        await get(OTHER_SUB, 'other-tenant-rule', owner),
        await put(OTHER_SUB, 'other-tenant-rule', ruleBody({ state: 'Disabled' }), owner),
        await remove(OTHER_SUB, 'other-tenant-rule', owner),
        await simulate(OTHER_SUB, 'other-tenant-rule', owner),
      ]) {
        expect(response.status).toBe(404);
        expect(errorOf(response).code).toBe('NotFound');
      }
      const still = await get(OTHER_SUB, 'other-tenant-rule', otherOwner);
      expect(still.status).toBe(200);
      expect(still.jsonBody).toMatchObject({ state: 'Enabled' });
    });

    it('when the subscription id is not a GUID, then it is 400 naming it', async () => {
      const response = await list('not-a-guid', reader);
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toMatch(/^subscriptionId /);
    });
  });

  describe('PUT, GET, list and DELETE', () => {
    it('when a rule is created and then replaced, then 201 then 200, the creator is kept and the updater recorded', async () => {
      const created = await put(SUB, 'node-exporter', ruleBody({ expirationDateUtc: '2099-01-31T01:00:00+01:00' }), admin);
      expect(created.status).toBe(201);
      expect(created.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect(created.jsonBody).toMatchObject({
        name: 'node-exporter',
        subscriptionId: SUB,
        alertType: 'K8S_PrivilegedContainer',
        reason: 'ExpectedActivity',
        state: 'Enabled',
        expirationDateUtc: '2099-01-31T00:00:00.000Z',
        conditions: [{ field: 'namespace', in: ['monitoring'] }],
        createdBy: { principalId: admin.objectId, principalName: admin.name },
        updatedBy: { principalId: admin.objectId, principalName: admin.name },
      });
      const createdAt = (created.jsonBody as { createdAtUtc: string }).createdAtUtc;

      const replaced = await put(SUB, 'node-exporter', ruleBody({ state: 'Disabled', reason: 'BenignPositive', conditions: [{ field: 'image', contains: 'node-exporter' }] }), owner);
      expect(replaced.status).toBe(200);
      expect(replaced.jsonBody).toMatchObject({
        state: 'Disabled',
        reason: 'BenignPositive',
        conditions: [{ field: 'image', contains: 'node-exporter' }],
        createdAtUtc: createdAt,
        createdBy: { principalId: admin.objectId },
        updatedBy: { principalId: owner.objectId, principalName: owner.name },
      });
      expect(replaced.jsonBody).not.toHaveProperty('expirationDateUtc');

      const read = await get(SUB, 'node-exporter', reader);
      expect(read.status).toBe(200);
      expect(read.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect(read.jsonBody).toEqual(replaced.jsonBody);
      for (const hidden of ['id', '_rid', '_self', '_etag', '_attachments', '_ts']) expect(read.jsonBody).not.toHaveProperty(hidden);
    });

    it('when rules are listed, then the subscription\'s rules come by name without system properties and no other tenant\'s', async () => {
      await put(SUB, 'zz-last', ruleBody(), admin);
      await put(SUB, 'aa-first', ruleBody(), admin);
      await put(OTHER_SUB, 'aa-other-tenant', ruleBody(), otherOwner);
      const response = await list(SUB, reader);
      expect(response.status).toBe(200);
      const { value } = response.jsonBody as { value: { name: string; subscriptionId: string }[] };
      const names = value.map((rule) => rule.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['aa-first', 'zz-last']));
      expect(names).not.toContain('aa-other-tenant');
      expect(value.every((rule) => rule.subscriptionId === SUB)).toBe(true);
      expect(JSON.stringify(value)).not.toMatch(/"_(rid|self|etag|ts|attachments)"/);
    });

    it('when a rule is deleted, then 204, then it is gone and deleting again is 404', async () => {
      await put(SUB, 'short-lived', ruleBody(), admin);
      const deleted = await remove(SUB, 'short-lived', admin);
      expect(deleted.status).toBe(204);
      expect(deleted.jsonBody).toBeUndefined();
      expect((await get(SUB, 'short-lived', reader)).status).toBe(404);
      const again = await remove(SUB, 'short-lived', admin);
      expect(again.status).toBe(404);
      expect(errorOf(again).code).toBe('NotFound');
    });

    it('when a rule that does not exist is read, then it is 404', async () => {
      const response = await get(SUB, 'never-created', reader);
      expect(response.status).toBe(404);
      expect(errorOf(response)).toEqual({ code: 'NotFound', message: 'The suppression rule was not found.' });
    });
  });

  describe('validation', () => {
    it.each([
      ['too short', 'a'],
      ['too long', 'a'.repeat(51)],
      ['with a space', 'has space'],
      ['with a character outside letters, digits, - _ .', 'rule$1'],
    ])('when the name is %s, then PUT is 400 InvalidParameter naming `name` and nothing is stored', async (_situation, name) => {
      const response = await put(SUB, name, ruleBody(), admin);
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('InvalidParameter');
      expect(errorOf(response).message).toMatch(/^name must be 2 to 50 characters/);
    });

    it('when GET, DELETE or simulate get a malformed name, then they are 400 naming it', async () => {
      for (const response of [await get(SUB, 'x', reader), await remove(SUB, 'x', admin), await simulate(SUB, 'x', admin)]) {
        expect(response.status).toBe(400);
        expect(errorOf(response).message).toMatch(/^name /);
      }
    });

    it.each([
      ['alertType is malformed', { alertType: 'K8S PrivilegedContainer' }, /^alertType must be '\*' or an alert type/],
      ['alertType is missing', { alertType: undefined }, /^alertType is required\.$/],
      ['reason is unknown', { reason: 'Annoying' }, /^reason must be one of FalsePositive, BenignPositive, ExpectedActivity, Other\.$/],
      ['state is unknown', { state: 'Expired' }, /^state must be one of Enabled, Disabled\.$/],
      ['comment is too long', { comment: 'x'.repeat(1001) }, /^comment must be at most 1000 characters\.$/],
      ['the expiry is in the past', { expirationDateUtc: '2020-01-01T00:00:00Z' }, /^expirationDateUtc must be in the future\.$/],
      ['the expiry is not a date and time', { expirationDateUtc: 'tomorrow' }, /^expirationDateUtc must be an RFC 3339 date and time/],
      ['a condition field is unknown', { conditions: [{ field: 'namespace', in: ['a'] }, { field: 'labels', in: ['a'] }] }, /^conditions\[1\]\.field must be one of alertType, severity, /],
      ['a condition has an empty `in`', { conditions: [{ field: 'namespace', in: [] }] }, /^conditions\[0\]\.in must list at least one value\.$/],
      ['a condition has both `in` and `contains`', { conditions: [{ field: 'namespace', in: ['a'], contains: 'a' }] }, /^conditions\[0\] must have exactly one of 'in' or 'contains'\.$/],
      ['a body field is unknown', { properties: {} }, /^properties is not a known field\.$/],
      ['a rule for every alert type has no condition', { alertType: '*', conditions: [] }, /^conditions must have at least one condition when alertType is '\*'\.$/],
    ])('when %s, then PUT is 400 InvalidRequestBody naming the field and nothing is stored', async (_situation, fields, message) => {
      const name = 'invalid-body-rule';
      const response = await put(SUB, name, ruleBody(fields), admin);
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('InvalidRequestBody');
      expect(errorOf(response).message).toMatch(message);
      expect((await get(SUB, name, reader)).status).toBe(404);
    });

    it('when the body is not JSON, then PUT is 400 InvalidRequestBody', async () => {
      const response = await put(SUB, 'not-json', '{"alertType":', admin);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toEqual({ code: 'InvalidRequestBody', message: 'body must be a JSON object.' });
    });

    it('when the body is larger than 64 KiB, then PUT is 413', async () => {
      const response = await put(SUB, 'huge', ruleBody({ comment: 'x'.repeat(70 * 1024) }), admin);
      expect(response.status).toBe(413);
    });

    it('when an unknown query parameter is sent, then it is 400 InvalidParameter naming it', async () => {
      for (const response of [await list(SUB, reader, { top: '5' }), await put(SUB, 'with-query', ruleBody(), admin, { force: 'true' })]) {
        expect(response.status).toBe(400);
        expect(errorOf(response).code).toBe('InvalidParameter');
        expect(errorOf(response).message).toMatch(/^(top|force) is not a known query parameter; known: none\.$/);
      }
    });
  });

  describe('simulate', () => {
    const alertsContainer = () => harness.database.container('alerts');
    const withId = (alert: Alert, id: string, fields: Partial<Alert> = {}): Alert => ({ ...alert, id, systemAlertId: id, ...fields });

    const seeded: Alert[] = [
      withId(privilegedPodAlert({ namespace: 'monitoring', user: 'ops@contoso.com', time: '2026-11-02T10:00:00Z' }), 'sim-match-older', { timeGeneratedUtc: '2026-11-02T10:01:00.000Z' }),
      withId(privilegedPodAlert({ namespace: 'monitoring', user: 'system:serviceaccount:argocd:argocd-application-controller', time: '2026-11-02T11:00:00Z' }), 'sim-match-newer', { timeGeneratedUtc: '2026-11-02T11:01:00.000Z' }),
      withId(privilegedPodAlert({ namespace: 'shop' }), 'sim-other-namespace'),
      withId(privilegedPodAlert({ namespace: 'monitoring' }), 'sim-dismissed', { status: AlertStatus.Dismissed }),
      withId(privilegedPodAlert({ namespace: 'monitoring' }), 'sim-in-progress', { status: AlertStatus.InProgress }),
      withId(privilegedPodAlert({ namespace: 'monitoring' }), 'sim-resolved', { status: AlertStatus.Resolved }),
      withId(execAlert({ namespace: 'monitoring' }), 'sim-exec-monitoring'),
      withId(privilegedPodAlert({ namespace: 'monitoring' }), 'sim-other-tenant', { subscriptionId: OTHER_SUB }),
      withId(nodeAlert({ remote: { address: '198.51.100.7', port: 3333 }, filePath: '/etc/shadow' }), 'sim-node-curl'),
      withId(nodeAlert({ binary: '/usr/bin/wget', arguments: '-q http://203.0.113.50/x.sh' }), 'sim-node-wget'),
    ];

    const snapshot = async (sub: string) =>
      (
        await alertsContainer()
          .items.query<Alert & { _etag: string }>({ query: 'SELECT * FROM c WHERE c.subscriptionId = @s', parameters: [{ name: '@s', value: sub }] }, { partitionKey: sub })
          .fetchAll()
      ).resources.sort((a, b) => a.id.localeCompare(b.id));

    beforeAll(async () => {
      for (const alert of seeded) await alertsContainer().items.upsert(alert);
    });

    it('when the rule matches some Active alerts, then exactly those are listed newest first and no alert changes', async () => {
      await put(SUB, 'sim-monitoring', ruleBody(), admin);
      const before = [...(await snapshot(SUB)), ...(await snapshot(OTHER_SUB))];

      const response = await simulate(SUB, 'sim-monitoring', admin);

      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
      const body = response.jsonBody as { value: Alert[]; count: number; truncated: boolean; note?: string };
      expect(body.value.map((alert) => alert.id)).toEqual(['sim-match-newer', 'sim-match-older']);
      expect(body.count).toBe(2);
      expect(body.truncated).toBe(false);
      expect(body.note).toBeUndefined();
      expect(body.value[0]).toMatchObject({ status: 'Active', alertType: 'K8S_PrivilegedContainer', subscriptionId: SUB });
      expect(JSON.stringify(body.value)).not.toMatch(/"_(rid|self|etag|ts|attachments)"/);
      expect([...(await snapshot(SUB)), ...(await snapshot(OTHER_SUB))]).toEqual(before);
    });

    it('when the rule is for every alert type, then Active alerts of other types that meet the conditions are listed too', async () => {
      await put(SUB, 'sim-any-type', ruleBody({ alertType: '*' }), admin);
      const body = (await simulate(SUB, 'sim-any-type', admin)).jsonBody as { value: Alert[]; count: number };
      expect(body.value.map((alert) => alert.id).sort()).toEqual(['sim-exec-monitoring', 'sim-match-newer', 'sim-match-older']);
      expect(body.count).toBe(3);
    });

    it('when the rule\'s conditions narrow further, then only the alerts meeting all of them are listed', async () => {
      await put(SUB, 'sim-argocd', ruleBody({ conditions: [{ field: 'namespace', in: ['MONITORING'] }, { field: 'account', contains: 'argocd' }] }), admin);
      const body = (await simulate(SUB, 'sim-argocd', admin)).jsonBody as { value: Alert[]; count: number };
      expect(body.value.map((alert) => alert.id)).toEqual(['sim-match-newer']);
    });

    it('when the rule\'s conditions are on node fields, then it is stored as written and lists exactly the node alerts meeting them', async () => {
      const conditions = [
        { field: 'node', in: ['AKS-NODEPOOL1-12345678-VMSS000000'] },
        { field: 'processBinary', in: ['/usr/bin/curl'] },
        { field: 'commandLine', contains: '203.0.113.50' },
        { field: 'remoteAddress', in: ['198.51.100.7'] },
        { field: 'filePath', contains: 'shadow' },
      ];
      expect((await put(SUB, 'sim-node-fields', ruleBody({ alertType: '*', conditions }), admin)).status).toBe(201);
      expect((await get(SUB, 'sim-node-fields', reader)).jsonBody).toMatchObject({ conditions });
      const body = (await simulate(SUB, 'sim-node-fields', admin)).jsonBody as { value: Alert[]; count: number };
      expect(body.value.map((alert) => alert.id)).toEqual(['sim-node-curl']);

      await put(SUB, 'sim-node-binaries', ruleBody({ alertType: 'K8S.NODE_FixtureActivity', conditions: [{ field: 'processBinary', contains: '/usr/bin/' }] }), admin);
      const both = (await simulate(SUB, 'sim-node-binaries', admin)).jsonBody as { value: Alert[]; count: number };
      expect(both.value.map((alert) => alert.id).sort()).toEqual(['sim-node-curl', 'sim-node-wget']);
    });

    it('when the stored rule is Disabled, then it lists what it would dismiss once enabled, and says so', async () => {
      await put(SUB, 'sim-disabled', ruleBody({ state: 'Disabled' }), admin);
      const body = (await simulate(SUB, 'sim-disabled', admin)).jsonBody as { value: Alert[]; count: number; note?: string };
      expect(body.count).toBe(2);
      expect(body.note).toMatch(/Disabled/);
    });

    it('when the rule does not exist, then it is 404', async () => {
      const response = await simulate(SUB, 'sim-missing', admin);
      expect(response.status).toBe(404);
      expect(errorOf(response).code).toBe('NotFound');
    });

    it('when more than 200 Active alerts match, then the newest 200 are listed, the count says how many and a note tells', async () => {
      const template = privilegedPodAlert({ namespace: 'monitoring' });
      const alerts = Array.from({ length: 203 }, (_, index) =>
        withId(template, `bulk-${String(index).padStart(3, '0')}`, {
          subscriptionId: BULK_SUB,
          startTimeUtc: new Date(Date.UTC(2026, 10, 2, 0, 0, index)).toISOString(),
        }),
      );
      for (const alert of alerts) await alertsContainer().items.upsert(alert);
      await put(BULK_SUB, 'bulk-rule', ruleBody(), admin);

      const body = (await simulate(BULK_SUB, 'bulk-rule', admin)).jsonBody as { value: Alert[]; count: number; truncated: boolean; note?: string };

      expect(body.count).toBe(203);
      expect(body.value).toHaveLength(200);
      expect(body.truncated).toBe(true);
      expect(body.note).toMatch(/200 of 203/);
      expect(body.value[0]?.id).toBe('bulk-202');
      expect(new Set(body.value.map((alert) => alert.id)).size).toBe(200);
      expect(body.value.map((alert) => alert.id)).not.toContain('bulk-000');
    });
  });
});
