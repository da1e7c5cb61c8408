import { type LocalRuntime } from '../../local/localRuntime';
import { type Alert } from '../../shared/alerts/alert';
import { createCosmosClient } from '../../shared/store/createCosmosClient';
import { upsertAlerts } from '../../shared/store/alertStore';
import { newestFirst, variedAlerts } from '../support/alertFixtures';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

interface AlertListBody {
  value: Alert[];
  nextLink?: string;
}

describe('alerts end to end: npm run token, then list, page and dismiss through the local runtime over real HTTP', () => {
  const harness = new LocalRuntimeHarness();
  let runtime: LocalRuntime;
  let reader: Awaited<ReturnType<typeof runTokenCommand>>;
  let admin: Awaited<ReturnType<typeof runTokenCommand>>;
  let owner: Awaited<ReturnType<typeof runTokenCommand>>;
  const alerts = variedAlerts(120, SUB);
  const otherTenantAlert = variedAlerts(1, OTHER_SUB)[0] as Alert;

  const call = harness.call.bind(harness);

  beforeAll(async () => {
    await harness.prepare();
    reader = await runTokenCommand(['--subscription', SUB, '--role', 'SecurityReader', '--user', 'rita']);
    admin = await runTokenCommand(['--subscription', SUB, '--role', 'SecurityAdmin', '--user', 'sam']);
    owner = await runTokenCommand(['--subscription', OTHER_SUB, '--role', 'Owner', '--user', 'oscar']);
    runtime = await harness.start();
    // Alerts as the ingestion pipeline stores them, written through the real SDK into the runtime's store.
    const client = createCosmosClient(runtime.config.cosmos);
    try {
      await upsertAlerts(client.database(runtime.config.cosmos.databaseName), [...alerts, otherTenantAlert]);
    } finally {
      client.dispose();
    }
  });
  afterAll(() => harness.stop());

  it('when a reader pages through the alerts by following nextLink, then every alert comes once, most recently raised first', async () => {
    const seen: Alert[] = [];
    let next: string | undefined = `/subscriptions/${SUB}/alerts?top=50`;
    let pages = 0;
    while (next !== undefined) {
      const response = await call('GET', next, reader.token);
      expect(response.status).toBe(200);
      const body = (await response.json()) as AlertListBody;
      seen.push(...body.value);
      next = body.nextLink;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((a) => a.id)).toEqual([...alerts].sort(newestFirst).map((a) => a.id));
    const raised = seen.map((a) => a.timeGeneratedUtc);
    expect([...raised].sort().reverse()).toEqual(raised);
  });

  it('when a reader tries to dismiss, then it is 403 and the alert is unchanged', async () => {
    const target = alerts[0] as Alert;
    const response = await call('POST', `/subscriptions/${SUB}/alerts/${target.id}/dismiss`, reader.token);
    expect(response.status).toBe(403);
    const after = (await (await call('GET', `/subscriptions/${SUB}/alerts/${target.id}`, reader.token)).json()) as Alert;
    expect(after.status).toBe(target.status);
  });

  it('when an admin dismisses with a comment and If-Match, then the alert is Dismissed and its history names the admin', async () => {
    const target = alerts.find((a) => a.status === 'Active') as Alert;
    const read = await call('GET', `/subscriptions/${SUB}/alerts/${target.id}`, admin.token);
    const etag = read.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const dismissed = await call('POST', `/subscriptions/${SUB}/alerts/${target.id}/dismiss`, admin.token, {
      body: { comment: 'Known maintenance job' },
      headers: { 'if-match': etag },
    });
    expect(dismissed.status).toBe(200);
    const body = (await dismissed.json()) as Alert;
    expect(body.status).toBe('Dismissed');
    expect(body.statusHistory).toEqual([
      { status: 'Dismissed', principalId: admin.objectId, principalName: 'sam', timeUtc: expect.any(String) as string, comment: 'Known maintenance job' },
    ]);
    const stale = await call('POST', `/subscriptions/${SUB}/alerts/${target.id}/resolve`, admin.token, { headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
  });

  it("when a caller asks for another subscription's alert, then it is 404, exactly as for an alert that exists nowhere", async () => {
    const foreign = await call('GET', `/subscriptions/${OTHER_SUB}/alerts/${otherTenantAlert.id}`, reader.token);
    const missing = await call('GET', `/subscriptions/${OTHER_SUB}/alerts/00000000000000000000000000000000`, reader.token);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
    // Its own Owner sees it; an Owner elsewhere cannot dismiss it either.
    expect((await call('GET', `/subscriptions/${OTHER_SUB}/alerts/${otherTenantAlert.id}`, owner.token)).status).toBe(200);
    expect((await call('POST', `/subscriptions/${OTHER_SUB}/alerts/${otherTenantAlert.id}/dismiss`, admin.token)).status).toBe(404);
  });
});
