import { exportAlerts } from '../../functions/exportAlerts';
import { exportIncidents } from '../../functions/exportIncidents';
import { ingestAuditWebhook } from '../../functions/ingestAuditWebhook';
import { ingestNodeWebhook } from '../../functions/ingestNodeWebhook';
import { putCluster } from '../../functions/putCluster';
import { startSimulation } from '../../functions/startSimulation';
import { workloadEvent } from '../../shared/detection/exampleEvents';
import { setRateLimitClockForTests } from '../../shared/http/rateLimits';
import { processExecEvent } from '../../shared/node/exampleNodeEvents';
import { setAuditEventPublisherForTests, setNodeEventPublisherForTests } from '../../shared/services';
import { ApiHarness, type Handler, roleCast, type TestCaller } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';
import { type FaultInjectingProxy, startFaultInjectingProxy } from '../support/faultInjectingProxy';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * The request-rate limits through the real handlers, with real tokens and ingestion keys: a token bucket per
 * caller and route (INGEST_, EXPORT_ and SIMULATION_RATE_LIMIT_PER_MINUTE, small here), the clock moved by the
 * test instead of slept. The store is reached through a counting proxy, to show a refused request costs no store
 * work beyond authenticating its caller.
 */

const SUB = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d';
const OTHER_SUB = '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
const { reader, admin, owner, stranger } = roleCast('6');
const secondReader: TestCaller = { objectId: '60000000-0000-4000-8000-000000000005', name: 'Rory Reader' };
const secondAdmin: TestCaller = { objectId: '60000000-0000-4000-8000-000000000006', name: 'Abe Admin' };

const LIMITS = { INGEST_RATE_LIMIT_PER_MINUTE: '3', EXPORT_RATE_LIMIT_PER_MINUTE: '2', SIMULATION_RATE_LIMIT_PER_MINUTE: '2' };

type Answer = { status?: number; headers?: unknown; jsonBody?: unknown };
const headerOf = (response: Answer, name: string): string | undefined => (response.headers as Record<string, string> | undefined)?.[name];
const codeOf = (response: Answer): string | undefined => (response.jsonBody as { error?: { code?: string } } | undefined)?.error?.code;

/** What a 429 must be: TooManyRequests with Retry-After, an integer of seconds, at least 1; gives back the seconds. */
function expectTooManyRequests(response: Answer): number {
  expect({ status: response.status, code: codeOf(response) }).toEqual({ status: 429, code: 'TooManyRequests' });
  const retryAfter = headerOf(response, 'retry-after') ?? '';
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  return Number(retryAfter);
}

describe('rate limits (429 with Retry-After)', () => {
  const harness = new ApiHarness();
  const auditHub = new RecordingPublisher();
  const nodeHub = new RecordingPublisher();
  let proxy: FaultInjectingProxy;
  let restoreSettings: () => void;
  let nowInMs = Date.parse('2026-12-01T10:00:00Z');

  beforeAll(async () => {
    await harness.start();
    proxy = await startFaultInjectingProxy(harness.cosmos.server.endpoint);
    restoreSettings = applyAppSettings({ ...LIMITS, COSMOS__accountEndpoint: proxy.endpoint });
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
    await harness.grant(SUB, secondReader, 'SecurityReader');
    await harness.grant(SUB, secondAdmin, 'SecurityAdmin');
    setAuditEventPublisherForTests(auditHub);
    setNodeEventPublisherForTests(nodeHub);
    setRateLimitClockForTests(() => nowInMs);
  });
  afterAll(async () => {
    setRateLimitClockForTests(undefined);
    setAuditEventPublisherForTests(undefined);
    setNodeEventPublisherForTests(undefined);
    restoreSettings();
    await proxy.close();
    await harness.stop();
  });
  beforeEach(() => {
    // A minute apart, every bucket is full again: no test sees another's requests.
    nowInMs += 3_600_000;
    auditHub.take();
    nodeHub.take();
  });

  describe('POST /api/ingest/audit and /api/ingest/node, per ingestion key', () => {
    let clusterCounter = 0;
    const register = async (body?: unknown): Promise<{ clusterName: string; key: string }> => {
      clusterCounter++;
      const clusterName = `rate-${clusterCounter}`;
      const response = await harness.call(putCluster, 'PUT', `/api/subscriptions/${SUB}/clusters/${clusterName}`, {
        params: { subscriptionId: SUB, clusterName },
        as: owner,
        ...(body === undefined ? {} : { body }),
      });
      expect([200, 201]).toContain(response.status);
      return { clusterName, key: (response.jsonBody as { ingestionKey: string }).ingestionKey };
    };
    const rotate = async (clusterName: string): Promise<string> => {
      const response = await harness.call(putCluster, 'PUT', `/api/subscriptions/${SUB}/clusters/${clusterName}`, {
        params: { subscriptionId: SUB, clusterName },
        as: owner,
        body: { previousKeyValidForMinutes: 60 },
      });
      expect(response.status).toBe(200);
      return (response.jsonBody as { ingestionKey: string }).ingestionKey;
    };
    const eventList = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [workloadEvent('pods', { containers: [{ name: 'c', image: 'busybox' }] }, { auditID: 'rate-1' })] };
    const postAudit = (key: string) =>
      harness.call(ingestAuditWebhook, 'POST', '/api/ingest/audit', { as: null, body: eventList, headers: { authorization: `Bearer ${key}` } });
    const postNode = (key: string) =>
      harness.call(ingestNodeWebhook, 'POST', '/api/ingest/node', {
        as: null,
        body: JSON.stringify(processExecEvent({ binary: '/bin/sh', arguments: '-c id', pid: 7 })),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      });
    const statuses = async (count: number, post: () => Promise<Answer>): Promise<(number | undefined)[]> => {
      const answers: (number | undefined)[] = [];
      for (let i = 0; i < count; i++) answers.push((await post()).status);
      return answers;
    };

    it('when a key posts more than the limit within a minute, then the next post is 429 TooManyRequests with Retry-After and nothing of it is forwarded', async () => {
      const { key } = await register();
      expect(await statuses(3, () => postAudit(key))).toEqual([200, 200, 200]);
      expect(auditHub.take()).toHaveLength(3);

      const refused = await postAudit(key);
      expect(expectTooManyRequests(refused)).toBe(20);
      expect(auditHub.take()).toEqual([]);
      expect(refused.context.logs.filter((line) => line.level === 'warning').map((line) => line.message)).toEqual([
        expect.stringMatching(/^rate limit: ingestAuditWebhook: key \S{8} of cluster \/subscriptions\/.+ is over 3 requests a minute/),
      ]);
      // The log names the key by its id, never the key.
      expect(JSON.stringify(refused.context.logs)).not.toContain(key);
    });

    it('when a key is limited, then a refused post costs only the key\'s point read, no other store request', async () => {
      const { key } = await register();
      await statuses(3, () => postAudit(key));
      proxy.resetStats();
      expectTooManyRequests(await postAudit(key));
      expect(proxy.stats().requests).toBe(1);
    });

    it('when one cluster\'s key is limited, then another cluster\'s key is unaffected, and so is the same key on the node route', async () => {
      const limited = await register();
      const other = await register();
      await statuses(3, () => postAudit(limited.key));
      expectTooManyRequests(await postAudit(limited.key));

      expect(await statuses(3, () => postAudit(other.key))).toEqual([200, 200, 200]);
      expect(await statuses(3, () => postNode(limited.key))).toEqual([200, 200, 200]);
      expectTooManyRequests(await postNode(limited.key));
    });

    it('when a rotated cluster\'s previous key is limited, then its current key is unaffected (the bucket is the key\'s, not the cluster\'s)', async () => {
      const { clusterName, key: previous } = await register();
      const current = await rotate(clusterName);
      await statuses(3, () => postAudit(previous));
      expectTooManyRequests(await postAudit(previous));
      expect(await statuses(3, () => postAudit(current))).toEqual([200, 200, 200]);
    });

    it('when a limited key waits Retry-After seconds, then its posts are accepted again, one token at a time', async () => {
      const { key } = await register();
      await statuses(3, () => postAudit(key));
      const retryAfter = expectTooManyRequests(await postAudit(key));

      nowInMs += retryAfter * 1000 - 1;
      expectTooManyRequests(await postAudit(key));
      nowInMs += 1;
      expect((await postAudit(key)).status).toBe(200);
      expectTooManyRequests(await postAudit(key));
    });

    it('when a caller presents a wrong key for a registered cluster many times, then each is 401 and the cluster\'s own key keeps its whole bucket', async () => {
      const { clusterName, key } = await register();
      const forged = `argus1.${SUB}.${clusterName}.${'A'.repeat(42)}A`;
      expect(await statuses(10, () => postAudit(forged))).toEqual(Array.from({ length: 10 }, () => 401));
      expect(await statuses(3, () => postAudit(key))).toEqual([200, 200, 200]);
    });
  });

  describe('GET .../export/{alerts,incidents}, per principal', () => {
    const pull = (handler: Handler, feed: string, as: TestCaller | null, subscriptionId = SUB) =>
      harness.call(handler, 'GET', `/api/subscriptions/${subscriptionId}/export/${feed}`, { params: { subscriptionId }, as });

    it('when a principal pulls more than the limit within a minute, then the next pull is 429 with Retry-After, before any store request', async () => {
      expect((await pull(exportAlerts, 'alerts', reader)).status).toBe(200);
      expect((await pull(exportAlerts, 'alerts', reader)).status).toBe(200);
      proxy.resetStats();
      const refused = await pull(exportAlerts, 'alerts', reader);
      expect(expectTooManyRequests(refused)).toBe(30);
      expect(proxy.stats().requests).toBe(0);
    });

    it('when a principal is limited, then another principal, and the same principal on another export route, are unaffected', async () => {
      await pull(exportAlerts, 'alerts', reader);
      await pull(exportAlerts, 'alerts', reader);
      expectTooManyRequests(await pull(exportAlerts, 'alerts', reader));

      expect((await pull(exportAlerts, 'alerts', secondReader)).status).toBe(200);
      expect((await pull(exportIncidents, 'incidents', reader)).status).toBe(200);
    });

    it('when the limited principal waits Retry-After seconds, then it may pull again', async () => {
      await pull(exportAlerts, 'alerts', reader);
      await pull(exportAlerts, 'alerts', reader);
      const retryAfter = expectTooManyRequests(await pull(exportAlerts, 'alerts', reader));
      nowInMs += retryAfter * 1000;
      expect((await pull(exportAlerts, 'alerts', reader)).status).toBe(200);
    });

    it('when requests come without a token, then each is 401, not 429, and no principal\'s bucket is touched', async () => {
      for (let i = 0; i < 5; i++) expect((await pull(exportAlerts, 'alerts', null)).status).toBe(401);
      expect((await pull(exportAlerts, 'alerts', reader)).status).toBe(200);
      expect((await pull(exportAlerts, 'alerts', reader)).status).toBe(200);
    });

    it('when a principal with no role in the subscription is over the limit, then it is 429 too (the limit comes before the role is read)', async () => {
      expect((await pull(exportAlerts, 'alerts', stranger)).status).toBe(403);
      expect((await pull(exportAlerts, 'alerts', stranger)).status).toBe(403);
      expectTooManyRequests(await pull(exportAlerts, 'alerts', stranger));
    });
  });

  describe('POST .../simulations, per principal', () => {
    // The plan of SUB is off: a permitted start is 409 PlanNotEnabled, after the same gate a real start passes.
    const start = (as: TestCaller) => harness.call(startSimulation, 'POST', `/api/subscriptions/${SUB}/simulations`, { params: { subscriptionId: SUB }, as });

    it('when an admin starts more simulations than the limit within a minute, then the next is 429, another admin is unaffected, and after Retry-After it passes the gate again', async () => {
      expect((await start(admin)).status).toBe(409);
      expect((await start(admin)).status).toBe(409);
      const retryAfter = expectTooManyRequests(await start(admin));
      expect(retryAfter).toBe(30);

      expect((await start(secondAdmin)).status).toBe(409);
      nowInMs += retryAfter * 1000;
      expect((await start(admin)).status).toBe(409);
    });
  });
});
