import { getExportSettings } from '../../functions/getExportSettings';
import { putExportSettings } from '../../functions/putExportSettings';
import { MAX_EXPORT_TARGETS, parseExportSettingsBody, type WebhookTarget } from '../../shared/export/exportTargets';
import { openWebhookSecret } from '../../shared/export/webhookSecrets';
import { getServices } from '../../shared/services';
import { getExportSettings as readStoredSettings } from '../../shared/store/exportSettingsStore';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';

const SUB = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const { reader, admin, owner, stranger } = roleCast('e');

type ErrorBody = { error: { code: string; message: string } };
interface SettingsView {
  subscriptionId: string;
  targets: (Record<string, unknown> & { name: string; kind: string })[];
  updatedAtUtc?: string;
  updatedBy?: { principalId: string; principalName: string };
}

const webhook = (overrides: Record<string, unknown> = {}) => ({ name: 'soar', kind: 'webhook', format: 'json', url: 'https://soar.example.com/hooks/argus', ...overrides });
const eventHub = (overrides: Record<string, unknown> = {}) => ({
  name: 'sentinel',
  kind: 'eventHub',
  format: 'ocsf',
  fullyQualifiedNamespace: 'contoso-siem.servicebus.windows.net',
  eventHubName: 'argus-alerts',
  ...overrides,
});

describe('GET and PUT /api/subscriptions/{subscriptionId}/exportSettings', () => {
  const harness = new ApiHarness();
  let subscriptionCounter = 0;

  beforeAll(async () => {
    await harness.start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
  });
  afterAll(() => harness.stop());

  /** A subscription of its own (settings are one document per subscription), where the admin is SecurityAdmin. */
  async function freshSubscription(): Promise<string> {
    subscriptionCounter++;
    const subscriptionId = `3b000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
    await harness.grant(subscriptionId, admin, 'SecurityAdmin');
    await harness.grant(subscriptionId, reader, 'SecurityReader');
    return subscriptionId;
  }

  const get = (subscriptionId = SUB, as: TestCaller | null = admin, query?: Record<string, string>) =>
    harness.call(getExportSettings, 'GET', `/api/subscriptions/${subscriptionId}/exportSettings`, { params: { subscriptionId }, as, ...(query === undefined ? {} : { query }) });
  const put = (body: unknown, subscriptionId = SUB, as: TestCaller | null = admin, query?: Record<string, string>) =>
    harness.call(putExportSettings, 'PUT', `/api/subscriptions/${subscriptionId}/exportSettings`, {
      params: { subscriptionId },
      as,
      body,
      ...(query === undefined ? {} : { query }),
    });

  const storedSecretOf = (subscriptionId: string, target: WebhookTarget) => openWebhookSecret(getServices().secrets, subscriptionId, target);

  /** Asserts a 400 for a bad body whose message starts with the field's path. */
  function expectBodyProblem(response: { status?: number; jsonBody?: unknown }, field: string): void {
    expect(response.status).toBe(400);
    const escaped = field.replace(/[.[\]]/g, (c) => `\\${c}`);
    expect(response.jsonBody).toMatchObject({ error: { code: 'InvalidRequestBody', message: expect.stringMatching(new RegExp(`^${escaped} `)) as string } });
  }

  it('when nothing was configured, then GET is 200 with no targets', async () => {
    const subscriptionId = await freshSubscription();
    const response = await get(subscriptionId);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(response.jsonBody).toEqual({ subscriptionId, targets: [] });
  });

  it('when a webhook and an Event Hub target are PUT, then it is 200, the webhook secret is shown once, and GET shows hasSecret and no secret anywhere', async () => {
    const subscriptionId = await freshSubscription();
    const response = await put({ targets: [webhook(), eventHub()] }, subscriptionId);
    expect(response.status).toBe(200);
    const body = response.jsonBody as SettingsView;
    expect(body.subscriptionId).toBe(subscriptionId);
    expect(body.updatedBy).toEqual({ principalId: admin.objectId, principalName: admin.name });
    const [shownWebhook, shownHub] = body.targets;
    expect(shownWebhook).toMatchObject({ name: 'soar', kind: 'webhook', enabled: true, format: 'json', url: 'https://soar.example.com/hooks/argus', hasSecret: true });
    expect(shownWebhook?.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(shownHub).toEqual({ name: 'sentinel', kind: 'eventHub', enabled: true, format: 'ocsf', fullyQualifiedNamespace: 'contoso-siem.servicebus.windows.net', eventHubName: 'argus-alerts' });

    // Stored sealed: the raw document never holds the secret, and it opens to the one shown.
    const stored = await readStoredSettings(harness.database, subscriptionId);
    expect(await storedSecretOf(subscriptionId, stored?.targets[0] as WebhookTarget)).toBe(shownWebhook?.secret);
    expect((stored?.targets[0] as WebhookTarget).secret).toMatchObject({ v: 1, enc: 'A256GCM', kid: expect.any(String) as string });
    const raw = JSON.stringify((await harness.database.container('exportSettings').item(subscriptionId, subscriptionId).read()).resource);
    expect(raw).not.toContain(shownWebhook?.secret as string);
    expect(raw).not.toContain((shownWebhook?.secret as string).slice('whsec_'.length));
    expect(raw).not.toContain(Buffer.from(shownWebhook?.secret as string).toString('base64'));

    const read = await get(subscriptionId);
    expect(read.status).toBe(200);
    const readBody = read.jsonBody as SettingsView;
    expect(readBody.targets[0]).toMatchObject({ name: 'soar', hasSecret: true });
    expect(readBody.targets[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(read.jsonBody)).not.toContain(shownWebhook?.secret as string);
    expect(JSON.stringify(read.jsonBody)).not.toContain('whsec_');
  });

  it('when the targets are PUT again without rotateSecret, then the stored secret is kept and not shown; with rotateSecret a new one is made and shown', async () => {
    const subscriptionId = await freshSubscription();
    const first = await put({ targets: [webhook()] }, subscriptionId);
    const secret = (first.jsonBody as SettingsView).targets[0]?.secret as string;
    expect(secret).toMatch(/^whsec_/);

    const again = await put({ targets: [webhook({ format: 'cef' })] }, subscriptionId);
    expect(again.status).toBe(200);
    expect((again.jsonBody as SettingsView).targets[0]).toMatchObject({ format: 'cef', hasSecret: true });
    expect((again.jsonBody as SettingsView).targets[0]).not.toHaveProperty('secret');
    expect(await storedSecretOf(subscriptionId, (await readStoredSettings(harness.database, subscriptionId))?.targets[0] as WebhookTarget)).toBe(secret);

    const rotated = await put({ targets: [webhook({ rotateSecret: true })] }, subscriptionId);
    expect(rotated.status).toBe(200);
    const newSecret = (rotated.jsonBody as SettingsView).targets[0]?.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    const stored = (await readStoredSettings(harness.database, subscriptionId))?.targets[0] as WebhookTarget;
    expect(await storedSecretOf(subscriptionId, stored)).toBe(newSecret);
    expect(stored).not.toHaveProperty('rotateSecret');
  });

  it('when a webhook target is renamed, then it gets a new secret (secrets follow the name)', async () => {
    const subscriptionId = await freshSubscription();
    const first = (await put({ targets: [webhook()] }, subscriptionId)).jsonBody as SettingsView;
    const renamed = (await put({ targets: [webhook({ name: 'soar-2' })] }, subscriptionId)).jsonBody as SettingsView;
    expect(renamed.targets[0]?.secret).toMatch(/^whsec_/);
    expect(renamed.targets[0]?.secret).not.toBe(first.targets[0]?.secret);
  });

  it.each([
    ['duplicate names (case-insensitive)', { targets: [webhook(), eventHub({ name: 'SOAR' })] }, 'targets[1].name'],
    ['a bad format', { targets: [webhook({ format: 'xml' })] }, 'targets[0].format'],
    ['an unknown kind', { targets: [{ name: 'x', kind: 'syslog', url: 'https://x.example.com/' }] }, 'targets[0].kind'],
    ['a webhook without url', { targets: [{ name: 'soar', kind: 'webhook' }] }, 'targets[0].url'],
    ['a URL that is not absolute', { targets: [webhook({ url: '/hooks/argus' })] }, 'targets[0].url'],
    ['a bad target name', { targets: [webhook({ name: '-soar' })] }, 'targets[0].name'],
    ['an Event Hub without a hub name', { targets: [eventHub({ eventHubName: undefined })] }, 'targets[0].eventHubName'],
    ['enabled that is not a boolean', { targets: [webhook({ enabled: 'yes' })] }, 'targets[0].enabled'],
    [`more than ${MAX_EXPORT_TARGETS} targets`, { targets: Array.from({ length: MAX_EXPORT_TARGETS + 1 }, (_, i) => webhook({ name: `soar-${i}` })) }, 'targets'],
    ['no targets field', {}, 'targets'],
  ])('when the body has %s, then it is 400 naming the field and nothing is stored', async (_case, body, field) => {
    const subscriptionId = await freshSubscription();
    expectBodyProblem(await put(body, subscriptionId), field);
    expect(await readStoredSettings(harness.database, subscriptionId)).toBeUndefined();
  });

  it('when the body has an unknown field, then it is 400 naming it', async () => {
    const subscriptionId = await freshSubscription();
    const topLevel = await put({ targets: [], extra: true }, subscriptionId);
    expect(topLevel.status).toBe(400);
    expect((topLevel.jsonBody as ErrorBody).error.message).toContain('extra');
    const inTarget = await put({ targets: [webhook({ secret: 'whsec_mine' })] }, subscriptionId);
    expect(inTarget.status).toBe(400);
    expect((inTarget.jsonBody as ErrorBody).error.message).toContain('secret');
    expect(await readStoredSettings(harness.database, subscriptionId)).toBeUndefined();
  });

  it('when in local mode (as the harness runs), then http and loopback webhook URLs and any Event Hub host are accepted', async () => {
    const subscriptionId = await freshSubscription();
    const response = await put(
      { targets: [webhook({ url: 'http://127.0.0.1:8089/' }), webhook({ name: 'v6', url: 'https://[::1]/hook' }), eventHub({ fullyQualifiedNamespace: 'localhost.example.com' })] },
      subscriptionId,
    );
    expect(response.status).toBe(200);
    expect((response.jsonBody as SettingsView).targets.map((t) => t.name)).toEqual(['soar', 'v6', 'sentinel']);
  });

  it('when there is no token, then it is 401 for GET and PUT', async () => {
    expect((await get(SUB, null)).status).toBe(401);
    expect((await put({ targets: [] }, SUB, null)).status).toBe(401);
  });

  it('when the caller is a SecurityReader, then GET and PUT are 403 and nothing is stored', async () => {
    const subscriptionId = await freshSubscription();
    const read = await get(subscriptionId, reader);
    expect(read.status).toBe(403);
    expect((read.jsonBody as ErrorBody).error.code).toBe('Forbidden');
    expect((await put({ targets: [webhook()] }, subscriptionId, reader)).status).toBe(403);
    expect(await readStoredSettings(harness.database, subscriptionId)).toBeUndefined();
  });

  it.each([
    ['SecurityAdmin', admin],
    ['Owner', owner],
  ])('when the caller is %s, then GET and PUT are 200', async (_role, caller) => {
    expect((await put({ targets: [eventHub()] }, SUB, caller)).status).toBe(200);
    expect((await get(SUB, caller)).status).toBe(200);
  });

  it("when the caller is Owner of another subscription only, then this subscription's settings are 403", async () => {
    expect((await get(SUB, stranger)).status).toBe(403);
    expect((await put({ targets: [] }, SUB, stranger)).status).toBe(403);
  });

  it('when a query parameter is given, then it is 400 naming it', async () => {
    const response = await get(SUB, admin, { format: 'json' });
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: { code: 'InvalidParameter', message: expect.stringMatching(/^format /) as string } });
  });
});

/*
 * The production-mode refusals are tested on parseExportSettingsBody with `local: false`, the exact call
 * putExportSettings makes when ARGUS_ENVIRONMENT is production: running the handler in production mode
 * would need Entra ID for Cosmos DB (DefaultAzureCredential) and an https JWKS, which the harness has not.
 */
describe('parseExportSettingsBody in production mode', () => {
  const production = { local: false };
  const problemOf = (body: object, options = production): string | undefined => {
    const result = parseExportSettingsBody(body, options);
    return result.ok ? undefined : result.message;
  };

  it('when the targets are an https webhook and an Event Hubs namespace, then they are accepted', () => {
    expect(parseExportSettingsBody({ targets: [webhook(), eventHub()] }, production)).toMatchObject({ ok: true, value: [{ name: 'soar' }, { name: 'sentinel' }] });
  });

  it.each([
    ['an http:// URL', 'http://soar.example.com/hooks/argus', /^targets\[0\]\.url must be an https: URL/],
    ['IPv4 loopback', 'https://127.0.0.1/', /^targets\[0\]\.url must not target /],
    ['the cloud metadata address', 'https://169.254.169.254/', /^targets\[0\]\.url must not target /],
    ['IPv6 loopback', 'https://[::1]/', /^targets\[0\]\.url must not target /],
    ['a private address', 'https://10.0.0.5/hook', /^targets\[0\]\.url must not target /],
    ['loopback in decimal notation', 'https://2130706433/', /^targets\[0\]\.url must not target /],
    ['localhost', 'https://localhost/hook', /^targets\[0\]\.url must not target a local/],
    ['a user name in the URL', 'https://user:pw@soar.example.com/', /^targets\[0\]\.url must not contain a user name/],
  ])('when the webhook URL is %s, then it is refused naming targets[0].url', (_case, url, message) => {
    expect(problemOf({ targets: [webhook({ url })] })).toMatch(message);
  });

  it('when a refused URL carries a token, then the problem does not repeat it', () => {
    expect(problemOf({ targets: [webhook({ url: 'https://10.0.0.5/hook?token=s3cr3t' })] })).not.toContain('s3cr3t');
  });

  it('when the Event Hub namespace is not an Event Hubs domain, then it is refused naming the field', () => {
    expect(problemOf({ targets: [webhook(), eventHub({ fullyQualifiedNamespace: 'evil.example.com' })] })).toMatch(/^targets\[1\]\.fullyQualifiedNamespace must be an Event Hubs namespace/);
    expect(problemOf({ targets: [eventHub({ fullyQualifiedNamespace: 'servicebus.windows.net.evil.example.com' })] })).toMatch(/^targets\[0\]\.fullyQualifiedNamespace /);
  });

  it('when the same refused targets are given in local mode, then they are accepted', () => {
    const body = { targets: [webhook({ url: 'http://127.0.0.1:8089/' }), webhook({ name: 'meta', url: 'https://169.254.169.254/' }), eventHub({ fullyQualifiedNamespace: 'evil.example.com' })] };
    expect(problemOf(body, { local: true })).toBeUndefined();
    expect(problemOf(body)).toMatch(/^targets\[0\]\.url /);
  });
});
